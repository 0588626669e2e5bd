"""What every benchmark needs: a fresh PostgreSQL database with the demo shops, and the
production server (``weishang serve``, 2 workers) on 127.0.0.1 in front of it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import production_server  # noqa: E402

DEFAULT_ADMIN_URL = os.environ.get(
    "WEISHANG_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def fresh_database(name: str, admin_url: str = DEFAULT_ADMIN_URL) -> str:
    """Drop and create database ``name``; return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def manage(database_url: str, data_dir: Path, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, WEISHANG_DATA_DIR=str(data_dir))
    subprocess.run([sys.executable, "-m", "weishang.cli", *args], env=env, check=True, cwd=ROOT)


SEED = "import django; django.setup(); from weishang.demo.seed import demo_seed; demo_seed()"


@contextmanager
def demo_server(
    name: str, *, workers: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """Yield (base URL, database URL) of a production server over a fresh demo database."""
    database_url = fresh_database(name)
    with tempfile.TemporaryDirectory(prefix="weishang-bench-") as tmp:
        data_dir = Path(tmp)
        manage(database_url, data_dir, "migrate", "--no-input", "--verbosity", "0")
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            WEISHANG_DATA_DIR=str(data_dir),
            DJANGO_SETTINGS_MODULE="weishang.settings",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        )
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True, cwd=ROOT)
        with production_server(
            data_dir, workers=workers, database_url=database_url, extra_env=extra_env
        ) as base:
            yield base, database_url
