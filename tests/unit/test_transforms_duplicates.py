"""Duplicate accounts as a data steward sees them: which pairs, how alike, and why."""

from __future__ import annotations

import random
import string
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.duplicates import (
    DUPLICATE_COLUMNS,
    candidate_pairs,
    duplicate_accounts,
    normalise_name,
    normalise_phone,
    registrable_domain,
)


def make_accounts(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Accounts as the mirror holds them; fields a row leaves out are empty."""
    defaults: dict[str, Any] = {
        "Website": None,
        "Phone": None,
        "BillingCity": None,
        "BillingCountry": None,
        "ParentId": None,
        "OwnerId": "U1",
        "IsDeleted": False,
    }
    columns = ["Id", "Name", *defaults]
    return pd.DataFrame([{**defaults, **row} for row in rows], columns=columns)


def pair_ids(found: pd.DataFrame) -> set[frozenset[str]]:
    return {
        frozenset(pair) for pair in zip(found["account_id"], found["other_account_id"], strict=True)
    }


def test_legal_forms_and_shared_domain_make_a_duplicate_with_reasons() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Acme Energy Ltd", "Website": "https://www.acme.com/about"},
            {"Id": "A2", "Name": "ACME Energy Limited", "Website": "acme.com"},
        ]
    )

    found = duplicate_accounts(accounts)

    assert list(found.columns) == list(DUPLICATE_COLUMNS)
    assert len(found) == 1
    row = found.iloc[0]
    assert {row["account_id"], row["other_account_id"]} == {"A1", "A2"}
    assert {row["account_name"], row["other_account_name"]} == {
        "Acme Energy Ltd",
        "ACME Energy Limited",
    }
    assert 0.9 <= row["score"] <= 1
    assert "after removing legal forms" in row["reasons"]
    assert "same website domain acme.com" in row["reasons"]


def test_a_fuzzy_name_alike_with_the_same_phone_says_how_alike() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Nordlicht Energie GmbH", "Phone": "+49 30 1234 5678"},
            {"Id": "A2", "Name": "Nordlicht Energy", "Phone": "030 1234 5678"},
        ]
    )

    found = duplicate_accounts(accounts)

    assert len(found) == 1
    reasons = found.iloc[0]["reasons"]
    assert "% alike after removing legal forms" in reasons
    assert "same phone" in reasons


def test_different_businesses_of_one_brand_are_not_duplicates() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Acme Energy", "BillingCity": "London"},
            {"Id": "A2", "Name": "Acme Foods", "BillingCity": "London"},
        ]
    )

    assert duplicate_accounts(accounts).empty


def test_an_account_and_its_parent_or_grandparent_are_not_duplicates() -> None:
    accounts = make_accounts(
        [
            {"Id": "P", "Name": "Acme Energy Group", "Website": "acme.com"},
            {"Id": "C", "Name": "Acme Energy Group Ltd", "Website": "acme.com", "ParentId": "P"},
            {"Id": "G", "Name": "Acme Energy Group Inc", "Website": "acme.com", "ParentId": "C"},
        ]
    )

    assert duplicate_accounts(accounts).empty


def test_deleted_accounts_are_ignored() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Acme Energy Ltd"},
            {"Id": "A2", "Name": "Acme Energy Limited", "IsDeleted": True},
        ]
    )

    assert duplicate_accounts(accounts).empty
    assert candidate_pairs(accounts).empty


def test_empty_frame_gives_empty_result_with_the_columns() -> None:
    found = duplicate_accounts(pd.DataFrame({"Id": [], "Name": []}))

    assert found.empty
    assert list(found.columns) == list(DUPLICATE_COLUMNS)


def test_results_are_ordered_by_score() -> None:
    accounts = make_accounts(
        [
            {"Id": "A1", "Name": "Acme Energy Ltd"},
            {"Id": "A2", "Name": "Acme Energy"},
            {"Id": "B1", "Name": "Borealis Shipping Oy"},
            {"Id": "B2", "Name": "Borealis Shiping"},
        ]
    )

    found = duplicate_accounts(accounts)

    assert pair_ids(found) == {frozenset({"A1", "A2"}), frozenset({"B1", "B2"})}
    assert found["score"].is_monotonic_decreasing


def test_missing_optional_columns_are_treated_as_empty() -> None:
    accounts = pd.DataFrame({"Id": ["A1", "A2"], "Name": ["Acme Energy Ltd", "Acme Energy"]})

    assert len(duplicate_accounts(accounts)) == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ACME Energy Ltd.", ("acme energy", True)),
        ("Société Générale S.A.", ("societe generale", True)),
        ("Müller GmbH & Co. KG", ("muller", True)),
        ("Fratelli Rossi S.p.A.", ("fratelli rossi", True)),
        ("AB", ("ab", False)),
        ("Acme Group", ("acme group", False)),
    ],
)
def test_name_normalisation(name: str, expected: tuple[str, bool]) -> None:
    assert normalise_name(name) == expected


@pytest.mark.parametrize(
    ("website", "expected"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("shop.acme.co.uk", "acme.co.uk"),
        ("acme.de", "acme.de"),
        ("", None),
        (None, None),
    ],
)
def test_registrable_domain(website: Any, expected: str | None) -> None:
    assert registrable_domain(website) == expected


def test_phone_ignores_formatting_country_prefix_and_placeholders() -> None:
    assert normalise_phone("+44 20 7946 0000") == normalise_phone("020-7946-0000")
    assert normalise_phone("0000000000") is None
    assert normalise_phone("12") is None


_NAMES = st.sampled_from(
    ["Acme Energy Ltd", "ACME Energy", "Acme Foods", "Borealis Oy", "Borealis", "Zeta AG", ""]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_NAMES, st.sampled_from([None, "acme.com", "x.com"]), st.booleans()),
        max_size=12,
    )
)
def test_no_account_is_paired_with_itself_and_each_pair_appears_once(
    rows: list[tuple[str, str | None, bool]],
) -> None:
    accounts = make_accounts(
        [
            {"Id": f"A{index}", "Name": name, "Website": website, "IsDeleted": deleted}
            for index, (name, website, deleted) in enumerate(rows)
        ]
    )

    found = duplicate_accounts(accounts, threshold=0.5)

    assert (found["account_id"] != found["other_account_id"]).all()
    assert len(pair_ids(found)) == len(found)
    assert found["score"].between(0, 1).all()
    live = {f"A{index}" for index, (_, _, deleted) in enumerate(rows) if not deleted}
    assert set(found["account_id"]) | set(found["other_account_id"]) <= live


def _pseudo_word(rnd: random.Random) -> str:
    return "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(4, 9)))


def test_candidate_comparisons_grow_linearly_not_quadratically() -> None:
    rnd = random.Random(10)
    common = ["energy", "foods", "logistics", "systems", "group", "nordic", "global"]
    names: set[str] = set()
    while len(names) < 20_000:
        words = [_pseudo_word(rnd), rnd.choice(common), _pseudo_word(rnd)]
        names.add(" ".join(words[: rnd.randint(2, 3)]).title() + rnd.choice([" Ltd", " AB", ""]))
    accounts = make_accounts(
        [
            {
                "Id": f"A{index:05d}",
                "Name": name,
                "Website": f"https://www.{index % 5000}.example.com",
                "Phone": f"+44 20 {index % 7000:08d}",
            }
            for index, name in enumerate(sorted(names))
        ]
    )

    pairs = candidate_pairs(accounts)

    assert len(pairs) < len(accounts) * 50
    assert not pairs.duplicated().any()
