"""While an audit runs, freed memory stays in the process for its next use."""

from __future__ import annotations

import resource
import threading

import numpy as np
import pyarrow as pa
import pytest

from weishang.audit import memory

glibc = pytest.mark.skipif(memory._LIBC is None, reason="the C library is not glibc")

BLOCK = 64 << 20  # bytes: above any size glibc would take from its heap by default


def _faults_touching_a_block_again() -> int:
    """Page faults taken by filling a fresh block right after an equal one was freed."""
    first = np.ones(BLOCK // 8)
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    again = np.ones(BLOCK // 8)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del again
    return faults


@glibc
def test_a_freed_block_is_used_again_without_faults_only_while_retained() -> None:
    outside = _faults_touching_a_block_again()
    with memory.retained():
        inside = _faults_touching_a_block_again()
    assert inside < 8 <= outside  # 64 MiB is at least 32 huge pages, or 16,384 small ones
    assert _faults_touching_a_block_again() >= 8  # the defaults are back


@glibc
def test_arrow_allocates_through_malloc_while_retained_and_its_own_pool_after() -> None:
    pool = pa.default_memory_pool().backend_name
    with memory.retained():
        assert pa.default_memory_pool().backend_name == "system"
        assert pa.array(range(1000)).sum().as_py() == 499500
    assert pa.default_memory_pool().backend_name == pool


@glibc
def test_the_last_audit_to_end_restores_the_defaults() -> None:
    """Audits in two threads (and one nested in another): the defaults come back only when
    none is running."""
    pool = pa.default_memory_pool().backend_name
    started, release = threading.Event(), threading.Event()

    def other_audit() -> None:
        with memory.retained():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=other_audit)
    with memory.retained():
        thread.start()
        assert started.wait(10)
        with memory.retained():
            pass
    assert pa.default_memory_pool().backend_name == "system"  # the other is still running
    release.set()
    thread.join(10)
    assert memory._running == 0
    assert pa.default_memory_pool().backend_name == pool


def test_the_library_leaves_the_process_settings_alone(export) -> None:  # type: ignore[no-untyped-def]
    """``audit()`` changes no allocator of the process: only a caller that opts in does."""
    from weishang.audit import audit

    pool = pa.default_memory_pool().backend_name
    seen = []
    audit(export, progress=lambda _: seen.append(pa.default_memory_pool().backend_name))
    assert seen and set(seen) == {pool}
    assert memory._running == 0


def test_what_the_process_started_with_comes_back() -> None:
    environ = {
        "MALLOC_TRIM_THRESHOLD_": "1048576",
        "GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.top_pad=0x1000",
    }
    values = memory._started_with(environ)
    assert values[memory._M_TRIM_THRESHOLD] == 1 << 20
    assert values[memory._M_ARENA_MAX] == 2
    assert values[memory._M_TOP_PAD] == 0x1000
    assert values[memory._M_MMAP_MAX] == memory._DEFAULTS[memory._M_MMAP_MAX]
    assert memory._started_with({}) == memory._DEFAULTS
