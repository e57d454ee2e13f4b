"""Failure alerts: which mail a run's outcome calls for, and what that mail says.

A flow's alert state follows its failing streak: the first failed run opens it
and asks for a mail, while it lasts a reminder is due at most every
`reminder_every`, and the first completed run closes it with a 'recovered'
mail. A mail changes the state only once it went out (`after_sent`), so one
that could not be sent is asked for again by the next run, under the same key.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import jinja2

MAX_ERROR_CHARS = 2000


class AlertMail(StrEnum):
    FAILURE = "failure"
    REMINDER = "reminder"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class AlertState:
    """One flow's failing streak as the alerts know it; the default means 'not failing'."""

    first_failed_run: str | None = None
    failing_since: datetime | None = None
    failed_runs: int = 0
    mails_sent: int = 0
    last_mail_at: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.first_failed_run is not None

    def dump(self) -> str:
        """JSON for the store; times as ISO 8601."""
        fields = asdict(self)
        for name in ("failing_since", "last_mail_at"):
            fields[name] = fields[name].isoformat() if fields[name] else None
        return json.dumps(fields, sort_keys=True)

    @classmethod
    def load(cls, text: str | None) -> AlertState:
        """The state `dump` wrote; no text (a flow never seen) is the 'not failing' state."""
        if not text:
            return cls()
        fields = json.loads(text)
        for name in ("failing_since", "last_mail_at"):
            fields[name] = datetime.fromisoformat(fields[name]) if fields[name] else None
        return cls(**fields)


@dataclass(frozen=True)
class AlertDecision:
    """The mail one run's outcome calls for, and the state to keep if it does not go out."""

    mail: AlertMail | None
    state: AlertState

    def key(self, flow: str) -> str:
        """Idempotency key of the mail: the same mail asked for again gets the same key."""
        return f"alert:{flow}:{self.state.first_failed_run}:{self.mail}:{self.state.mails_sent}"

    def after_sent(self, now: datetime) -> AlertState:
        """The state once the mail went out: a recovery closes the streak."""
        if self.mail is AlertMail.RECOVERED:
            return AlertState()
        return replace(self.state, mails_sent=self.state.mails_sent + 1, last_mail_at=now)


def decide(
    previous: AlertState,
    *,
    failed: bool,
    run_id: str,
    now: datetime,
    reminder_every: timedelta,
) -> AlertDecision:
    """Which mail a run's outcome calls for (a crash counts as a failure), never a storm."""
    if not failed:
        return AlertDecision(AlertMail.RECOVERED if previous.failing else None, previous)
    if not previous.failing:
        return AlertDecision(AlertMail.FAILURE, AlertState(run_id, now, failed_runs=1))
    state = replace(previous, failed_runs=previous.failed_runs + 1)
    if state.mails_sent == 0 or state.last_mail_at is None:
        return AlertDecision(AlertMail.FAILURE, state)  # the first alert never went out
    if now - state.last_mail_at >= reminder_every:
        return AlertDecision(AlertMail.REMINDER, state)
    return AlertDecision(None, state)


@dataclass(frozen=True)
class RunReport:
    """What the mail says about the run that prompted it (the error already redacted)."""

    flow: str
    run_name: str
    outcome: str  # "failed", "crashed" or "completed"
    at: datetime
    step: str | None = None
    error: str | None = None
    url: str | None = None


def render_alert(
    mail: AlertMail,
    run: RunReport,
    state: AlertState,
    *,
    company: str,
    reminder_hours: float,
) -> tuple[str, str]:
    """(subject, html) of an alert; every value is HTML-escaped by the template."""
    flow, prefix = _one_line(run.flow), _one_line(company)
    since = _when(state.failing_since) if state.failing_since else None
    runs = f"{state.failed_runs} failed run{'s' if state.failed_runs != 1 else ''}"
    if mail is AlertMail.FAILURE:
        step = f" in {_one_line(run.step)}" if run.step else ""
        subject = f"{prefix} alert: {flow} {run.outcome}{step}"
        lead = f"A scheduled run of {flow} {run.outcome}."
    elif mail is AlertMail.REMINDER:
        subject = f"{prefix} alert: {flow} still failing ({runs} since {since})"
        lead = f"{flow} has been failing since {since}: {runs} so far. The latest:"
    else:
        subject = f"{prefix}: {flow} recovered after {runs}"
        lead = f"{flow} ran successfully again, after {runs} since {since}."
    error = run.error
    if error and len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + " …"
    html = _template().render(
        subject=subject,
        lead=lead,
        rows=[
            ("Flow", flow),
            ("Run", f"{run.run_name} ({run.outcome} {_when(run.at)})"),
            *([("Step", run.step or "the flow itself")] if mail is not AlertMail.RECOVERED else []),
        ],
        error=error if mail is not AlertMail.RECOVERED else None,
        url=_web_link(run.url),
        reminder_hours=f"{reminder_hours:g}",
    )
    return subject, html


_TEMPLATE = """\
<html><body style="font-family: Segoe UI, Arial, sans-serif; color: #222;">
<h2 style="margin-bottom: 4px;">{{ subject }}</h2>
<p>{{ lead }}</p>
<table cellpadding="4" style="border-collapse: collapse;">
{% for label, value in rows %}
<tr><th align="left" valign="top">{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}
</table>
{% if error %}
<p><strong>Error</strong></p>
<pre style="white-space: pre-wrap; background: #f4f4f4; padding: 8px;">{{ error }}</pre>
{% endif %}
{% if url %}
<p><a href="{{ url }}">Open the run in Prefect</a></p>
{% endif %}
<p style="color: #666; font-size: small;">You get one mail when a scheduled run fails, a
reminder at most every {{ reminder_hours }} hours while it keeps failing, and one when it
runs successfully again.</p>
</body></html>
"""


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return environment.from_string(_TEMPLATE)


def _one_line(text: str) -> str:
    """No line break can reach a mail header."""
    return " ".join(text.split())


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%a %d %b %Y %H:%M} UTC"


def _web_link(url: str | None) -> str | None:
    """Only http(s) links go into the mail; anything else (javascript:, file:) is dropped."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None
