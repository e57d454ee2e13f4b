"""Settings models: what kamsync syncs, from where, and where results go.

Loaded from a TOML file with `KAMSYNC_<SECTION>__<KEY>` environment overrides
(see `config.loader`). Secrets are `SecretStr` so they never print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class Section(BaseModel):
    """A config section: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SalesforceSettings(Section):
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    #: My Domain URL; if empty, the token response's instance_url is used.
    instance_url: HttpUrl | None = None
    api_version: str = "59.0"
    auth: Literal["client_credentials"] = "client_credentials"
    client_id: str
    client_secret: SecretStr
    timeout_seconds: float = Field(default=60, gt=0)

    @field_validator("api_version")
    @classmethod
    def _version_shape(cls, value: str) -> str:
        major, _, minor = value.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError("must look like '59.0'")
        return value


class M365Settings(Section):
    authority_url: HttpUrl = HttpUrl("https://login.microsoftonline.com")
    graph_url: HttpUrl = HttpUrl("https://graph.microsoft.com")
    tenant_id: str
    client_id: str
    client_secret: SecretStr
    #: The KAMs' mailboxes (UPNs); deadlines of their key accounts become their To Do tasks.
    mailboxes: list[str] = Field(min_length=1)
    #: How far back the first mail sync reaches.
    mail_horizon_days: int = Field(default=90, gt=0)
    timeout_seconds: float = Field(default=60, gt=0)

    @field_validator("mailboxes")
    @classmethod
    def _lower_mailboxes(cls, value: list[str]) -> list[str]:
        bad = [box for box in value if "@" not in box]
        if bad:
            raise ValueError(f"not a mailbox address: {', '.join(bad)}")
        return [box.strip().lower() for box in value]


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
