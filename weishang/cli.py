"""The ``weishang`` command.

weishang demo            fresh SQLite database with three sample shops, served on 127.0.0.1
weishang serve           the production server (granian, several processes) and the worker
weishang audit PATH      audit a channel's exported data (see docs/audit-data.md)
weishang <command>       any Django management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = "weishang.settings"


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _ensure_secret_key(data_dir: Path) -> None:
    if os.environ.get("SECRET_KEY"):
        return
    key_file = data_dir / "secret_key"
    if not key_file.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)


def _serve(host: str, port: int, workers: int, *, threads: int, access_log: bool = False) -> int:
    """Run granian and the task worker until either stops or we are told to stop."""
    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS)
    web = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--blocking-threads", str(threads), "--backlog", "2048",
        "--static-path-route", settings.STATIC_URL.rstrip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        "--static-path-route", settings.MEDIA_URL.rstrip("/"),
        "--static-path-mount", str(settings.MEDIA_ROOT),
        "--static-path-expires", "1d",
        # Bound the graceful shutdown: a worker still busy after 10 s is ended.
        "--workers-kill-timeout", "10",
        "--access-log" if access_log else "--no-access-log",
        "weishang.wsgi:application",
    ]  # fmt: skip
    worker = [sys.executable, "-m", "weishang.cli", "db_worker", "--interval", "1"]
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen(web, env=env), subprocess.Popen(worker, env=env)]

    def stop(*_args: object) -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
    finally:
        stop()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return max(proc.returncode or 0 for proc in procs)


def cmd_serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="weishang serve", description="Run the production server and the worker."
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    parser.add_argument(
        "--no-migrate", action="store_true", help="do not apply pending migrations first"
    )
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    from weishang import settings as raw_settings

    _ensure_secret_key(raw_settings.DATA_DIR)
    _django_setup()
    if not args.no_migrate:
        _manage("migrate", "--no-input", "--verbosity", "0")
    _manage("collectstatic", "--no-input", "--verbosity", "0")
    print(f"weishang is serving on http://{args.host}:{args.port}/", flush=True)
    return _serve(
        args.host, args.port, args.workers, threads=args.threads, access_log=args.access_log
    )


def cmd_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="weishang demo", description="Start the demo platform on a fresh SQLite database."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--data-dir", default=os.environ.get("WEISHANG_DATA_DIR", "var/demo"))
    parser.add_argument("--no-serve", action="store_true", help="build the demo database and stop")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir).resolve()
    os.environ.pop("DATABASE_URL", None)  # the demo is always the embedded SQLite database
    os.environ["WEISHANG_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    for name in ("weishang.sqlite3", "weishang.sqlite3-wal", "weishang.sqlite3-shm"):
        (data_dir / name).unlink(missing_ok=True)
    _ensure_secret_key(data_dir)
    _django_setup()
    from weishang.demo.seed import demo_seed

    print("Building the demo database…", flush=True)
    _manage("migrate", "--no-input", "--verbosity", "0")
    logins = demo_seed()
    _manage("collectstatic", "--no-input", "--verbosity", "0")
    base = f"http://{args.host}:{args.port}"
    print(f"\nweishang demo — open {base}/ in a phone-sized window\n")
    for login in logins:
        print(f"  {login['shop']}")
        print(f"    shop    {base}/{login['slug']}/")
        print(
            f"    seller  {base}/accounts/login/   "
            f"login {login['login']}   password {login['password']}\n"
        )
    if args.no_serve:
        return 0
    print("Stop with Ctrl+C.\n", flush=True)
    return _serve(args.host, args.port, 2, threads=4)


def cmd_audit(argv: list[str]) -> int:
    from weishang.audit.cli import main as audit_main

    return audit_main(argv)


COMMANDS = {"serve": cmd_serve, "demo": cmd_demo, "audit": cmd_audit}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:]) or 0
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["weishang", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
