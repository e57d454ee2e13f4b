"""Settings models: what kamsync syncs, from where, and where results go.

Loaded from a TOML file with `KAMSYNC_<SECTION>__<KEY>` environment overrides
(see `config.loader`). Secrets are `SecretStr` so they never print.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.intelligence import (
    AttributionSettings,
    BusinessHoursSettings,
    EngagementSettings,
    HealthSettings,
    SlaSettings,
    TeamSettings,
)
from config.operations import (
    DEFAULT_SCHEDULES,
    AlertSettings,
    RuntimeSettings,
    ScheduleSettings,
    check_addresses,
    check_base_url,
    check_timezone,
)


class Section(BaseModel):
    """A config section: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ObjectSettings(Section):
    """Config additions to one mirrored object (standard or custom)."""

    #: Fields to mirror besides the ones kamsync needs (`[]`: all that describe lists).
    extra_fields: list[str] = []
    #: Cursor for incremental pulls when the object has no SystemModstamp.
    cursor: str | None = None


class SalesforceSettings(Section):
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    #: My Domain URL; if empty, the token response's instance_url is used.
    instance_url: HttpUrl | None = None
    api_version: str = "59.0"
    #: client_credentials (recommended), jwt (bearer with a certificate), or password (legacy).
    auth: Literal["client_credentials", "jwt", "password"] = "client_credentials"
    client_id: str
    #: A Prefect block (type kamsync-salesforce-credentials) holding the secrets below
    #: instead of this file or env: client_secret, private_key and password.
    credentials_block: str | None = None
    client_secret: SecretStr | None = Field(default=None, validate_default=True)
    #: jwt and password: the integration user's Salesforce username.
    username: str | None = Field(default=None, validate_default=True)
    #: jwt: the PEM private key as text (env or block), instead of private_key_file.
    private_key: SecretStr | None = Field(default=None, validate_default=True)
    #: jwt: the PEM private key whose certificate is uploaded to the connected app.
    private_key_file: Path | None = Field(default=None, validate_default=True)
    #: password: the user's password followed by its security token.
    password: SecretStr | None = Field(default=None, validate_default=True)
    timeout_seconds: float = Field(default=60, gt=0)
    #: Re-read this much before the watermark on each incremental pull.
    overlap_seconds: int = Field(default=300, ge=0)
    #: Records per REST query page (Salesforce allows 200 to 2,000).
    query_batch_size: int = Field(default=2000, ge=200, le=2000)
    #: Above this many changed records an object is pulled with Bulk API 2.0.
    bulk_threshold: int = Field(default=20_000, ge=0)
    #: kamsync's calls per UTC day stay under this share of the org's daily API allocation.
    api_budget_share: float = Field(default=0.10, gt=0, le=1)
    #: Every this many days, compare all ids with the mirror (deletes older than 15 days).
    id_reconciliation_days: int = Field(default=7, ge=1)
    #: Additions per object, e.g. `[salesforce.objects.Account] extra_fields = ["Rating"]`;
    #: a custom object (`[salesforce.objects.Project__c]`) is mirrored too.
    objects: dict[str, ObjectSettings] = {}

    @field_validator("api_version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        major, _, minor = value.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError("must look like '59.0'")
        return value

    @field_validator("credentials_block")
    @classmethod
    def _block_name(cls, value: str | None) -> str | None:
        return check_block_name(value)

    @field_validator("client_secret", "username", "private_key", "private_key_file", "password")
    @classmethod
    def _required_by_auth(cls, value: object, info: ValidationInfo) -> object:
        name, auth = info.field_name, info.data.get("auth")
        block = info.data.get("credentials_block")
        has_key_text = info.data.get("private_key") is not None
        if is_given(value) and block and name in SALESFORCE_BLOCK_KEYS:
            raise ValueError(f"also held by credentials_block {block!r}: keep one of the two")
        if value is not None and name == "private_key_file" and has_key_text:
            raise ValueError("private_key (PEM text) is given too: keep one of the two")
        supplied = bool(block and name in SALESFORCE_BLOCK_KEYS) or (
            name == "private_key_file" and has_key_text
        )
        if value is None and auth is not None and name in _AUTH_NEEDS[auth] and not supplied:
            raise ValueError(f"required when auth = {auth!r}")
        return value


_AUTH_NEEDS = {
    "client_credentials": ("client_secret",),
    "jwt": ("username", "private_key_file"),  # or private_key, the PEM text
    "password": ("client_secret", "username", "password"),
}
#: What a credentials block supplies instead of the file or env, per section.
SALESFORCE_BLOCK_KEYS = ("client_secret", "private_key", "private_key_file", "password")
M365_BLOCK_KEYS = (
    "client_secret",
    "client_certificate",
    "client_private_key",
    "client_certificate_file",
    "client_private_key_file",
)
_BLOCK_NAME = re.compile(r"[a-z0-9-]+")


def is_given(value: object) -> bool:
    """Set, and not an empty secret (an empty env var means "not set" for secrets)."""
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value is not None


def check_block_name(name: str | None) -> str | None:
    """A Prefect block document name: lowercase letters, digits and dashes."""
    if name is not None and not _BLOCK_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a Prefect block name (lowercase letters, digits, -)")
    return name


class M365Settings(Section):
    authority_url: HttpUrl = HttpUrl("https://login.microsoftonline.com")
    graph_url: HttpUrl = HttpUrl("https://graph.microsoft.com")
    tenant_id: str
    client_id: str
    #: A Prefect block (type kamsync-m365-credentials) holding the app's credential
    #: instead of this file or env: the client secret, or the certificate and its key.
    credentials_block: str | None = None
    #: The app's credential: a client secret, or a certificate (recommended by Microsoft).
    client_secret: SecretStr | None = None
    #: PEM certificate uploaded to the app registration; may also hold the private key.
    client_certificate_file: Path | None = None
    #: PEM private key of that certificate (unencrypted); omit it if the certificate file has it.
    client_private_key_file: Path | None = None
    #: The certificate and its key as PEM text (env or block), instead of the two files.
    client_certificate: SecretStr | None = None
    client_private_key: SecretStr | None = None
    #: The KAMs' mailboxes (UPNs); deadlines of their key accounts become their To Do tasks.
    mailboxes: list[str] = Field(min_length=1)
    #: How far back the first mail sync reaches.
    mail_horizon_days: int = Field(default=90, gt=0)
    #: The calendar window mirrored: this many days back and ahead of today (rolling).
    calendar_past_days: int = Field(default=90, ge=0)
    calendar_future_days: int = Field(default=60, ge=0)
    #: Mirror message bodies too (off: only what attribution needs).
    include_bodies: bool = False
    timeout_seconds: float = Field(default=60, gt=0)
    #: Concurrent Graph requests per mailbox from one process (Outlook allows 4).
    max_concurrency_per_mailbox: int = Field(default=4, ge=1, le=4)

    @field_validator("authority_url", "graph_url")
    @classmethod
    def _https_base(cls, value: HttpUrl) -> HttpUrl:
        return check_base_url(value)

    @field_validator("mailboxes")
    @classmethod
    def _lower_mailboxes(cls, value: list[str]) -> list[str]:
        return [box.strip().lower() for box in check_addresses(value, "mailbox address")]

    @field_validator("credentials_block")
    @classmethod
    def _block_name(cls, value: str | None) -> str | None:
        return check_block_name(value)

    @model_validator(mode="after")
    def _one_credential(self) -> M365Settings:
        has_secret = self.client_secret is not None and bool(self.client_secret.get_secret_value())
        if self.credentials_block:
            given = [key for key in M365_BLOCK_KEYS if is_given(getattr(self, key))]
            if given:
                where = ", ".join(f"{key} (or env KAMSYNC_M365__{key.upper()})" for key in given)
                raise ValueError(
                    f"credentials_block {self.credentials_block!r} and {where} both give "
                    "the app's credential: keep one"
                )
            return self
        for key, certificate in (
            ("client_private_key_file", "client_certificate_file"),
            ("client_private_key", "client_certificate"),
        ):
            if getattr(self, key) is not None and getattr(self, certificate) is None:
                raise ValueError(f"{key} needs {certificate} (its certificate)")
        if self.client_certificate_file is not None and self.client_certificate is not None:
            raise ValueError(
                "client_certificate_file and client_certificate (PEM text) both given: keep one"
            )
        has_certificate = (self.client_certificate_file or self.client_certificate) is not None
        if has_secret == has_certificate:
            found = "both" if has_secret else "neither"
            raise ValueError(
                "set exactly one credential: client_secret (or env KAMSYNC_M365__CLIENT_SECRET), "
                "or client_certificate_file with client_private_key_file, or name a Prefect "
                f"block in credentials_block; found {found}"
            )
        return self


class StoreSettings(Section):
    url: str = "sqlite:///.kamsync/kamsync.db"


class KeyAccountSettings(Section):
    #: Key accounts make up this share of trailing-12-month closed-won revenue.
    revenue_share: float = Field(default=0.8, gt=0, le=1)
    lookback_days: int = Field(default=365, gt=0)
    #: Checkbox field on Account that marks strategic accounts (empty: none).
    flag_field: str | None = "Key_Account__c"
    include: list[str] = []
    exclude: list[str] = []


class DeadlineSettings(Section):
    horizon_days: int = Field(default=30, ge=0)
    renewal_notice_days: int = Field(default=90, ge=0)


class ReportSettings(Section):
    #: Whose OneDrive holds the report (a mailbox UPN).
    drive_user: str
    onedrive_folder: str = "KAM Reports"
    #: The mailbox the digest is sent from; recipients get it once a day.
    sender: str
    recipients: list[str] = Field(min_length=1)
    #: Local copies of the workbooks go here.
    local_dir: Path = Path("out")
    #: Each KAM's goals workbook in their own OneDrive, and the Excel table read from it.
    goals_workbook: str = "KAM/Goals.xlsx"
    goals_table: str = "Goals"


class HttpSettings(Section):
    #: PEM bundle to trust (system roots plus a private CA, e.g. the sandbox's).
    ca_bundle: Path | None = None

    @field_validator("ca_bundle")
    @classmethod
    def _readable_bundle(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value}: no such file (a PEM bundle of trusted CAs)")
        return value


class Settings(BaseSettings):
    """All of kamsync's configuration; values given to the constructor are the TOML file's."""

    model_config = SettingsConfigDict(
        env_prefix="KAMSYNC_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    salesforce: SalesforceSettings
    m365: M365Settings
    store: StoreSettings = StoreSettings()
    key_accounts: KeyAccountSettings = KeyAccountSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    reports: ReportSettings
    http: HttpSettings = HttpSettings()
    #: Shown in report titles and the digest.
    company: str = "kamsync"
    #: The company's IANA time zone: schedules are read in it unless they name their own.
    timezone: str = "UTC"
    #: One entry per flow deployment; entries not given keep their defaults.
    schedules: dict[str, ScheduleSettings] = Field(default_factory=dict, validate_default=True)
    runtime: RuntimeSettings = RuntimeSettings()
    alerts: AlertSettings = AlertSettings()
    attribution: AttributionSettings = AttributionSettings()
    business_hours: BusinessHoursSettings = BusinessHoursSettings()
    sla: SlaSettings = SlaSettings()
    engagement: EngagementSettings = EngagementSettings()
    health: HealthSettings = HealthSettings()
    team: TeamSettings = TeamSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("schedules", mode="before")
    @classmethod
    def _with_defaults(cls, value: object) -> object:
        """Every default deployment keeps its schedule unless the file replaces it."""
        if not isinstance(value, dict):
            return value
        return {**DEFAULT_SCHEDULES, **value}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: `KAMSYNC_M365__CLIENT_SECRET` overrides the file.
        return (env_settings, init_settings)
