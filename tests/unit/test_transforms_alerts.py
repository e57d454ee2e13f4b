"""Failure alerts: which mail each run's outcome sends, and what the mail says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from transforms.alerts import (
    AlertDecision,
    AlertMail,
    AlertState,
    RunReport,
    decide,
    render_alert,
)

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


class Flow:
    """Feeds run outcomes through `decide`, keeping the state and the mails that went out."""

    def __init__(self, reminder_every: timedelta = DAY, mail_works: bool = True) -> None:
        self.state = AlertState()
        self.mails: list[tuple[AlertMail, str, datetime]] = []
        self.reminder_every = reminder_every
        self.mail_works = mail_works
        self.runs = 0

    def run(self, at: datetime, *, failed: bool) -> AlertMail | None:
        self.runs += 1
        decision = decide(
            self.state,
            failed=failed,
            run_id=f"run-{self.runs}",
            now=at,
            reminder_every=self.reminder_every,
        )
        self.state = decision.state
        if decision.mail is not None and self.mail_works:
            self.mails.append((decision.mail, decision.key("kam-cycle"), at))
            self.state = decision.after_sent(at)
        return decision.mail

    def kinds(self) -> list[AlertMail]:
        return [kind for kind, _, _ in self.mails]


def every_15_minutes(start: datetime, days: float) -> list[datetime]:
    return [start + timedelta(minutes=15 * i) for i in range(int(days * 24 * 4))]


def test_failing_every_15_minutes_for_three_days_mails_once_then_daily() -> None:
    flow = Flow()
    for at in every_15_minutes(START, 3):
        flow.run(at, failed=True)
    assert flow.kinds() == [AlertMail.FAILURE, AlertMail.REMINDER, AlertMail.REMINDER]
    sent_at = [at for _, _, at in flow.mails]
    assert sent_at == [START, START + DAY, START + 2 * DAY]
    assert flow.state.failed_runs == 3 * 24 * 4


def test_a_success_after_failures_sends_one_recovered_mail() -> None:
    flow = Flow()
    for at in every_15_minutes(START, 1):
        flow.run(at, failed=True)
    later = START + DAY
    assert flow.run(later, failed=False) is AlertMail.RECOVERED
    assert flow.run(later + timedelta(minutes=15), failed=False) is None
    assert flow.kinds() == [AlertMail.FAILURE, AlertMail.RECOVERED]
    assert not flow.state.failing


def test_a_success_with_no_failure_before_sends_nothing() -> None:
    decision = decide(AlertState(), failed=False, run_id="r1", now=START, reminder_every=DAY)
    assert decision == AlertDecision(None, AlertState())


def test_a_crash_counts_as_a_failure_and_a_new_streak_alerts_again() -> None:
    flow = Flow()
    flow.run(START, failed=True)  # the hook reports a crash as failed=True
    flow.run(START + timedelta(minutes=15), failed=False)
    flow.run(START + timedelta(minutes=30), failed=True)
    assert flow.kinds() == [AlertMail.FAILURE, AlertMail.RECOVERED, AlertMail.FAILURE]
    keys = [key for _, key, _ in flow.mails]
    assert len(set(keys)) == 3, "each mail has its own idempotency key"


def test_reminders_follow_the_configured_interval() -> None:
    flow = Flow(reminder_every=timedelta(hours=4))
    for at in every_15_minutes(START, 0.5):  # 12 hours
        flow.run(at, failed=True)
    assert flow.kinds() == [AlertMail.FAILURE] + [AlertMail.REMINDER] * 2


def test_an_alert_that_could_not_be_sent_is_asked_for_again_under_the_same_key() -> None:
    flow = Flow(mail_works=False)
    first = decide(flow.state, failed=True, run_id="r1", now=START, reminder_every=DAY)
    flow.state = first.state
    second = decide(
        flow.state, failed=True, run_id="r2", now=START + timedelta(minutes=15), reminder_every=DAY
    )
    assert second.mail is AlertMail.FAILURE
    assert second.key("kam-cycle") == first.key("kam-cycle")
    assert second.state.failed_runs == 2
    assert second.state.failing_since == START


def test_a_recovery_mail_that_could_not_be_sent_keeps_the_streak_open() -> None:
    flow = Flow()
    flow.run(START, failed=True)
    flow.mail_works = False
    assert flow.run(START + timedelta(minutes=15), failed=False) is AlertMail.RECOVERED
    assert flow.state.failing
    flow.mail_works = True
    assert flow.run(START + timedelta(minutes=30), failed=False) is AlertMail.RECOVERED
    assert flow.kinds() == [AlertMail.FAILURE, AlertMail.RECOVERED]


def test_state_survives_the_store_round_trip() -> None:
    flow = Flow()
    for at in every_15_minutes(START, 1.5):
        flow.run(at, failed=True)
    assert AlertState.load(flow.state.dump()) == flow.state
    assert AlertState.load(None) == AlertState()


def report(**overrides: object) -> RunReport:
    fields: dict[str, object] = {
        "flow": "kam-cycle",
        "run_name": "crimson-fox",
        "outcome": "failed",
        "at": START,
        "step": "publish-report-0",
        "error": "Flow run encountered an exception: RetriableError: OneDrive answered 503",
        "url": "http://127.0.0.1:4200/runs/flow-run/abc",
    }
    fields.update(overrides)
    return RunReport(**fields)  # type: ignore[arg-type]


def failing(runs: int) -> AlertState:
    return AlertState("run-1", START, failed_runs=runs, mails_sent=1, last_mail_at=START)


def render(mail: AlertMail, run: RunReport, state: AlertState) -> tuple[str, str]:
    return render_alert(mail, run, state, company="Acme", reminder_hours=24)


def test_first_alert_names_the_flow_the_step_the_error_and_links_the_run() -> None:
    subject, html = render(AlertMail.FAILURE, report(), failing(1))
    assert subject == "Acme alert: kam-cycle failed in publish-report-0"
    assert "OneDrive answered 503" in html
    assert 'href="http://127.0.0.1:4200/runs/flow-run/abc"' in html
    assert "crimson-fox" in html
    assert "every 24 hours" in html


def test_reminder_and_recovery_say_how_long_and_how_often() -> None:
    subject, html = render(AlertMail.REMINDER, report(), failing(97))
    assert (
        subject
        == "Acme alert: kam-cycle still failing (97 failed runs since Mon 03 Mar 2025 08:00 UTC)"
    )
    assert "OneDrive answered 503" in html
    subject, html = render(AlertMail.RECOVERED, report(outcome="completed", error=None), failing(1))
    assert subject == "Acme: kam-cycle recovered after 1 failed run"
    assert "ran successfully again" in html
    assert "Error" not in html


@pytest.mark.parametrize("url", [None, "javascript:alert(1)", "file:///etc/passwd"])
def test_the_link_is_left_out_when_unknown_or_not_a_web_address(url: str | None) -> None:
    _, html = render(AlertMail.FAILURE, report(url=url), failing(1))
    assert "Open the run" not in html


def test_errors_are_escaped_and_shortened_and_headers_stay_on_one_line() -> None:
    error = "<script>x</script> " + "y" * 5000
    subject, html = render(
        AlertMail.FAILURE, report(error=error, step="pull\nBcc: someone@evil.test"), failing(1)
    )
    assert "\n" not in subject
    assert "<script>" not in html and "&lt;script&gt;" in html
    kept = 2000 - len("<script>x</script> ")
    assert "y" * kept + " …" in html and "y" * (kept + 1) not in html


def test_a_failure_outside_any_task_is_blamed_on_the_flow_itself() -> None:
    subject, html = render(AlertMail.FAILURE, report(step=None, outcome="crashed"), failing(1))
    assert subject == "Acme alert: kam-cycle crashed"
    assert "the flow itself" in html
