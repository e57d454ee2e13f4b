"""Names of people and client companies, their web domains and phone numbers.

Faker (seeded) picks the pools of first and last names once; everything after
that draws from the pools with the caller's `random.Random`, which keeps large
presets fast and every run identical.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker
from faker.providers.person.en_US import Provider as PersonNames

#: consumer mail providers: clients' private addresses and strangers write from these
FREE_MAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "gmx.de",
    "web.de",
)
#: tries at a "Surname Sector" name before adding the city (and then a number)
_PLAIN_NAME_ATTEMPTS = 6


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    phone_prefix: str
    legal_forms: tuple[str, ...]


PLACES: tuple[Place, ...] = (
    Place("Chicago", "United States", "+1 312", ("Inc.", "LLC", "Corp.")),
    Place("Houston", "United States", "+1 713", ("Inc.", "LLC")),
    Place("Atlanta", "United States", "+1 404", ("Inc.", "Corp.")),
    Place("Toronto", "Canada", "+1 416", ("Inc.", "Ltd")),
    Place("Manchester", "United Kingdom", "+44 161", ("Ltd", "plc")),
    Place("Birmingham", "United Kingdom", "+44 121", ("Ltd",)),
    Place("Hamburg", "Germany", "+49 40", ("GmbH", "AG")),
    Place("Stuttgart", "Germany", "+49 711", ("GmbH", "AG")),
    Place("Lyon", "France", "+33 4", ("S.A.", "SAS")),
    Place("Rotterdam", "Netherlands", "+31 10", ("B.V.", "N.V.")),
    Place("Milan", "Italy", "+39 02", ("S.p.A.", "S.r.l.")),
    Place("Gothenburg", "Sweden", "+46 31", ("AB",)),
    Place("Zurich", "Switzerland", "+41 44", ("AG", "GmbH")),
    Place("Warsaw", "Poland", "+48 22", ("Sp. z o.o.", "S.A.")),
)

#: Industry picklist values as Salesforce ships them -> words for company names.
SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Precision", "Components", "Fabrication", "Metalworks", "Tooling"),
    "Machinery": ("Machinery", "Automation", "Robotics", "Hydraulics"),
    "Construction": ("Construction", "Builders", "Infrastructure"),
    "Energy": ("Energy", "Power", "Renewables"),
    "Chemicals": ("Chemicals", "Coatings", "Polymers"),
    "Transportation": ("Logistics", "Freight", "Transport"),
    "Food & Beverage": ("Foods", "Beverages", "Bakeries"),
    "Utilities": ("Utilities", "Water Services"),
    "Healthcare": ("Medical", "Health Systems"),
    "Electronics": ("Electronics", "Circuits", "Sensors"),
    "Retail": ("Retail", "Stores"),
    "Agriculture": ("Agritech", "Farm Supply"),
    "Engineering": ("Engineering", "Technical Services"),
    "Shipping": ("Shipping", "Marine"),
}


@dataclass(frozen=True)
class Company:
    """A client company's identity."""

    name: str
    short_name: str
    domain: str
    industry: str
    place: Place


@lru_cache(maxsize=4096)
def ascii_slug(text: str, separator: str = "-") -> str:
    """Lower-case ASCII letters and digits of `text`, words joined by `separator`.

    Cached: people's names come from small pools and are slugged over and over.
    """
    words = [
        "".join(ch for ch in word.lower() if ch.isascii() and ch.isalnum()) for word in text.split()
    ]
    return separator.join(word for word in words if word)


def phone_number(place: Place, rng: random.Random) -> str:
    return f"{place.phone_prefix} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"


class NameBook:
    """Pools of person names and a register of company names already used."""

    def __init__(self, fake: Faker, pool_size: int, reserved_domains: set[str]) -> None:
        first = tuple(PersonNames.first_names)
        last = tuple(PersonNames.last_names)
        self.first_names = list(
            fake.random_elements(first, min(pool_size, len(first)), unique=True)
        )
        self.last_names = list(fake.random_elements(last, min(pool_size, len(last)), unique=True))
        self._taken_domains = set(reserved_domains)

    def person(self, rng: random.Random) -> tuple[str, str]:
        return rng.choice(self.first_names), rng.choice(self.last_names)

    def claim_domain(self, domain: str) -> bool:
        """Take `domain` for a client if no one has it yet (False when taken)."""
        if domain in self._taken_domains:
            return False
        self._taken_domains.add(domain)
        return True

    def company(self, rng: random.Random) -> Company:
        """A client company whose name and web domain no other company has."""
        industry = rng.choice(tuple(SECTOR_WORDS))
        place = rng.choice(PLACES)
        for attempt in itertools.count():
            short_name = f"{rng.choice(self.last_names)} {rng.choice(SECTOR_WORDS[industry])}"
            if attempt >= _PLAIN_NAME_ATTEMPTS:
                short_name += f" {place.city}"
            if attempt >= 2 * _PLAIN_NAME_ATTEMPTS:
                short_name += f" {attempt}"
            domain = ascii_slug(short_name) + ".example"
            if domain not in self._taken_domains:
                break
        self._taken_domains.add(domain)
        name = f"{short_name} {rng.choice(place.legal_forms)}"
        return Company(name, short_name, domain, industry, place)
