"""The production server, started as its own process for tests that need a real one.

The test database is the one pytest-django created; the server gets its name through
``DATABASE_URL`` and sees what a ``transactional_db`` test commits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    at = "@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}{password}{at}{host}:{port}/{settings['NAME']}"


def children(pid: int) -> list[tuple[int, str]]:
    """The direct children of a process, with their command lines (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def server_processes(pid: int) -> dict[str, list[int]]:
    """``weishang serve``'s tree: the granian master, its server workers, the task worker."""
    tree: dict[str, list[int]] = {"granian": [], "web_workers": [], "task_worker": []}
    for child, cmdline in children(pid):
        if "granian" in cmdline:
            tree["granian"].append(child)
            tree["web_workers"] += [worker for worker, _ in children(child)]
        elif "db_worker" in cmdline:
            tree["task_worker"].append(child)
    return tree


@contextmanager
def production_server(
    data_dir: Path,
    *,
    workers: int = 2,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``weishang serve`` on a free port; yield its base URL; stop it (and only it) after.

    The database is the test database unless ``database_url`` names another (the benchmarks).
    """
    with production_server_process(
        data_dir, workers=workers, database_url=database_url, extra_env=extra_env
    ) as (base, _pid):
        yield base


@contextmanager
def production_server_process(
    data_dir: Path,
    *,
    workers: int = 2,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """``production_server``, yielding the supervisor's process id beside the base URL."""
    from django.conf import settings

    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url or test_database_url(),
        WEISHANG_DATA_DIR=str(data_dir),
        # Photos the test stored are where the test process put them.
        MEDIA_ROOT=str(settings.MEDIA_ROOT) if database_url is None else str(data_dir / "media"),
        DJANGO_SETTINGS_MODULE="weishang.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "weishang-test-server-key-" + "x" * 40),
        RATELIMIT_ENABLE="0",
        # Users made by the tests carry the tests' fast password hashes.
        WEISHANG_FAST_PASSWORDS="1",
    )
    if database_url is None:
        # Certificates the tests issue and those the server issues are signed with one key.
        env["CERTIFICATE_KEY_FILE"] = str(settings.CERTIFICATE_KEY_FILE)
    env.update(extra_env or {})
    env.pop("WEISHANG_SQLITE_TEST_NAME", None)
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "weishang.cli",
            "serve",
            "--no-migrate",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    "server exited:\n" + (data_dir / "server.log").read_text()[-3000:]
                )
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "server did not start:\n" + (data_dir / "server.log").read_text()[-3000:]
                )
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
        # The group is this server's alone (start_new_session): whatever is left of it goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
