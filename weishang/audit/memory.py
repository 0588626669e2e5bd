"""Keep the memory an audit frees for its own next use, until the audit ends.

An audit of a large export allocates and frees gigabytes as it goes: Arrow's decoded batches,
numpy's per-batch arrays, DuckDB's operators. Each allocator hands freed memory back to the
system by default (glibc unmaps its large blocks and trims its heaps, DuckDB flushes its
allocator after a large task), and the next batch faults fresh pages in again. Fresh
pages cost far more than reused ones where the machine is a virtual one whose host takes
freed memory back: on the 2-core bench machine each GiB touched for the first time costs
about 2.4 CPU-seconds in the kernel, against 0.05 for a GiB used again
(``docs/performance.md``).

``retained()`` keeps what is freed in the process while an audit runs: glibc's malloc takes
every block from its one heap and never trims it, and Arrow allocates through that malloc
(its own pool hands pages back on a timer). These are settings of the whole process, so the
library never makes them by itself: a caller that owns its process opts in (the one-shot
``weishang audit`` command does, unless ``--no-retain-memory``; the platform's server does
not). When the last audit running ends, what was there before comes back: Arrow's pool as
it was, and glibc's parameters as the process was started with them (its environment's
``MALLOC_*_`` variables or ``GLIBC_TUNABLES``, else glibc's documented defaults; glibc has
no call that reads them back); then the heap is trimmed. glibc's mmap threshold then stays
where it was set instead of adjusting itself, as in any process that has called
``mallopt``. DuckDB's part is a setting of the audit's own database
(``validate.connect``). Where the C library is not glibc, nothing changes here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import threading
from collections.abc import Callable, Iterator, Mapping

import pyarrow as pa

# glibc's mallopt parameters (malloc.h) and their documented defaults
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -2, -3, -4, -8
_RETAINED = {  # while an audit runs: no block of its own mapping, no trimming, one heap
    _M_MMAP_MAX: 0,
    _M_TRIM_THRESHOLD: 2**31 - 1,  # bytes (mallopt takes an int): no trim below 2 GiB free
    # a thread's own heap (a thread that had one before) is not given back when it empties
    _M_TOP_PAD: 64 << 20,
    _M_ARENA_MAX: 1,
}
_DEFAULTS = {
    _M_MMAP_MAX: 65536,
    _M_TRIM_THRESHOLD: 128 * 1024,
    _M_TOP_PAD: 128 * 1024,
    _M_MMAP_THRESHOLD: 128 * 1024,
    _M_ARENA_MAX: 0,  # glibc's own choice (8 per core)
}
# how a process sets them when it starts: MALLOC_TRIM_THRESHOLD_=... or
# GLIBC_TUNABLES=glibc.malloc.trim_threshold=...:glibc.malloc.arena_max=...
_NAMES = {
    _M_MMAP_MAX: "mmap_max",
    _M_TRIM_THRESHOLD: "trim_threshold",
    _M_TOP_PAD: "top_pad",
    _M_MMAP_THRESHOLD: "mmap_threshold",
    _M_ARENA_MAX: "arena_max",
}


def _started_with(environ: Mapping[str, str] = os.environ) -> dict[int, int]:
    """glibc's malloc parameters as the process started: its defaults, overridden by the
    environment the process was started with."""
    values = dict(_DEFAULTS)
    tunables = dict(
        item.split("=", 1) for item in environ.get("GLIBC_TUNABLES", "").split(":") if "=" in item
    )
    for option, name in _NAMES.items():
        for given in (environ.get(f"MALLOC_{name.upper()}_"), tunables.get(f"glibc.malloc.{name}")):
            with contextlib.suppress(TypeError, ValueError):
                values[option] = int(given, 0)  # type: ignore[arg-type]
    return values


_lock = threading.Lock()
_running = 0
_arrow_pool: pa.MemoryPool | None = None  # Arrow's pool before the first audit started


def _glibc() -> tuple[Callable[[int, int], int], Callable[[int], int]] | None:
    """glibc's ``mallopt`` and ``malloc_trim``, or None under another C library."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return mallopt, trim


_LIBC = _glibc()


def _start() -> None:
    global _arrow_pool
    if _LIBC is not None:
        mallopt, _ = _LIBC
        for option, value in _RETAINED.items():
            mallopt(option, value)
        _arrow_pool = pa.default_memory_pool()
        pa.set_memory_pool(pa.system_memory_pool())


def _end() -> None:
    if _LIBC is not None:
        mallopt, trim = _LIBC
        pa.set_memory_pool(_arrow_pool)
        for option, value in _started_with().items():
            mallopt(option, value)
        trim(0)


@contextlib.contextmanager
def retained() -> Iterator[None]:
    """Freed memory stays in the process until the last audit running ends (audits may run
    in several threads, and one may call another: the first to start sets, the last to
    end restores)."""
    global _running
    with _lock:
        _running += 1
        if _running == 1:
            _start()
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                _end()
