"""The chaos switch both stand-ins share: random faults at a rate, from a seeded RNG.

Admin endpoint (no authentication, JSON), `/_sandbox/graph/chaos` and
`/_sandbox/salesforce/chaos`, served by each stand-in's chaos middleware:

    POST   {"rate": 0.05, "seed": 7, "kinds": [...], "timeout_seconds": 3}
           turn chaos on (kinds: all of the stand-in's by default; seed: 0;
           timeout_seconds: 3); 200 with the GET answer, counts at zero
    GET    200 {"rate", "seed", "kinds", "timeout_seconds", "injected": {kind: n}}
    DELETE 204: chaos off (rate 0); the counts stay readable until the next POST

A body that is not a setting answers 400 {"error": "..."}. While on, each
request the stand-in offers to chaos (its API, never /_sandbox or the token
endpoints) draws from one `random.Random(seed)` under a lock: with
probability `rate` it is hit by one of the armed kinds that apply to it (a
kind that does not apply to this request is never drawn for it). Every
offered request takes the same number of draws, so the same seed and the same
request sequence give the same faults. The fault happens before the request
runs: nothing is written. `reset` and `timeout` are network faults (see
sandbox/network_faults.py); a timeout waits `timeout_seconds`, then drops the
connection, so give clients a shorter read timeout.
"""

from __future__ import annotations

import json
import random
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults_core import FaultError, is_a
from sandbox.network_faults import NETWORK_KINDS, network_fault

DEFAULT_TIMEOUT_SECONDS = 3.0
_SETTINGS = ("rate", "seed", "kinds", "timeout_seconds")


@dataclass(frozen=True)
class Hit:
    """The kind that hits a request, and a number in [0, 1) to pick its variant."""

    kind: str
    variant: float

    def pick(self, choices: Sequence[Any]) -> Any:
        return choices[int(self.variant * len(choices))]


@dataclass(frozen=True)
class ChaosSettings:
    rate: float
    seed: int
    kinds: tuple[str, ...]
    timeout_seconds: float


def parse_settings(body: Any, known: Sequence[str]) -> ChaosSettings:
    """The settings a POSTed body asks for (FaultError naming what is wrong)."""
    if not isinstance(body, dict):
        raise FaultError("chaos settings are a JSON object")
    unknown = sorted(set(body) - set(_SETTINGS))
    if unknown:
        raise FaultError(f"unknown settings: {', '.join(unknown)}")
    rate: Any = body.get("rate")
    if not is_a(rate, (int, float)) or not 0 <= rate <= 1:
        raise FaultError("'rate' must be a number from 0 to 1")
    seed = body.get("seed", 0)
    if not is_a(seed, int):
        raise FaultError("'seed' must be an integer")
    kinds = body.get("kinds", list(known))
    if not isinstance(kinds, list) or not kinds or not all(kind in known for kind in kinds):
        raise FaultError(f"'kinds' must be a non-empty list of: {', '.join(known)}")
    timeout = body.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
    if not is_a(timeout, (int, float)) or timeout <= 0:
        raise FaultError("'timeout_seconds' must be a positive number")
    ordered = tuple(kind for kind in known if kind in kinds)
    return ChaosSettings(float(rate), int(seed), ordered, float(timeout))


class ChaosSwitch:
    """The switch of one stand-in: its settings, its RNG and what it injected."""

    def __init__(self, known: Sequence[str]) -> None:
        self.known = tuple(known)
        self._lock = threading.Lock()
        self._settings: ChaosSettings | None = None
        self._random = random.Random(0)
        self._injected = dict.fromkeys(self.known, 0)

    @property
    def settings(self) -> ChaosSettings | None:
        return self._settings

    def turn_on(self, settings: ChaosSettings) -> None:
        with self._lock:
            self._settings = settings
            self._random = random.Random(settings.seed)
            self._injected = dict.fromkeys(self.known, 0)

    def turn_off(self) -> None:
        with self._lock:
            self._settings = None

    def report(self) -> dict[str, Any]:
        with self._lock:
            on = self._settings
            return {
                "rate": on.rate if on else 0.0,
                "seed": on.seed if on else None,
                "kinds": list(on.kinds) if on else [],
                "timeout_seconds": on.timeout_seconds if on else None,
                "injected": dict(self._injected),
            }

    def draw(self, applies: Callable[[str], bool]) -> Hit | None:
        """The fault hitting this request, if any (three draws whatever the outcome)."""
        with self._lock:
            on = self._settings
            if on is None:
                return None
            roll, pick, variant = (self._random.random() for _ in range(3))
            candidates = [kind for kind in on.kinds if applies(kind)]
            if roll >= on.rate or not candidates:
                return None
            kind = candidates[int(pick * len(candidates))]
            self._injected[kind] += 1
            return Hit(kind, variant)


async def _admin(switch: ChaosSwitch, scope: Scope, receive: Receive) -> Response:
    method = scope["method"]
    if method == "GET":
        return JSONResponse(switch.report())
    if method == "DELETE":
        switch.turn_off()
        return Response(status_code=204)
    if method != "POST":
        return JSONResponse({"error": f"{method} is not allowed here"}, status_code=405)
    raw, more = b"", True
    while more:
        message = await receive()
        raw += message.get("body", b"")
        more = bool(message.get("more_body"))
    try:
        switch.turn_on(parse_settings(json.loads(raw), switch.known))
    except (json.JSONDecodeError, UnicodeDecodeError, FaultError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(switch.report())


class ChaosMiddleware(ABC):
    """ASGI middleware serving the admin endpoint at `admin_path` and hitting the
    requests `offered` to chaos with the kinds that `applies`."""

    admin_path: str
    kinds: Sequence[str]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.switch = ChaosSwitch(self.kinds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].rstrip("/") == self.admin_path:
            await (await _admin(self.switch, scope, receive))(scope, receive, send)
            return
        settings = self.switch.settings
        hit = None
        if settings is not None and self.offered(scope):
            hit = self.switch.draw(lambda kind: self.applies(kind, scope))
        if hit is None or settings is None:
            await self.app(scope, receive, send)
        elif hit.kind in NETWORK_KINDS:
            delay = settings.timeout_seconds
            await network_fault(hit.kind, self.app, scope, receive, send, delay_seconds=delay)
        else:
            await self.inject(hit, scope, receive, send)

    @abstractmethod
    def offered(self, scope: Scope) -> bool:
        """True for the requests chaos may hit at all."""

    @abstractmethod
    def applies(self, kind: str, scope: Scope) -> bool:
        """True when `kind` makes sense for this request."""

    @abstractmethod
    async def inject(self, hit: Hit, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request with the service's fault of `hit.kind` (not a network one)."""
