"""How the Salesforce connector plans pulls: fields, cursor, windows, splits, CSV, budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.errors import BudgetExhausted, ConnectorConfigError
from connectors.salesforce import ObjectDescription, plan_pull
from connectors.salesforce.budget import ApiBudget
from connectors.salesforce.bulk import records_from_csv
from connectors.salesforce.pull import window_start
from connectors.salesforce.soql import MAX_URL_CHARS, field_chunks, select_query, url_length

ACCOUNT = ObjectDescription(
    "Account",
    {
        "Id": "id", "IsDeleted": "boolean", "Name": "string", "AnnualRevenue": "currency",
        "NumberOfEmployees": "int", "Key_Account__c": "boolean", "BillingCity": "string",
        "BillingAddress": "address", "Logo__c": "base64", "CreatedDate": "datetime",
        "LastModifiedDate": "datetime", "SystemModstamp": "datetime", "OwnerId": "reference",
    },
)  # fmt: skip


def test_plan_mirrors_every_readable_field_but_compound_and_blobs() -> None:
    plan = plan_pull(ACCOUNT, ["Name", "OwnerId"])
    assert plan.fields[0] == "Id"
    assert "BillingCity" in plan.fields and "NumberOfEmployees" in plan.fields
    assert "BillingAddress" not in plan.fields and "Logo__c" not in plan.fields
    assert plan.cursor == "SystemModstamp"
    assert plan.has_is_deleted


def test_extra_fields_narrow_the_plan_to_what_is_needed() -> None:
    plan = plan_pull(ACCOUNT, ["Name"], extra_fields=["BillingCity"])
    assert plan.fields == ("Id", "Name", "BillingCity", "SystemModstamp", "IsDeleted")


def test_objects_without_systemmodstamp_fall_back_to_lastmodifieddate() -> None:
    history = ObjectDescription(
        "Thing__c", {"Id": "id", "Name": "string", "LastModifiedDate": "datetime"}
    )
    plan = plan_pull(history, [])
    assert plan.cursor == "LastModifiedDate"
    assert not plan.has_is_deleted


def test_a_field_the_user_cannot_read_is_named() -> None:
    with pytest.raises(ConnectorConfigError, match="Account has no readable field Rating"):
        plan_pull(ACCOUNT, ["Name", "Rating"])


def test_incremental_window_rereads_the_overlap_and_orders_by_cursor() -> None:
    plan = plan_pull(ACCOUNT, ["Name"], extra_fields=["OwnerId"])
    start = window_start("2026-11-27T10:00:00.000+0000", overlap=timedelta(minutes=5))
    soql = select_query(plan, list(plan.fields), start, None)
    assert (
        "WHERE SystemModstamp >= 2026-11-27T09:55:00Z ORDER BY SystemModstamp ASC, Id ASC" in soql
    )


def test_a_very_wide_object_is_split_so_every_url_fits() -> None:
    wide = ObjectDescription(
        "Account",
        {"Id": "id", "IsDeleted": "boolean", "SystemModstamp": "datetime"}
        | {f"Custom_Field_Number_{n:04d}__c": "string" for n in range(900)},
    )
    plan = plan_pull(wide, [])
    chunks = field_chunks(plan, datetime(2026, 1, 1, tzinfo=UTC), None)
    assert len(chunks) > 1
    assert chunks[0][:3] == ["Id", "SystemModstamp", "IsDeleted"]
    assert all(chunk[0] == "Id" for chunk in chunks)
    covered = {name for chunk in chunks for name in chunk}
    assert covered == set(plan.fields)
    assert url_length(select_query(plan, chunks[0], None, None)) <= MAX_URL_CHARS


def test_bulk_csv_reads_back_as_rest_values() -> None:
    plan = plan_pull(ACCOUNT, ["Name"])
    csv_text = (
        '"Id","IsDeleted","Name","AnnualRevenue","NumberOfEmployees","SystemModstamp"\n'
        '"001A","false","Acme, Inc.","1500000.0","12","2026-11-27T03:40:16.000Z"\n'
        '"001B","true","","","",""\n'
    )
    frame = records_from_csv(csv_text, plan)
    first, second = frame.to_dict("records")
    assert first["Name"] == "Acme, Inc." and first["IsDeleted"] is False
    assert first["AnnualRevenue"] == 1500000.0 and first["NumberOfEmployees"] == 12
    assert first["SystemModstamp"] == "2026-11-27T03:40:16.000+0000"
    assert (
        second["IsDeleted"] is True and second["Name"] is None and second["AnnualRevenue"] is None
    )
    assert list(frame.columns) == list(plan.fields)


def test_budget_stops_at_the_share_of_the_daily_allocation() -> None:
    budget = ApiBudget(share=0.1, spent_today=40)
    budget.check(10_000)  # allocation unknown until a response names it
    budget.observe((500, 1_000))
    budget.check(59)
    with pytest.raises(BudgetExhausted, match="resumes next run"):
        budget.check(60)
