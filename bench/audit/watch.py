"""Watch a child process so a benchmark that cannot fit never starves the machine."""

from __future__ import annotations

import subprocess
import time


def rss_bytes(pid: int) -> int:
    """The process's resident memory now, from /proc (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def watch(proc: subprocess.Popen[str], *, timeout: float, max_rss: float) -> tuple[float, int, str]:
    """Poll ``proc`` until it ends; kill it past ``timeout`` seconds or ``max_rss`` bytes.

    Returns the wall seconds, the largest RSS seen, and why it was stopped ("" if it was not).
    """
    began = time.perf_counter()
    peak, stopped = 0, ""
    while proc.poll() is None:
        peak = max(peak, rss_bytes(proc.pid))
        if time.perf_counter() - began > timeout:
            stopped = f"still running after {timeout:.0f} s"
        elif peak > max_rss:
            stopped = f"resident memory passed {max_rss / 2**30:g} GiB"
        if stopped:
            proc.kill()
            proc.wait()
            break
        time.sleep(0.2)
    return time.perf_counter() - began, peak, stopped
