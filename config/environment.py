"""The `KAMSYNC_*` environment checked against the settings before pydantic reads it.

pydantic-settings ignores a variable that names no key (a misspelt
`KAMSYNC_M356__CLIENT_SECRET` leaves the secret unset without a word) and raises a
bare `SettingsError` for a list or table that is not JSON. Here each variable is
matched to the key it names: unknown ones become warnings naming the closest real
key, unparsable ones one error naming the variable.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from config.settings import Settings

PREFIX = "KAMSYNC_"
DELIMITER = "__"
#: Variables kamsync reads that are not settings keys (the config file's path, test hooks).
NOT_KEYS = ("KAMSYNC_CONFIG",)
NOT_KEY_PREFIXES = ("KAMSYNC_CRASH", "KAMSYNC_SCREENSHOT")


def kamsync_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The `KAMSYNC_` variables that should name a settings key, upper-cased."""
    source = os.environ if environ is None else environ
    return {
        name.upper(): value
        for name, value in source.items()
        if name.upper().startswith(PREFIX)
        and name.upper() not in NOT_KEYS
        and not name.upper().startswith(NOT_KEY_PREFIXES)
    }


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning per `KAMSYNC_` variable that names no key, with the closest real one."""
    known = all_variable_names()
    warnings = []
    for name in sorted(kamsync_variables(environ)):
        if _field_of(name) is None:
            closest = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {closest[0]}?" if closest else ""
            warnings.append(f"environment variable {name} names no setting and is ignored{hint}")
    return warnings


def unparsable_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One problem per variable whose key takes a list or table but whose value is no JSON."""
    problems = []
    for name, value in sorted(kamsync_variables(environ).items()):
        annotation = _field_of(name)
        if annotation is None or not _is_complex(annotation):
            continue
        try:
            json.loads(value)
        except ValueError:
            problems.append(
                f"{_key_label(name)} (env {name}): not JSON; this key takes a "
                f"{_shape(annotation)}, e.g. {_example(annotation)}"
            )
    return problems


def all_variable_names() -> list[str]:
    """Every `KAMSYNC_SECTION__KEY` (and top-level `KAMSYNC_KEY`) a setting can be given by."""
    names = []
    for name, field in Settings.model_fields.items():
        names.append(PREFIX + name.upper())
        model = _model_of(field.annotation)
        if model is not None:
            section = f"{PREFIX}{name.upper()}{DELIMITER}"
            names += [section + key.upper() for key in model.model_fields]
    return names


def _field_of(variable: str) -> Any | None:
    """The annotation of the key `variable` names, or None when it names none."""
    parts = variable.removeprefix(PREFIX).lower().split(DELIMITER)
    annotation: Any = Settings
    for part in parts:
        model = _model_of(annotation)
        if model is not None:
            field = model.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) is dict:
            # A table keyed by the user's names (objects, schedules): any key, then its value.
            annotation = get_args(annotation)[1]
        else:
            return None  # a plain value has no keys under it
    return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model an annotation holds (`Section`, or `Section | None`), if any."""
    optional = get_origin(annotation) in (Union, UnionType)
    for candidate in (annotation, *(get_args(annotation) if optional else ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_complex(annotation: Any) -> bool:
    """Lists, tables and sections: pydantic-settings reads them from the env as JSON."""
    return _model_of(annotation) is not None or get_origin(annotation) in (list, dict)


def _key_label(variable: str) -> str:
    """`KAMSYNC_M365__MAILBOXES` as the config file spells it: `[m365] mailboxes`."""
    section, *keys = variable.removeprefix(PREFIX).lower().split(DELIMITER)
    return f"[{section}] {'.'.join(keys)}" if keys else section


def _shape(annotation: Any) -> str:
    return "JSON list" if get_origin(annotation) is list else "JSON object"


def _example(annotation: Any) -> str:
    return '["a@example.com", "b@example.com"]' if get_origin(annotation) is list else "{}"
