"""Every flow kamsync deploys, in one registry, and the deployments made from it.

`kamsync serve` serves them from one process; `kamsync deployments yaml` writes the
same deployments as a `prefect.yaml` for a process work pool. A flow added later
registers here, and both pick it up. Schedules come from `[schedules.<flow>]`
(defaults in config.operations), read in the company's time zone unless an entry
names its own.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import prefect
import yaml
from prefect import Flow
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ParameterTypeError
from prefect.schedules import Cron

from config.loader import ConfigError
from config.settings import Settings
from flows.cycle import kam_cycle
from flows.syncs import m365_sync, salesforce_sync

#: The deployed flows; each deployment is named after its flow.
REGISTRY: tuple[Flow[..., Any], ...] = (kam_cycle, salesforce_sync, m365_sync)
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DeploymentPlan:
    """One deployment as configured: its flow, schedule and fixed parameters."""

    flow: Flow[..., Any]
    cron: str
    timezone: str
    active: bool
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.flow.name

    @property
    def description(self) -> str:
        """The flow docstring's first paragraph, on one line."""
        return " ".join((self.flow.description or "").split("\n\n")[0].split())

    @property
    def entrypoint(self) -> str:
        """`flows/cycle.py:kam_cycle`, relative to the project root, as prefect.yaml wants."""
        source = Path(inspect.getfile(self.flow.fn)).resolve().relative_to(PROJECT_ROOT)
        return f"{source.as_posix()}:{self.flow.fn.__name__}"

    def schedule_line(self) -> dict[str, str | bool]:
        """The deployment as `kamsync serve`'s JSON line lists it."""
        return {"name": self.name, "flow": self.flow.name, "schedule": self.cron,
                "timezone": self.timezone, "active": self.active}  # fmt: skip


def deployment_plans(settings: Settings, config_file: str | None) -> list[DeploymentPlan]:
    """The registry's deployments with the config's schedules; ConfigError naming the
    `[schedules.<flow>]` entry that is not a registered flow or has a bad parameter."""
    flows = {flow.name: flow for flow in REGISTRY}
    unknown = sorted(set(settings.schedules) - set(flows))
    if unknown:
        raise ConfigError(
            f"[schedules.{unknown[0]}]: no such flow; deployable flows: {', '.join(flows)}"
        )
    fixed = {"config_file": config_file} if config_file is not None else {}
    plans = []
    for name, flow in flows.items():
        entry = settings.schedules[name]
        parameters = {**fixed, **entry.parameters}
        try:
            flow.validate_parameters(parameters)
        except ParameterTypeError as exc:
            raise ConfigError(f"[schedules.{name}] parameters: {exc}") from None
        timezone = entry.timezone or settings.timezone
        plans.append(DeploymentPlan(flow, entry.cron, timezone, entry.active, parameters))
    return plans


def runner_deployments(plans: list[DeploymentPlan]) -> list[RunnerDeployment]:
    """Deployments `kamsync serve` runs itself: one run of each at a time, later
    scheduled runs wait for the running one."""
    return [
        cast(
            RunnerDeployment,
            plan.flow.to_deployment(
                name=plan.name,
                schedules=[Cron(plan.cron, timezone=plan.timezone, active=plan.active)],
                parameters=plan.parameters,
                concurrency_limit=1,
                description=plan.description,
                tags=["kamsync"],
            ),
        )
        for plan in plans
    ]


def prefect_yaml(plans: list[DeploymentPlan], pool: str, directory: str) -> str:
    """The same deployments as a `prefect.yaml` for `prefect deploy --all`: each worker of
    the `process` pool `pool` runs them from the kamsync checkout at `directory`."""
    document = {
        "name": "kamsync",
        "prefect-version": prefect.__version__,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": directory}}],
        "deployments": [
            {
                "name": plan.name,
                "entrypoint": plan.entrypoint,
                "description": plan.description,
                "tags": ["kamsync"],
                "parameters": plan.parameters,
                "schedules": [
                    {"cron": plan.cron, "timezone": plan.timezone, "active": plan.active}
                ],
                "concurrency_limit": 1,
                "work_pool": {"name": pool, "work_queue_name": "default"},
            }
            for plan in plans
        ],
    }
    header = (
        "# Written by `kamsync deployments yaml`; regenerate it rather than editing it.\n"
        "# Deploy with `prefect deploy --all` (see the README: Running on several machines).\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, width=100)
