"""Settings for benchmarks that run the analysis without either service."""

from __future__ import annotations

from config.settings import Settings


def bench_settings(kams: list[str]) -> Settings:
    """Settings as the sandbox writes them (the analysis reads no credentials)."""
    return Settings.model_validate(
        {
            "salesforce": {"client_id": "bench", "client_secret": "bench"},
            "m365": {"tenant_id": "bench", "client_id": "bench", "client_secret": "bench",
                     "mailboxes": kams},
            "reports": {"drive_user": kams[0], "sender": kams[0], "recipients": kams[:1]},
        }
    )  # fmt: skip
