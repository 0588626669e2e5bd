"""The production server as a failing machine and an attacker would meet it.

`weishang serve` runs as its own process tree (tests/server.py); these tests kill parts of it
with SIGKILL and send it requests no browser would, and check that it keeps serving.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import make_order, make_product, make_shop
from tests.server import production_server_process, server_processes
from weishang.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.live_server_process, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_killed_server_worker_is_replaced_and_the_site_keeps_serving(tmp_path: Path) -> None:
    product = make_product(shop=make_shop())
    page = f"/{product.shop.slug}/p/{product.pk}/"
    with production_server_process(tmp_path, workers=2) as (base, pid):
        before = server_processes(pid)["web_workers"]
        assert len(before) == 2
        outcomes: list[tuple[float, bool]] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(base + page, timeout=10) as response:
                        ok = response.status == 200
                except (OSError, urllib.error.HTTPError):
                    ok = False
                outcomes.append((time.monotonic(), ok))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        killed_at = time.monotonic()
        os.kill(before[0], signal.SIGKILL)
        replaced = _wait_for(
            lambda: len(set(server_processes(pid)["web_workers"]) - set(before)) == 1
        )
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join()

    assert replaced, "granian did not start a worker in place of the killed one"
    failed = [at - killed_at for at, ok in outcomes if not ok]
    # Only requests the killed worker held (in flight, or accepted by the kernel and waiting for
    # it) may fail, so every failure falls in the instant of the kill, and they are few.
    assert all(0 <= offset < 1.0 for offset in failed), failed
    assert len(failed) <= 4 * len(threads), (len(failed), len(outcomes))
    after = [ok for at, ok in outcomes if at > killed_at + 2]
    assert len(after) > 20 and all(after)


def test_a_killed_task_worker_is_restarted_and_the_sweep_releases_a_lost_expiry(
    tmp_path: Path,
) -> None:
    # An unpaid order past its window whose own expiry task was lost (never queued)
    order = make_order(shop=make_shop())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    env = {"ORDER_SWEEP_SECONDS": "1"}
    with production_server_process(tmp_path, extra_env=env) as (_base, pid):
        (worker,) = server_processes(pid)["task_worker"]
        os.kill(worker, signal.SIGKILL)
        assert _wait_for(lambda: server_processes(pid)["task_worker"] not in ([], [worker]))
        # The restarted worker runs the periodic sweep, which expires the order
        expired = _wait_for(
            lambda: Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED, timeout=30
        )
    assert expired, (tmp_path / "server.log").read_text()[-2000:]


def _raw_exchange(base: str, head: bytes, *, body: bytes = b"") -> bytes:
    """Send a request's head (and maybe part of its body) and read the answer, without sending
    the rest of what the head promised."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def test_a_gigabyte_body_is_refused_from_its_headers_without_being_read(tmp_path: Path) -> None:
    shop = make_shop()
    with production_server_process(tmp_path) as (base, _pid):
        started = time.monotonic()
        answer = _raw_exchange(
            base,
            (
                f"POST /{shop.slug}/cart/add/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {2**30}\r\n\r\n"
            ).encode(),
            body=b"--xyz\r\n",
        )
        elapsed = time.monotonic() - started
        media = Path(os.environ.get("TMPDIR", "/tmp"))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert elapsed < 5
    assert not any(p.stat().st_size > 2**20 for p in media.glob("tmp*.upload*"))


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_rate_limits_are_shared_by_every_server_process_through_redis(tmp_path: Path) -> None:
    import redis

    from tests.factories import make_user
    from tests.http_client import Browser

    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    make_user(phone="+8613800138000")
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15", "RATELIMIT_ENABLE": "1"}
    with production_server_process(tmp_path, workers=2, extra_env=env) as (base, _pid):
        statuses = []
        for n in range(10):
            stranger = Browser(base)  # a new connection each: the two workers share the load
            stranger.get("/accounts/login/")
            statuses.append(
                stranger.post(
                    "/accounts/login/", {"login": "13800138000", "password": f"{n}"}
                ).status
            )
    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    assert statuses == [200] * 5 + [429] * 5


def test_a_killed_granian_master_takes_its_workers_with_it_and_is_replaced(tmp_path: Path) -> None:
    with production_server_process(tmp_path, workers=2) as (base, pid):
        before = server_processes(pid)
        os.kill(before["granian"][0], signal.SIGKILL)
        replaced = _wait_for(
            lambda: (
                (tree := server_processes(pid))["granian"] not in ([], before["granian"])
                and len(tree["web_workers"]) == 2
            )
        )
        orphans = [w for w in before["web_workers"] if Path(f"/proc/{w}").exists()]

        def serving() -> bool:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        back = _wait_for(serving)
    assert replaced and back
    # No worker of the dead master is left serving beside the new ones
    assert orphans == []
