"""Settings models: what kamsync syncs, from where, and where results go.

Loaded from a TOML file with `KAMSYNC_<SECTION>__<KEY>` environment overrides
(see `config.loader`). Secrets are `SecretStr` so they never print.
"""

from __future__ import annotations

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
    client_secret: SecretStr | None = Field(default=None, validate_default=True)
    #: jwt and password: the integration user's Salesforce username.
    username: str | None = Field(default=None, validate_default=True)
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

    @field_validator("client_secret", "username", "private_key_file", "password")
    @classmethod
    def _required_by_auth(cls, value: object, info: ValidationInfo) -> object:
        auth = info.data.get("auth")
        if value is None and auth is not None and info.field_name in _AUTH_NEEDS[auth]:
            raise ValueError(f"required when auth = {auth!r}")
        return value


_AUTH_NEEDS = {
    "client_credentials": ("client_secret",),
    "jwt": ("username", "private_key_file"),
    "password": ("client_secret", "username", "password"),
}


class M365Settings(Section):
    authority_url: HttpUrl = HttpUrl("https://login.microsoftonline.com")
    graph_url: HttpUrl = HttpUrl("https://graph.microsoft.com")
    tenant_id: str
    client_id: str
    #: The app's credential: a client secret, or a certificate (recommended by Microsoft).
    client_secret: SecretStr | None = None
    #: PEM certificate uploaded to the app registration; may also hold the private key.
    client_certificate_file: Path | None = None
    #: PEM private key of that certificate (unencrypted); omit it if the certificate file has it.
    client_private_key_file: Path | None = None
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

    @field_validator("mailboxes")
    @classmethod
    def _lower_mailboxes(cls, value: list[str]) -> list[str]:
        bad = [box for box in value if "@" not in box]
        if bad:
            raise ValueError(f"not a mailbox address: {', '.join(bad)}")
        return [box.strip().lower() for box in value]

    @model_validator(mode="after")
    def _one_credential(self) -> M365Settings:
        has_secret = self.client_secret is not None and bool(self.client_secret.get_secret_value())
        has_certificate = self.client_certificate_file is not None
        if self.client_private_key_file is not None and not has_certificate:
            raise ValueError(
                "client_private_key_file needs client_certificate_file (its certificate)"
            )
        if has_secret == has_certificate:
            found = "both" if has_secret else "neither"
            raise ValueError(
                "set exactly one credential: client_secret (or env KAMSYNC_M365__CLIENT_SECRET), "
                f"or client_certificate_file with client_private_key_file; found {found}"
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
