"""The analysis settings: product defaults, and a clear error for each mistake a sales-ops
engineer can make in them."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import ConfigError, load_settings
from config.settings import Settings
from tests.unit.test_config import VALID


def _load(tmp_path: Path, extra: str) -> Settings:
    path = tmp_path / "kamsync.toml"
    path.write_text(VALID + f'local_dir = "{tmp_path / "out"}"\n' + extra)
    return load_settings(path)


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    settings = _load(tmp_path, "")
    assert settings.sla.first_response_hours == {"High": 4, "Medium": 8, "Low": 24}
    assert settings.engagement.cadence_days == {"strategic": 14, "key": 30}
    assert sum(settings.health.weights.values()) == 100
    assert settings.business_hours.days == ["mon", "tue", "wed", "thu", "fri"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[health]\nweights = { engagement = 50, meetings = 10 }\n", "add up to 60, not 100"),
        ("[health]\nweights = { mood = 100 }\n", "unknown component mood"),
        ("[health]\ngreen = 40\namber = 60\n", "must be below green"),
        ('[business_hours]\nopens = "18:00"\n', "open at 18:00 but close at 17:00"),
        ('[business_hours]\ntimezone = "Mars/Olympus"\n', "Mars/Olympus"),
        ('[business_hours]\ndays = ["funday"]\n', "days must name weekdays"),
        ('[business_hours]\ncountry = "Atlantis"\n', "'Atlantis' is not an ISO country code"),
        ('[sla]\ndefault_priority = "Urgent"\n', "no entry for default_priority 'Urgent'"),
        ("[sla]\nfirst_response_hours = { High = -1, Medium = 8 }\n", "first_response_hours"),
        ('[attribution]\nshared_domains = ["not a domain"]\n', "'not a domain' is not a domain"),
        ("[engagement]\ncadence_days = { key = 30 }\n", "needs strategic"),
    ],
)
def test_a_mistake_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        _load(tmp_path, toml)


def test_attribution_domains_are_normalised(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[attribution]\nshared_domains = ["@Portal.Example.com "]\n')
    assert settings.attribution.shared_domains == ["portal.example.com"]
