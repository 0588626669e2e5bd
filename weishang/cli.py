"""The ``weishang`` command.

weishang demo            fresh SQLite database with three sample shops, served on 127.0.0.1
weishang serve           the production server (granian, several processes) and the worker
weishang audit PATH      audit a channel's exported data (see docs/audit-data.md)
weishang certificate-verify FILE --key platform-key.pem
                         check a reseller's certificate offline
weishang <command>       any Django management command (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
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


def _demo_secret_key(data_dir: Path) -> None:
    """The demo signs its cookies with a key of its own, generated once into its data folder."""
    if os.environ.get("SECRET_KEY"):
        return
    key_file = data_dir / "secret_key"
    if not key_file.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)


def _port_taken(host: str, port: int) -> bool:
    """True when something already answers on host:port (granian would share it silently)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


_HELD: list[object] = []  # lock files held for the life of this process


def _hold_lock(path: Path) -> bool:
    """Take an exclusive lock on ``path`` for as long as this process lives; False if taken."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _HELD.append(handle)
    return True


def _refuse_taken_port(host: str, port: int) -> int | None:
    """Refuse a port something answers on, or that another weishang on this machine is about to
    take: granian shares a port (SO_REUSEPORT), so two servers would split its requests."""
    import tempfile

    lock = Path(tempfile.gettempdir()) / f"weishang-port-{port}.lock"
    if _port_taken(host, port) or not _hold_lock(lock):
        print(
            f"weishang: port {port} on {host} is already in use; stop what runs there or pass"
            " --port with another number.",
            file=sys.stderr,
        )
        return 2
    return None


class Supervised:
    """One child process that is started again when it dies, unless it keeps dying at once."""

    QUICK_EXIT_SECONDS = 10.0  # a child that ends sooner than this after starting failed to start
    MAX_QUICK_EXITS = 3

    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.quick_exits = 0
        self.start()

    def start(self) -> None:
        self.started = time.monotonic()
        # Its own process group: whatever it leaves behind (granian's workers, should granian
        # itself be killed) is ended with it, never left serving beside a replacement.
        self.proc = subprocess.Popen(self.argv, env=self.env, start_new_session=True)

    def _end_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def check(self) -> bool:
        """Restart the child if it died; False when it keeps failing to start."""
        code = self.proc.poll()
        if code is None:
            return True
        self._end_group()
        quick = time.monotonic() - self.started < self.QUICK_EXIT_SECONDS
        self.quick_exits = self.quick_exits + 1 if quick else 0
        if self.quick_exits >= self.MAX_QUICK_EXITS:
            print(f"weishang: the {self.name} keeps exiting (code {code}); stopping.", flush=True)
            return False
        print(f"weishang: the {self.name} exited (code {code}); starting it again.", flush=True)
        time.sleep(min(2**self.quick_exits, 8) if quick else 0.2)
        self.start()
        return True

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()

    def wait(self) -> int:
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._end_group()
        return self.proc.returncode or 0


def _sweep_enqueue() -> None:
    """Queue the sweep that expires unpaid orders whose own expiry task was lost."""
    from django.db import connection

    from weishang.orders.tasks import orders_expire_sweep

    try:
        orders_expire_sweep.enqueue()
    except Exception as exc:  # the database is down: say so, try again next round
        print(f"weishang: could not queue the expiry sweep: {exc}", file=sys.stderr, flush=True)
    finally:
        connection.close()


def _serve(host: str, port: int, workers: int, *, threads: int, access_log: bool = False) -> int:
    """Run granian and the task worker, keep both running, and queue the periodic sweep.

    Granian replaces a server worker that dies (``--respawn-failed-workers``); this loop starts
    granian or the task worker again if either dies, and stops when one keeps failing to start
    or when we are told to stop.
    """
    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS)
    web = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--blocking-threads", str(threads), "--backlog", "2048",
        "--respawn-failed-workers", "--respawn-interval", "0.5",
        # Bound the graceful shutdown: a worker still busy after 10 s is ended.
        "--workers-kill-timeout", "10",
        "--access-log" if access_log else "--no-access-log",
        "weishang.wsgi:application",
    ]  # fmt: skip
    worker = [sys.executable, "-m", "weishang.cli", "db_worker", "--interval", "1"]
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    children = [Supervised("web server", web, env), Supervised("task worker", worker, env)]
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sweep_every = settings.ORDER_SWEEP_SECONDS
    next_sweep = time.monotonic() + min(sweep_every, 5)
    failed = False
    try:
        while not stopping:
            time.sleep(0.2)
            if stopping:
                break
            if not all(child.check() for child in children):
                failed = True
                break
            if time.monotonic() >= next_sweep:
                _sweep_enqueue()
                next_sweep = time.monotonic() + sweep_every
    finally:
        for child in children:
            child.stop()
        codes = [child.wait() for child in children]
    return 1 if failed else max(codes)


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
    if not os.environ.get("SECRET_KEY"):
        print(
            "weishang serve: set SECRET_KEY first (it signs logins and carts; keep it secret and"
            " the same across restarts), e.g.\n  export SECRET_KEY="
            "\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"",
            file=sys.stderr,
        )
        return 2
    if (refused := _refuse_taken_port(args.host, args.port)) is not None:
        return refused
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
    # Never WEISHANG_DATA_DIR: that is where a real shop keeps its database.
    parser.add_argument("--data-dir", default=os.environ.get("WEISHANG_DEMO_DIR", "var/demo"))
    parser.add_argument("--no-serve", action="store_true", help="build the demo database and stop")
    args = parser.parse_args(argv)
    if not args.no_serve and (refused := _refuse_taken_port(args.host, args.port)) is not None:
        return refused
    data_dir = Path(args.data_dir).resolve()
    marker = data_dir / ".weishang-demo"
    if (data_dir / "weishang.sqlite3").exists() and not marker.exists():
        print(
            f"weishang demo: {data_dir} holds a database that is not a demo's; the demo starts"
            " from a fresh database, so it will not use that folder (pass --data-dir).",
            file=sys.stderr,
        )
        return 2
    if not _hold_lock(data_dir / ".weishang-demo.lock"):
        print(f"weishang demo: another demo is running from {data_dir}.", file=sys.stderr)
        return 2
    marker.touch()
    os.environ.pop("DATABASE_URL", None)  # the demo is always the embedded SQLite database
    os.environ["WEISHANG_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    for name in ("weishang.sqlite3", "weishang.sqlite3-wal", "weishang.sqlite3-shm"):
        (data_dir / name).unlink(missing_ok=True)
    _demo_secret_key(data_dir)
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


def cmd_certificate_verify(argv: list[str]) -> int:
    """Check a reseller's certificate file against the platform's public key, offline."""
    parser = argparse.ArgumentParser(
        prog="weishang certificate-verify",
        description="Check a reseller's authorization certificate (the .json file from its page) "
        "against the platform's Ed25519 public key. Needs no network.",
    )
    parser.add_argument("certificate", type=Path, help="the certificate file (.json)")
    parser.add_argument(
        "--key",
        type=Path,
        help="the platform's public key (PEM, from /verify/platform-key.pem); "
        "default: this installation's own key",
    )
    args = parser.parse_args(argv)
    _django_setup()
    from weishang.channel.certificates import CertificateInvalid, certificate_verify, public_key_pem

    try:
        document = args.certificate.read_bytes()[:65536]
        key = args.key.read_bytes()[:65536] if args.key else public_key_pem()
        verified = certificate_verify(document, key)
    except (OSError, ValueError) as error:  # CertificateInvalid is a ValueError
        reason = str(error) if isinstance(error, CertificateInvalid) else f"cannot read: {error}"
        print(f"NOT VALID: {reason}", file=sys.stderr)
        return 1
    p = verified.payload
    print(
        f"{'EXPIRED' if verified.expired else 'VALID'}: {p['reseller']['name']} "
        f"({p['reseller']['shop'] or 'no shop'}) is authorized by {p['brand']['name']} "
        f"({p['brand']['shop']}), channel {p['channel']}, policy {p['policy']}, "
        f"certificate {p['code']}, valid {p['valid_from']} to {p['valid_until']}.\n"
        "A valid signature proves who issued it and until when; whether it has been revoked "
        "since, the verification page says."
    )
    return 1 if verified.expired else 0


COMMANDS = {
    "serve": cmd_serve,
    "demo": cmd_demo,
    "audit": cmd_audit,
    "certificate-verify": cmd_certificate_verify,
}


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
