"""Comparable forms of an account's name, website, phone and city, for matching records.

Names are casefolded, stripped of accents and punctuation and lose trailing legal forms
(`LEGAL_FORMS`); websites become their registrable domain; phones their last nine digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from transforms.domains import website_domain

#: Legal forms removed from the end of a name, written as they read once dots are dropped
#: ("S.p.A." -> "spa", "B.V." -> "bv"). English, German, French, Italian, Dutch, Nordic.
LEGAL_FORMS = frozenset(
    {
        # English
        "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc", "llp", "plc",
        "co", "company",
        # German, Austrian, Swiss
        "gmbh", "ag", "kg", "ug",
        # French, Spanish, Italian
        "sa", "sas", "sarl", "sl", "spa", "srl",
        # Dutch, Belgian
        "bv", "nv",
        # Nordic
        "oy", "oyj", "ab", "as", "asa", "aps",
    }
)  # fmt: skip

#: Second-level labels under a country code that are not themselves registrable
#: ("acme.co.uk", "acme.com.au"): the registrable domain keeps one more label.
_COUNTRY_SECOND_LEVELS = frozenset({"co", "com", "org", "net", "ac", "gov", "ltd", "plc", "ne"})

PHONE_DIGITS = 9
MIN_PHONE_DIGITS = 7

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]")


def normalise_name(name: Any) -> tuple[str, bool]:
    """The comparable form of an account name and whether a legal form was removed.

    Casefolded, accents and punctuation removed, "&" read as "and", trailing legal forms
    dropped (unless nothing else is left: a company called "AB" keeps its name).
    """
    if not isinstance(name, str):
        return "", False
    text = strip_accents(name.casefold()).replace("&", " and ").replace(".", "")
    tokens = _PUNCTUATION.sub(" ", text).split()
    kept = list(tokens)
    # "and" goes too: "GmbH & Co. KG" ends in "gmbh and co kg".
    while kept and (kept[-1] in LEGAL_FORMS or kept[-1] == "and"):
        kept.pop()
    if not kept:
        return " ".join(tokens), False
    return " ".join(kept), len(kept) < len(tokens)


def registrable_domain(website: Any) -> str | None:
    """The registrable domain of a CRM Website ("https://shop.Acme.co.uk/x" -> "acme.co.uk")."""
    host = website_domain(website)
    if host is None:
        return None
    labels = host.split(".")
    if len(labels) < 2 or all(map(str.isdigit, labels)):
        return host
    keep = 3 if len(labels[-1]) == 2 and labels[-2] in _COUNTRY_SECOND_LEVELS else 2
    return ".".join(labels[-keep:])


def normalise_phone(phone: Any) -> str | None:
    """The last nine digits of a phone number, ignoring country prefixes and formatting.

    None for numbers too short to identify anyone or made of one repeated digit (placeholders).
    """
    if phone is None or (not isinstance(phone, str) and pd.isna(phone)):
        return None
    text = str(phone)
    # ASCII text: the digits are 0-9; otherwise str.isdigit also takes other scripts' digits.
    digits = (
        _NOT_ASCII_DIGIT.sub("", text) if text.isascii() else "".join(filter(str.isdigit, text))
    )
    if len(digits) < MIN_PHONE_DIGITS or len(set(digits)) == 1:
        return None
    return digits[-PHONE_DIGITS:]


def normalise_city(city: Any) -> str | None:
    text = text_or_none(city)
    if text is None:
        return None
    return " ".join(strip_accents(text.casefold()).split())


def text_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose (the common case, ten times faster)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def per_distinct(values: pd.Series | np.ndarray, function: Callable[[Any], Any]) -> np.ndarray:
    """`function` of each value, as an object array, computed once per distinct text.

    Only all-text columns (missing values aside) are grouped: 1, 1.0 and True hash alike
    yet read differently, so any other column is judged value by value.
    """
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    array = np.asarray(array, dtype=object)
    result = np.empty(len(array), dtype=object)
    if pd.api.types.infer_dtype(array, skipna=True) not in ("string", "empty"):
        for position, value in enumerate(array):
            result[position] = function(value)
        return result
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for position, value in enumerate(uniques):
        table[position] = function(value)
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        table[-1] = function(array[missing[0]])
    result[:] = table[codes]
    return result
