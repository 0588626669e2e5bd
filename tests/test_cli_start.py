"""`weishang serve` and `weishang demo` refuse to start wrongly, in one line and a non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def _weishang(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "weishang.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,  # the demo paints its photos: slow on a loaded machine
        stdin=subprocess.DEVNULL,
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(WEISHANG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="weishang.settings", **extra)
    return env


def test_serve_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    done = _weishang("serve", "--port", "1", env=_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("weishang serve: set SECRET_KEY first")
    assert "Traceback" not in done.stderr


def test_demo_and_serve_on_a_busy_port_say_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        demo = _weishang("demo", "--port", port, env=_env(tmp_path), cwd=tmp_path)
        serve = _weishang(
            "serve", "--port", port, env=_env(tmp_path, SECRET_KEY="k" * 50), cwd=tmp_path
        )
    for done in (demo, serve):
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0, done.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    # The demo stopped before it touched its database
    assert not (tmp_path / "var" / "demo" / "weishang.sqlite3").exists()


def test_two_servers_cannot_take_one_port_even_started_together(tmp_path: Path) -> None:
    import fcntl
    import tempfile

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The first one has checked the port and holds its lock, but has not bound it yet
    lock = Path(tempfile.gettempdir()) / f"weishang-port-{port}.lock"
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        second = _weishang(
            "serve", "--port", str(port), env=_env(tmp_path, SECRET_KEY="k" * 50), cwd=tmp_path
        )
    assert second.returncode == 2 and "already in use" in second.stderr


def test_the_demo_never_wipes_a_database_that_is_not_a_demos(tmp_path: Path) -> None:
    shop = tmp_path / "shop-data"
    shop.mkdir()
    (shop / "weishang.sqlite3").write_bytes(b"a real shop's orders")
    # WEISHANG_DATA_DIR is a real shop's folder: the demo does not even look there
    done = _weishang("demo", "--no-serve", env=_env(shop), cwd=tmp_path)
    assert (shop / "weishang.sqlite3").read_bytes() == b"a real shop's orders"
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "var" / "demo" / ".weishang-demo").exists()
    # Pointed at it explicitly, it refuses
    refused = _weishang("demo", "--no-serve", "--data-dir", str(shop), env=_env(shop), cwd=tmp_path)
    assert refused.returncode == 2 and "not a demo's" in refused.stderr
    assert (shop / "weishang.sqlite3").read_bytes() == b"a real shop's orders"


def test_a_bad_trusted_proxies_setting_stops_the_server_at_start_not_every_login(
    tmp_path: Path,
) -> None:
    done = _weishang("check", env=_env(tmp_path, TRUSTED_PROXIES="localhost"), cwd=tmp_path)
    assert done.returncode != 0
    assert "TRUSTED_PROXIES: 'localhost' is not an address or a network" in done.stderr


def test_a_fresh_data_folder_is_created_not_a_traceback(tmp_path: Path) -> None:
    fresh = tmp_path / "does" / "not" / "exist"
    done = _weishang("migrate", "--no-input", env=_env(fresh), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (fresh / "weishang.sqlite3").exists()
