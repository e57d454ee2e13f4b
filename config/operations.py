"""Settings for running kamsync unattended: schedules, concurrency, alerts."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_timezone(value: str) -> str:
    """An IANA time zone name (`Europe/Berlin`), as Prefect schedules take it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like 'Europe/Berlin'"
        ) from None
    return value


def check_base_url(url: HttpUrl) -> HttpUrl:
    """An https base URL (msal and Graph refuse plain http) without query or fragment."""
    if url.scheme != "https":
        raise ValueError(f"{url} must start with https:// (sign-in and Graph refuse http)")
    if url.query or url.fragment:
        raise ValueError(f"{url} must be a base URL, without ?query or #fragment")
    return url


def check_addresses(values: list[str], what: str) -> list[str]:
    """The values unchanged, or ValueError naming every one that is no address at all."""
    bad = [value for value in values if "@" not in value]
    if bad:
        raise ValueError(f"not a {what}: {', '.join(bad)}")
    return values


class ScheduleSettings(_Section):
    """When one flow's deployment runs (`[schedules.<flow>]`)."""

    #: Five-field cron expression, read in `timezone`.
    cron: str
    #: IANA time zone of the cron expression; empty: the top-level `timezone`.
    timezone: str | None = None
    #: An inactive schedule keeps the deployment (runnable from the UI) without scheduled runs.
    active: bool = True
    #: Run parameters of scheduled runs (e.g. `{ dry_run = true }`); never secrets.
    parameters: dict[str, Any] = {}

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"{value!r} is not a five-field cron expression like '0 7 * * 1-5'")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("parameters")
    @classmethod
    def _no_config_file(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "config_file" in value:
            raise ValueError("config_file is set by kamsync serve (--config), not per schedule")
        return value


#: Deployments and their default schedules: the whole cycle each weekday morning, both
#: syncs every 15 minutes in working hours. A `[schedules.<flow>]` entry replaces one.
DEFAULT_SCHEDULES: dict[str, dict[str, Any]] = {
    "kam-cycle": {"cron": "0 7 * * 1-5"},
    "salesforce-sync": {"cron": "*/15 8-18 * * 1-5"},
    "m365-sync": {"cron": "*/15 8-18 * * 1-5"},
}


class RuntimeSettings(_Section):
    """How a run spreads its work, and how long its hold on the store lasts."""

    #: Concurrent per-mailbox pulls and pushes (each mailbox still gets at most 4 requests).
    max_workers: int = Field(default=8, ge=1, le=64)
    #: threads (in the flow's process) or dask (a Dask cluster, through prefect-dask).
    task_runner: Literal["threads", "dask"] = "threads"
    #: Scheduler address of an existing Dask cluster; empty: a local cluster per run.
    dask_address: str | None = None
    #: A run's lock on the store is taken over by another run this long after its last sign
    #: of life (a killed run's lock); a live run renews it after every step.
    lock_timeout_minutes: float = Field(default=30, gt=0)


class AlertSettings(_Section):
    """Mail about failed scheduled runs: one per failure, a daily reminder, a recovery note."""

    #: Who gets them; empty: no alert mail.
    recipients: list[str] = []
    #: Sending mailbox; empty: `[reports] sender`.
    sender: str | None = None
    #: While a flow keeps failing, one reminder at most this often.
    reminder_hours: float = Field(default=24, gt=0)
    #: The Prefect UI's address for links to the run (default: `PREFECT_UI_URL`).
    ui_url: str | None = None

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return check_addresses(value, "mail address")
