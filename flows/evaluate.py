"""`kamsync eval` and `kamsync export`: the analysis measured against the seed's truth, and
the attribution as a CSV file.

Evaluation reads only the store: the sandbox of a preset is brought up (its state kept in
`.kamsync/eval-<preset>`), a dry-run cycle mirrors it the way a real run does, and the
analysis of that mirror is compared with the `truth.json` the seed wrote beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from config.settings import Settings
from connectors.store import Store
from flows.mirror_tables import mirror_frames
from transforms.analysis import attribution_of
from transforms.attribution import INTERNAL_ONLY, Attribution
from transforms.attribution_eval import score_attribution

#: columns of `kamsync export attribution` (a public file format)
EXPORT_COLUMNS = (
    "source", "item_id", "internet_message_id", "ical_uid", "mailbox", "occurred_at",
    "account_id", "rule", "confidence",
)  # fmt: skip


def store_attribution(store: Store, settings: Settings) -> Attribution:
    """The attribution of every mirrored mail and meeting, from the store alone."""
    return attribution_of(mirror_frames(store, settings), settings)


def export_rows(attribution: Attribution) -> pd.DataFrame:
    """One row per (item, account), then unmatched external items once with no account."""
    matched = attribution.items.reindex(columns=list(EXPORT_COLUMNS))
    unmatched = attribution.unattributed.reindex(columns=list(EXPORT_COLUMNS))
    rows = pd.concat([matched, unmatched], ignore_index=True) if len(unmatched) else matched
    moments = pd.to_datetime(rows["occurred_at"], utc=True, errors="coerce")
    rows = rows.assign(occurred_at=moments.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    order = ["occurred_at", "source", "item_id", "account_id"]
    return rows.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)


def read_truth(path: Path) -> dict[str, Any]:
    """The seed's truth file (written by `kamsync sandbox up` beside its state)."""
    try:
        truth = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{path}: no truth file (evaluate a sandbox's store)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(truth, dict) or "message_accounts" not in truth:
        raise ValueError(f"{path}: not a seed truth file (no message_accounts)")
    return truth


def attribution_scores(store: Store, settings: Settings, truth: dict[str, Any]) -> pd.DataFrame:
    """Precision and recall per rule and overall, on the mirrored items the truth knows."""
    mirror = mirror_frames(store, settings)
    attribution = attribution_of(mirror, settings)
    keys = {
        *mirror.messages["internet_message_id"].dropna().astype(str),
        *mirror.events["ical_uid"].dropna().astype(str),
    }
    excluded = attribution.exclusions
    internal = excluded[excluded["reason"] == INTERNAL_ONLY]
    internal_keys = internal["internet_message_id"].fillna(internal["ical_uid"]).dropna()
    return score_attribution(
        attribution.items, keys, truth["message_accounts"], truth["event_accounts"],
        internal_keys=set(internal_keys.astype(str)),
    )  # fmt: skip


@contextmanager
def mirrored_sandbox(preset: str, state_dir: Path) -> Iterator[Path]:
    """A sandbox of `preset` mirrored by a dry-run cycle; yields its config file."""
    from flows.cli import execute_cycle
    from flows.demo import SandboxProcess

    with SandboxProcess(state_dir, preset, False, 0, 0) as sandbox:
        config = Path(sandbox.info["config"])
        execute_cycle(config, dry_run=True)
        yield config
