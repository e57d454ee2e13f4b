"""The seed's records look like what the real services return, and come out the same every run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sandbox.ids import KEY_PREFIXES, case_safe_suffix
from sandbox.salesforce.schema import DATE, DATETIME, ID, REFERENCE, fields_of
from sandbox.seed import PRESETS, Seed, generate
from sandbox.seed.presets import preset_named
from tests.unit.test_seed_support import TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 7, 30, tzinfo=dt.UTC)
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.000%z"
GRAPH_DATETIME = "%Y-%m-%dT%H:%M:%SZ"


def seed(preset: str, today: dt.date = TODAY) -> Seed:
    return seed_of(preset, today)


def sf_datetime(value: str) -> dt.datetime:
    """Parse "2026-11-27T03:40:16.000+0000", failing on any other shape."""
    assert len(value) == len("2026-11-27T03:40:16.000+0000"), value
    assert value[10] == "T" and value.endswith(".000+0000"), value
    return dt.datetime.fromisoformat(value)


def graph_datetime(value: str) -> dt.datetime:
    """Parse "2026-11-27T03:40:16Z", failing on any other shape."""
    assert len(value) == len("2026-11-27T03:40:16Z"), value
    assert value[10] == "T" and value.endswith("Z"), value
    return dt.datetime.fromisoformat(value)


def test_presets_grow_from_tiny_to_large() -> None:
    assert PRESETS == ("tiny", "demo", "medium", "large")
    sizes = [preset_named(name).accounts for name in PRESETS]
    assert sizes == sorted(sizes)


def test_unknown_preset_names_itself_and_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'huge'.*tiny, demo, medium, large"):
        generate("huge", TODAY)


def test_same_preset_and_day_give_identical_seed() -> None:
    assert generate("tiny", TODAY) == seed("tiny")


def stored_fields(sobject: str) -> list[str]:
    """The schema's fields minus those the stand-in computes: compound and formula fields."""
    return [
        name
        for name, field in fields_of(sobject).items()
        if field.type != "address" and field.formula is None
    ]


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_record_has_exactly_the_stored_schema_fields(preset: str) -> None:
    for sobject, records in seed(preset).salesforce.items():
        expected = sorted(stored_fields(sobject))
        for record in records:
            assert sorted(record) == expected, (sobject, record["Id"])


def test_computed_fields_are_left_to_the_stand_in() -> None:
    salesforce = seed("tiny").salesforce
    assert all("BillingAddress" not in account for account in salesforce["Account"])
    assert all("Account_Segment__c" not in deal for deal in salesforce["Opportunity"])
    assert "Name" in stored_fields("Contact") and "ExpectedRevenue" in stored_fields("Opportunity")


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_dates_datetimes_and_ids_use_the_rest_api_formats(preset: str) -> None:
    for sobject, records in seed(preset).salesforce.items():
        fields = fields_of(sobject)
        for record in records:
            for name, value in record.items():
                if value is None:
                    assert fields[name].nillable, (sobject, name)
                elif fields[name].type == DATE:
                    assert dt.date.fromisoformat(value).isoformat() == value
                elif fields[name].type == DATETIME:
                    sf_datetime(value)
                elif fields[name].type in (ID, REFERENCE):
                    assert_salesforce_id(value)
            assert record["Id"].startswith(KEY_PREFIXES[sobject])


def assert_salesforce_id(value: Any) -> None:
    assert isinstance(value, str) and len(value) == 18, value
    assert value[15:] == case_safe_suffix(value[:15]), value
    assert value[:3] in KEY_PREFIXES.values(), value


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_bookkeeping_dates_are_ordered_and_in_the_past(preset: str) -> None:
    authors = {
        user["Id"]
        for user in seed(preset).salesforce["User"]
        if user["Title"] == "Integration User"
    }
    users = {user["Id"] for user in seed(preset).salesforce["User"]}
    for sobject, records in seed(preset).salesforce.items():
        for record in records:
            created = sf_datetime(record["CreatedDate"])
            modified = sf_datetime(record["LastModifiedDate"])
            assert record["SystemModstamp"] == record["LastModifiedDate"]
            assert created <= modified <= NOW, (sobject, record["Id"])
            assert record["IsDeleted"] is False
            # a case comment is written by the person who commented, not by the integration
            assert {record["CreatedById"], record["LastModifiedById"]} <= (
                users if sobject == "CaseComment" else authors
            )


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_graph_timestamps_are_utc_and_not_in_the_future(preset: str) -> None:
    for messages in seed(preset).graph.messages.values():
        for message in messages:
            sent = graph_datetime(message["sentDateTime"])
            received = graph_datetime(message["receivedDateTime"])
            assert sent <= received <= NOW
            assert graph_datetime(message["createdDateTime"]) <= NOW
    for events in seed(preset).graph.events.values():
        for event in events:
            assert graph_datetime(event["createdDateTime"]) <= NOW
            start = dt.datetime.fromisoformat(event["start"]["dateTime"])
            end = dt.datetime.fromisoformat(event["end"]["dateTime"])
            assert event["start"]["timeZone"] == event["end"]["timeZone"] == "UTC"
            assert start < end


def shifted(value: str, days: int) -> str:
    """A Salesforce or Graph date/datetime string moved by `days`, in the same format."""
    if len(value) == 10:
        return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    if value.endswith("+0000"):
        return (sf_datetime(value) + dt.timedelta(days=days)).strftime(SF_DATETIME)
    return (graph_datetime(value) + dt.timedelta(days=days)).strftime(GRAPH_DATETIME)


def test_a_week_later_every_date_moves_a_week_and_nothing_else_changes() -> None:
    before, after = seed("tiny"), seed("tiny", TODAY + dt.timedelta(days=7))
    for sobject in before.salesforce.keys() - {"Contract"}:
        fields = fields_of(sobject)
        for old, new in zip(before.salesforce[sobject], after.salesforce[sobject], strict=True):
            for name, value in old.items():
                moves = fields[name].type in (DATE, DATETIME) and value is not None
                assert new[name] == (shifted(value, 7) if moves else value), (sobject, name)
    for user_id, messages in before.graph.messages.items():
        later = after.graph.messages[user_id]
        assert [m["subject"] for m in messages] == [m["subject"] for m in later]
        assert [shifted(m["sentDateTime"], 7) for m in messages] == [
            m["sentDateTime"] for m in later
        ]
    assert before.truth.key_account_ids == after.truth.key_account_ids


def test_a_week_later_contracts_end_about_a_week_later() -> None:
    before, after = seed("tiny"), seed("tiny", TODAY + dt.timedelta(days=7))
    for old, new in zip(before.salesforce["Contract"], after.salesforce["Contract"], strict=True):
        moved = dt.date.fromisoformat(new["EndDate"]) - dt.date.fromisoformat(old["EndDate"])
        assert 4 <= moved.days <= 10
