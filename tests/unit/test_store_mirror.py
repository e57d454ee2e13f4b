"""Mirror tables and watermarks: what pulls write and what transforms read back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, text

from connectors.store import Store, StoreError


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def accounts(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_records_round_trip_with_missing_values_as_none(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "Id": ["001A", "001B"],
            "Name": ["Acme", None],
            "AnnualRevenue": [1_500_000.5, np.nan],
            "NumberOfEmployees": [120, 7],
            "IsKey__c": [True, False],
            "Industries": [["Energy", "Retail"], []],
            "SystemModstamp": ["2024-05-01T10:00:00.000+0000", "2024-05-02T10:00:00.000+0000"],
        }
    )
    assert store.upsert_records("salesforce", "Account", frame) == 2

    mirrored = store.read_table("salesforce", "Account")

    assert list(mirrored.columns) == list(frame.columns)
    first, second = mirrored.to_dict("records")
    assert first == {
        "Id": "001A",
        "Name": "Acme",
        "AnnualRevenue": 1_500_000.5,
        "NumberOfEmployees": 120,
        "IsKey__c": True,
        "Industries": ["Energy", "Retail"],
        "SystemModstamp": "2024-05-01T10:00:00.000+0000",
    }
    assert pd.isna(second["Name"]) and pd.isna(second["AnnualRevenue"])
    assert second["Industries"] == []


def test_stored_json_is_strict_for_other_readers(store_url: str) -> None:
    engine = create_engine(store_url)
    store = Store.from_engine(engine)
    frame = pd.DataFrame(
        {
            "Id": ["001A"],
            "AnnualRevenue": [np.nan],
            "Probability": [np.inf],
            "Mixed": pd.Series([np.int64(5)], dtype=object),
            "Flag": pd.Series([np.bool_(True)], dtype=object),
            "CreatedDate": [pd.Timestamp("2024-05-01T10:00:00Z")],
            "ClosedDate": [pd.NaT],
        }
    )
    store.upsert_records("salesforce", "Account", frame, modstamp_column=None)

    with engine.connect() as connection:
        raw = connection.execute(text("SELECT CAST(data AS TEXT) FROM mirror_records")).scalar_one()
    store.close()

    def refuse_nan(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    assert json.loads(raw, parse_constant=refuse_nan) == {
        "Id": "001A",
        "AnnualRevenue": None,
        "Probability": None,
        "Mixed": 5,
        "Flag": True,
        "CreatedDate": "2024-05-01T10:00:00+00:00",
        "ClosedDate": None,
    }


def test_later_batches_add_columns_in_first_seen_order(store: Store) -> None:
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A", "Name": "Acme"}))
    store.upsert_records(
        "salesforce", "Account", accounts({"Id": "001B", "Rating": "Hot", "Name": "Globex"})
    )

    mirrored = store.read_table("salesforce", "Account")

    assert list(mirrored.columns) == ["Id", "Name", "Rating"]
    assert mirrored["Rating"].isna().tolist() == [True, False]


def test_upserting_known_ids_updates_instead_of_duplicating(store: Store) -> None:
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A", "Name": "Acme"}))

    store.upsert_records(
        "salesforce",
        "Account",
        accounts({"Id": "001A", "Name": "Acme Corp"}, {"Id": "001B", "Name": "Globex"}),
    )

    mirrored = store.read_table("salesforce", "Account")
    assert mirrored[["Id", "Name"]].values.tolist() == [["001A", "Acme Corp"], ["001B", "Globex"]]
    assert store.count("salesforce", "Account") == 2


def test_duplicate_ids_in_one_batch_keep_the_last_row(store: Store) -> None:
    batch = accounts({"Id": "001A", "Name": "old"}, {"Id": "001A", "Name": "new"})

    assert store.upsert_records("salesforce", "Account", batch) == 1
    assert store.read_table("salesforce", "Account")["Name"].tolist() == ["new"]


@pytest.mark.parametrize("missing_id", [None, "", np.nan])
def test_row_without_id_is_refused_with_its_position(store: Store, missing_id: object) -> None:
    batch = accounts({"Id": "001A"}, {"Id": missing_id})

    with pytest.raises(ValueError, match="Account row 1 has no Id"):
        store.upsert_records("salesforce", "Account", batch)
    assert store.count("salesforce", "Account") == 0


def test_objects_and_sources_are_kept_apart(store: Store) -> None:
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A"}))
    messages = pd.DataFrame([{"id": "AAMk1", "subject": "Renewal"}])
    store.upsert_records("m365", "messages", messages, id_column="id", modstamp_column=None)

    assert store.read_table("m365", "messages").to_dict("records") == [
        {"id": "AAMk1", "subject": "Renewal"}
    ]
    assert store.count("salesforce", "Account") == 1
    assert store.count("salesforce", "Opportunity") == 0


def test_nothing_mirrored_reads_as_an_empty_frame(store: Store) -> None:
    mirrored = store.read_table("salesforce", "Opportunity")

    assert mirrored.empty and list(mirrored.columns) == []


def test_watermark_is_committed_with_its_batch(store: Store) -> None:
    assert store.watermark("salesforce.Account") is None

    store.upsert_records(
        "salesforce",
        "Account",
        accounts({"Id": "001A"}),
        watermark=("salesforce.Account", "2024-05-01T10:00:00Z"),
    )

    assert store.watermark("salesforce.Account") == "2024-05-01T10:00:00Z"


REFUSE_INSERTS = {
    "sqlite": [
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {when} "
        "BEGIN SELECT RAISE(ABORT, '{message}'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW WHEN ({when}) "
        "EXECUTE FUNCTION refuse_{table}()",
    ],
}


def refuse_inserts(engine: Engine, table: str, message: str, when: str = "TRUE") -> None:
    """A trigger failing every INSERT into `table` whose new row matches `when`."""
    with engine.begin() as connection:
        for ddl in REFUSE_INSERTS[engine.dialect.name]:
            connection.execute(text(ddl.format(table=table, message=message, when=when)))


def test_failing_row_leaves_watermark_and_earlier_rows_unwritten(store_url: str) -> None:
    engine = create_engine(store_url)
    store = Store.from_engine(engine)
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A"}), watermark=("sf", "1"))
    refuse_inserts(engine, "mirror_records", "disk full", "NEW.record_id = '001POISON'")
    batch = accounts({"Id": "001B"}, {"Id": "001POISON"}, {"Id": "001C"})

    with pytest.raises(StoreError, match="disk full"):
        store.upsert_records("salesforce", "Account", batch, watermark=("sf", "2"))

    assert store.watermark("sf") == "1"
    assert store.read_table("salesforce", "Account")["Id"].tolist() == ["001A"]
    store.close()


def test_failing_watermark_write_rolls_back_the_batch(store_url: str) -> None:
    engine = create_engine(store_url)
    store = Store.from_engine(engine)
    refuse_inserts(engine, "watermarks", "watermark refused")

    with pytest.raises(StoreError, match="watermark refused"):
        store.upsert_records(
            "salesforce", "Account", accounts({"Id": "001A"}), watermark=("sf", "1")
        )

    assert store.count("salesforce", "Account") == 0
    store.close()


def test_deleted_records_are_hidden_unless_asked_for(store: Store) -> None:
    batch = accounts({"Id": "001A"}, {"Id": "001B"}, {"Id": "001C"})
    store.upsert_records("salesforce", "Account", batch)

    assert store.mark_deleted("salesforce", "Account", ["001B", "001B", "001UNKNOWN"]) == 1

    assert store.read_table("salesforce", "Account")["Id"].tolist() == ["001A", "001C"]
    everything = store.read_table("salesforce", "Account", include_deleted=True)
    assert everything["Id"].tolist() == ["001A", "001B", "001C"]
    assert store.count("salesforce", "Account") == 2
    assert store.count("salesforce", "Account", include_deleted=True) == 3


def test_deletions_commit_their_watermark(store: Store) -> None:
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A"}))

    store.mark_deleted("salesforce", "Account", ["001A"], watermark=("sf.deleted", "2024-05-02"))

    assert store.watermark("sf.deleted") == "2024-05-02"


def test_a_deleted_record_pulled_again_is_live_again(store: Store) -> None:
    store.upsert_records("salesforce", "Account", accounts({"Id": "001A", "Name": "Acme"}))
    store.mark_deleted("salesforce", "Account", ["001A"])

    store.upsert_records("salesforce", "Account", accounts({"Id": "001A", "Name": "Acme"}))

    assert store.read_table("salesforce", "Account")["Id"].tolist() == ["001A"]


def test_string_and_float_columns_store_missing_values_as_null(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "Id": pd.array(["001A", "001B", "001C"], dtype="string"),
            "Name": pd.array(["Acme", pd.NA, "Initech"], dtype="string"),
            "Score": pd.Series([1.5, -np.inf, np.nan], dtype="float32"),
        }
    )
    store.upsert_records("salesforce", "Account", frame, modstamp_column=None)
    rows = store.read_fields("salesforce", "Account", ["Id", "Name", "Score"])
    assert rows.to_dict("records") == [
        {"Id": "001A", "Name": "Acme", "Score": 1.5},
        {"Id": "001B", "Name": None, "Score": None},
        {"Id": "001C", "Name": "Initech", "Score": None},
    ]


def test_read_table_gives_every_asked_column_even_before_the_first_pull(store: Store) -> None:
    empty = store.read_table("salesforce", "Case", columns=["Id", "Priority"])
    assert list(empty.columns) == ["Id", "Priority"] and empty.empty

    store.upsert_records("salesforce", "Case", accounts({"Id": "500A", "SystemModstamp": "x"}))
    tables = store.read_tables("salesforce", {"Case": ["Id", "Priority"], "Task": ["Id"]})
    assert tables["Case"]["Priority"].tolist() == [None]
    assert list(tables["Task"].columns) == ["Id"]


def test_replace_records_keeps_a_snapshot_per_scope(store: Store) -> None:
    """A KAM's goals table as it is now: rows gone from the sheet disappear, another
    KAM's rows stay."""
    ann = accounts(
        {"id": "ann#2", "kam": "ann", "Goal": 1}, {"id": "ann#3", "kam": "ann", "Goal": 2}
    )
    bob = accounts({"id": "bob#2", "kam": "bob", "Goal": 9})
    store.replace_records("m365", "goals", ann, id_column="id", where={"kam": "ann"})
    store.replace_records("m365", "goals", bob, id_column="id", where={"kam": "bob"})

    written, hidden = store.replace_records(
        "m365", "goals", ann.iloc[[1]].assign(Goal=5), id_column="id", where={"kam": "ann"}
    )

    assert (written, hidden) == (1, 1)
    goals = store.read_table("m365", "goals").set_index("id")["Goal"].to_dict()
    assert goals == {"ann#3": 5, "bob#2": 9}
