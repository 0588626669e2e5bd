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
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(WEISHANG_DATA_DIR=str(tmp_path), **extra)
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
    assert not (tmp_path / "demo" / "weishang.sqlite3").exists()
