"""`kamsync eval attribution` (the analysis against the seed's truth) and
`kamsync export attribution` (one CSV row per attributed item and account)."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from config.loader import config_path, load_settings
from config.settings import Settings
from flows.cli_support import ConfigOption, console, say_error, user_errors
from transforms.attribution_eval import INTERNAL_ROW

eval_app = typer.Typer(no_args_is_help=True, help="Measure the analysis against the seed's truth.")
export_app = typer.Typer(no_args_is_help=True, help="Write the analysis to files.")

PresetOption = Annotated[
    str,
    typer.Option(
        "--preset",
        help="Seed a sandbox of this preset (tiny, demo, medium, large), mirror it with a "
        "dry-run cycle and evaluate that mirror.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of the table.")
]
StateDirOption = Annotated[
    Path | None,
    typer.Option(help="Sandbox state for --preset (default .kamsync/eval-<preset>; kept)."),
]


@eval_app.command("attribution")
def eval_attribution(
    preset: PresetOption = "demo",
    config: ConfigOption = None,
    json_output: JsonOption = False,
    state_dir: StateDirOption = None,
) -> None:
    """Precision and recall of mail and meeting attribution, per rule and overall.

    With --config, evaluates that store against the truth.json beside the config file (a
    sandbox's); otherwise brings up a sandbox of --preset and mirrors it first.
    """
    from flows.evaluate import attribution_scores

    scores, label = _evaluated(preset, config, state_dir, attribution_scores)
    if json_output:
        typer.echo(json.dumps(scores_json(scores, label)))
        return
    table = Table(title=f"Attribution against the seed's truth ({label})")
    for column in ("rule", "predicted", "correct", "precision", "recall", "truth_items"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    for row in scores.to_dict("records"):
        table.add_row(
            str(row["rule"]), f"{int(row['predicted']):,}", f"{int(row['correct']):,}",
            _share(row["precision"]), _share(row["recall"]), f"{int(row['truth_items']):,}",
        )  # fmt: skip
    console.print(table)


def _evaluated(
    preset: str,
    config: Path | None,
    state_dir: Path | None,
    measure: Callable[[Any, Settings, dict[str, Any]], pd.DataFrame],
) -> tuple[pd.DataFrame, str]:
    """`measure(store, settings, truth)` on the config's store, or on a fresh preset mirror."""
    from connectors.store import Store
    from flows.demo import SandboxUnavailable
    from flows.evaluate import mirrored_sandbox, read_truth

    with user_errors():
        if config is not None:
            path = config_path(config)
            settings = load_settings(path)
            truth = _truth(read_truth, path.parent / "truth.json")
            with Store(settings.store.url) as store:
                return measure(store, settings, truth), str(path)
        where = state_dir or Path(f".kamsync/eval-{preset}")
        try:
            with mirrored_sandbox(preset, where) as sandbox_config:
                settings = load_settings(sandbox_config)
                truth = _truth(read_truth, where / "truth.json")
                with Store(settings.store.url) as store:
                    return measure(store, settings, truth), f"preset {preset}"
        except SandboxUnavailable as exc:
            say_error(f"kamsync eval: {exc}")
            raise typer.Exit(1) from None


def _truth(read: Callable[[Path], dict[str, Any]], path: Path) -> dict[str, Any]:
    try:
        return read(path)
    except ValueError as exc:
        say_error(f"kamsync eval: {exc}")
        raise typer.Exit(2) from None


def scores_json(scores: pd.DataFrame, label: str) -> dict[str, Any]:
    """{"source", "overall": {...}, "rules": {rule: {...}}} with precision, recall and counts."""

    def entry(row: Mapping[Hashable, Any]) -> dict[str, Any]:
        return {
            "precision": _number(row["precision"]), "recall": _number(row["recall"]),
            "predicted": int(row["predicted"]), "correct": int(row["correct"]),
            "truth_items": int(row["truth_items"]),
        }  # fmt: skip

    rows = scores.to_dict("records")
    overall = next(entry(row) for row in rows if row["rule"] == "overall")
    rules = {
        str(row["rule"]): entry(row) for row in rows if row["rule"] not in ("overall", INTERNAL_ROW)
    }
    internal = sum(int(row["truth_items"]) for row in rows if row["rule"] == INTERNAL_ROW)
    return {"source": label, "overall": overall, "rules": rules,
            "internal_only_not_scored": internal}  # fmt: skip


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def _share(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.3f}"


@export_app.command("attribution")
def export_attribution(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    config: ConfigOption = None,
) -> None:
    """Write one CSV row per (mail or meeting, account): source, item_id,
    internet_message_id or ical_uid, mailbox, occurred_at (UTC), account_id, rule,
    confidence. External items that match no account appear once with no account_id.
    Reads only the store (run a cycle or a sync first)."""
    from connectors.store import Store
    from flows.evaluate import export_rows, store_attribution

    with user_errors():
        settings = load_settings(config)
        with Store(settings.store.url) as store:
            rows = export_rows(store_attribution(store, settings))
    out.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out, index=False)
    attributed = int(rows["account_id"].notna().sum())
    console.print(
        f"{len(rows):,} rows written to {out} ({attributed:,} attributed, "
        f"{len(rows) - attributed:,} unmatched external items)",
        highlight=False,
    )
