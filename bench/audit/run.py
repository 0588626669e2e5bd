"""Time the whole audit on a dataset written by generate.py: wall time per phase and peak RSS.

The audit runs in a fresh process (interpreter start and imports included, as for a person
typing the command), through the library's Python API ``weishang.audit.api.audit`` or, with
``--cli``, as ``weishang audit PATH --format json``. Peak memory is the child's maximum
resident set size (``getrusage``), DuckDB's buffers included.

    .venv/bin/python bench/audit/run.py bench/data/audit-1m
    .venv/bin/python bench/audit/run.py bench/data/audit-10m --repeat 2
    .venv/bin/python bench/audit/run.py bench/data/audit-1m --trace     # time per step
    .venv/bin/python bench/audit/run.py bench/data/audit-1m --cli

``--trace`` wraps the audit's steps (validation passes, each indicator group, each
materialised table and each query the indicators fetch) with timers, in the child process
only, and prints them as a tree; it costs nothing measurable (the steps are whole queries).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watch import rss_bytes, watch

BENCH_DATA = Path(__file__).resolve().parent.parent / "data"

# Targets of issue 3 on the 2-core, 24 GiB machine: members -> (seconds, GiB or None).
TARGETS: dict[int, tuple[float, float | None]] = {
    1_000_000: (10.0, None),
    10_000_000: (60.0, 16.0),
}

# The audit's progress messages, by first word, and the phase each starts.
PHASES = {"loading": "load + validate", "computing": "indicators", "judging": "verdicts"}

# What --trace times: (module, function names) in weishang.audit.
# Names that no longer exist are skipped (the audit is refactored as it gets faster).
# ``Class.method`` times a method; a plain name is replaced in its module, so a function is
# timed where that module calls it.
TRACED = {
    "weishang.audit.validate": "register_raw clean_members _clean_all",
    "weishang.audit.money": "Transactions.clean clean_rewards",
    "weishang.audit.clean": "OwnIds.__init__",
    "weishang.audit.indicators": "_structure member_flows _sales _per_member _rewards",
}


class Tracer:
    """Inclusive wall and CPU time (all threads: DuckDB's too) per call path, summed over
    calls. Each thread has its own path (the loader reads two files side by side), so two
    steps that overlap each count the process's CPU time while they run."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.totals: dict[tuple[str, ...], list[float]] = {}  # path -> [wall, cpu, calls]

    @property
    def stack(self) -> list[str]:
        if not hasattr(self._local, "stack"):
            self._local.stack = []
        return self._local.stack  # type: ignore[no-any-return]

    def timed(self, label: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = label(*args, **kwargs) if callable(label) else label
            self.stack.append(name)
            entry = self.totals.setdefault(tuple(self.stack), [0.0, 0.0, 0])  # in start order
            began, cpu = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                entry[0] += time.perf_counter() - began
                entry[1] += time.process_time() - cpu
                entry[2] += 1
                self.stack.pop()
                if len(self.stack) < 2:  # live progress, for runs that may be stopped
                    print(
                        f"  {'  ' * len(self.stack)}{name}: {time.perf_counter() - began:.1f} s, "
                        f"RSS {rss_bytes(os.getpid()) / 2**30:.1f} GiB",
                        file=sys.stderr,
                        flush=True,
                    )

        return wrapper

    def install(self) -> None:
        import importlib

        from weishang.audit import engine

        for module_name, names in TRACED.items():
            module = importlib.import_module(module_name)
            for name in names.split():
                owner_name, _, attribute = name.rpartition(".")
                owner = getattr(module, owner_name, None) if owner_name else module
                fn = getattr(owner, attribute, None)
                if fn is None:
                    continue
                label = name.replace("__init__", "").rstrip(".").lstrip("_")
                setattr(owner, attribute, self.timed(label, fn))

        def caller(stem: str) -> Callable[..., str]:
            def name(*args: Any, **kwargs: Any) -> str:
                return f"{stem} ({sys._getframe(2).f_code.co_name})"

            return name

        engine.Engine.materialize = self.timed(  # type: ignore[method-assign]
            lambda *a, **k: f"materialize {k.get('stem') or a[-1]}", engine.Engine.materialize
        )
        engine.Engine.rows = self.timed(caller("rows"), engine.Engine.rows)  # type: ignore[method-assign]
        engine.Engine.scalar = self.timed(caller("scalar"), engine.Engine.scalar)  # type: ignore[method-assign]

    def report(self) -> list[dict[str, Any]]:
        return [
            {"path": list(path), "seconds": round(wall, 3), "cpu": round(cpu, 3), "calls": calls}
            for path, (wall, cpu, calls) in self.totals.items()
        ]


def on_disk(memory_limit: str | None) -> None:
    """Experiment (not the audit's behaviour): give the audit a DuckDB database file in the
    working directory instead of an in-memory one, optionally with a memory limit, so clean
    tables are stored compressed and can be evicted, and big operators spill."""
    import duckdb

    from weishang.audit import validate

    folder = Path(tempfile.mkdtemp(prefix="audit-on-disk-", dir="."))
    audit_connect, duckdb_connect = validate.connect, duckdb.connect

    def disk_connect() -> duckdb.DuckDBPyConnection:
        # the audit's own connection settings, on a database file instead of in memory
        validate.duckdb.connect = lambda *_a, **_k: duckdb_connect(str(folder / "audit.duckdb"))  # type: ignore[assignment]
        try:
            con = audit_connect()
        finally:
            validate.duckdb.connect = duckdb_connect  # type: ignore[assignment]
        con.execute(f"SET temp_directory = '{folder / 'spill'}'")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        return con

    validate.connect = disk_connect  # type: ignore[assignment]
    import atexit
    import shutil

    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def fresh_pages() -> int | None:
    """Pages the kernel has handed out since boot, the whole machine's count (Linux's
    ``/proc/vmstat``; None elsewhere). On a virtual machine whose host takes freed memory
    back, a page touched for the first time costs about 2.4 CPU-s a GiB in the kernel, so
    the difference over a run, on an otherwise idle machine, is a figure that drifts less
    than the time."""
    try:
        with open("/proc/vmstat") as stats:
            return sum(int(line.split()[1]) for line in stats if line.startswith("pgalloc_"))
    except OSError:
        return None


def _fresh_gib(before: int | None) -> float | None:
    after = fresh_pages()
    if before is None or after is None:
        return None
    return (after - before) * resource.getpagesize() / 2**30


def child(path: str, trace: bool, disk: bool, memory_limit: str | None) -> int:
    """Run the audit in this process; print one JSON line with phases and results."""
    began = time.perf_counter()
    pages = fresh_pages()
    tracer = Tracer()
    from weishang.audit.api import audit

    if trace:
        tracer.install()
    if disk:
        on_disk(memory_limit)
    imported = time.perf_counter()
    marks: list[tuple[str, float]] = []

    def progress(message: str) -> None:
        marks.append((message, time.perf_counter()))
        print(f"[{marks[-1][1] - began:7.1f}s] {message}", file=sys.stderr, flush=True)

    # as the command does (``weishang audit`` keeps freed memory unless --no-retain-memory)
    from weishang.audit import memory

    kept = memory.retained() if os.environ.get("BENCH_RETAIN", "1") == "1" else None
    if kept is None:
        result = audit(path, progress=progress)
    else:
        with kept:
            result = audit(path, progress=progress)
    document = json.dumps(result.to_dict(), ensure_ascii=False)  # as --format json would print
    done = time.perf_counter()
    phases = {"import": imported - began}
    # Each progress message of the audit starts a phase.
    for (message, start), (_, stop) in zip(marks, [*marks[1:], ("end", done)], strict=True):
        first = message.split()[0]
        phases[PHASES.get(first, first)] = stop - start
    indicators = result.indicators
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "phases": phases,
                "library_timings": result.timings,
                "total": done - began,
                "cpu": time.process_time(),
                "kernel_cpu": usage.ru_stime,
                "fresh_gib": _fresh_gib(pages),
                "peak_kib": usage.ru_maxrss,
                "json_bytes": len(document),
                "rows": result.input.rows,
                "problems": [p.to_dict() for p in result.input.problems],
                "depth": indicators.get("depth"),
                "members_per_level": indicators.get("members_per_level"),
                "verdicts": {
                    code: [v.verdict, v.severity] for code, v in result.jurisdictions.items()
                },
                "trace": tracer.report(),
            },
            default=str,
        )
    )
    return 0


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def bounded(
    command: list[str], timeout: float, max_rss: float, *, show_stderr: bool = False
) -> tuple[str, str, float, int]:
    """Run ``command`` (from bench/data, where DuckDB may spill); stop it past ``timeout``
    seconds or ``max_rss`` bytes so a run that cannot fit never starves the machine.
    Returns stdout, stderr, wall seconds and the largest RSS seen by polling."""
    BENCH_DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            command, cwd=BENCH_DATA, stdout=out, stderr=None if show_stderr else err, text=True
        )
        wall, peak, stopped = watch(proc, timeout=timeout, max_rss=max_rss)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if stopped or proc.returncode != 0:
        reason = f"stopped: {stopped}" if stopped else f"the audit failed (exit {proc.returncode})"
        sys.exit(f"{reason}; peak RSS {peak / 2**30:.2f} GiB, {wall:.0f} s\n{stderr[-3000:]}")
    return stdout, stderr, wall, peak


def run_api(path: Path, options: list[str], timeout: float, max_rss: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(path.resolve()), *options]
    stdout, _, wall, peak = bounded(command, timeout, max_rss, show_stderr=True)
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["peak_kib"] = max(result["peak_kib"], peak // 1024)
    return result


def run_cli(path: Path, timeout: float, max_rss: float) -> dict[str, Any]:
    """``weishang audit PATH --format json`` as a subprocess, timed from outside."""
    command = [sys.executable, "-m", "weishang.cli", "audit", str(path.resolve())]
    before, pages = resource.getrusage(resource.RUSAGE_CHILDREN), fresh_pages()
    stdout, stderr, wall, peak = bounded([*command, "--format", "json"], timeout, max_rss)
    after, fresh = resource.getrusage(resource.RUSAGE_CHILDREN), _fresh_gib(pages)
    document = json.loads(stdout)
    indicators = document["indicators"]
    # The CLI prints "[  12.3s] message" progress lines: the phases.
    marks = []
    for line in stderr.splitlines():
        if line.startswith("[") and "s]" in line:
            end = line.index("s]")
            marks.append((line[end + 2 :].split()[0], float(line[1:end])))
    phases = {
        PHASES.get(first, first): stop - start
        for (first, start), (_, stop) in itertools.pairwise(marks)
    }
    return {
        "wall": wall,
        "phases": phases,
        # ru_maxrss of the children is the largest of any child so far: this one, if first.
        "peak_kib": max(after.ru_maxrss if before.ru_maxrss == 0 else 0, peak // 1024),
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "kernel_cpu": after.ru_stime - before.ru_stime,
        "fresh_gib": fresh,
        "rows": indicators["input"]["rows"],
        "problems": indicators["input"]["problems"],
        "depth": indicators.get("depth"),
        "members_per_level": indicators.get("members_per_level"),
        "verdicts": {
            code: [v.get("verdict"), v.get("severity")]
            for code, v in document["jurisdictions"].items()
        },
        "trace": [],
    }


def _print_trace(trace: list[dict[str, Any]]) -> None:
    print(f"  steps (inclusive, summed over calls){'wall':>26}{'CPU':>10}")
    for entry in trace:
        path = entry["path"]
        calls = f" ×{entry['calls']}" if entry["calls"] > 1 else ""
        name = f"{'  ' * (len(path) - 1)}{path[-1]}"
        print(f"    {name:<52} {entry['seconds']:8.2f} s {entry['cpu']:7.2f} s{calls}")


def _expected_levels(path: Path) -> dict[str, int] | None:
    info = path / "dataset.json"
    if not info.is_file():
        return None
    generator = json.loads(info.read_text(encoding="utf-8")).get("generator", {})
    levels = generator.get("members_per_level")
    return None if levels is None else {str(i): n for i, n in enumerate(levels, start=1)}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        limit = argv[argv.index("--memory-limit") + 1] if "--memory-limit" in argv else None
        return child(argv[1], "--trace" in argv, "--on-disk" in argv, limit)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a folder written by generate.py")
    parser.add_argument("--cli", action="store_true", help="run `weishang audit` instead")
    parser.add_argument("--trace", action="store_true", help="time every step (API only)")
    parser.add_argument(
        "--on-disk",
        action="store_true",
        help="experiment: the audit's DuckDB on a temporary database file (API only)",
    )
    parser.add_argument("--memory-limit", help="experiment: DuckDB memory_limit, e.g. 12GB")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the fastest is kept")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--max-rss", type=float, default=20.0, help="GiB; stop the run past it")
    args = parser.parse_args(argv)
    if args.cli and (args.trace or args.on_disk or args.memory_limit):
        parser.error("--trace, --on-disk and --memory-limit need the API run")
    options = ["--trace"] if args.trace else []
    options += ["--on-disk"] if args.on_disk else []
    options += ["--memory-limit", args.memory_limit] if args.memory_limit else []
    runs = []
    for attempt in range(1, args.repeat + 1):
        load = _load()
        limits = (args.timeout, args.max_rss * 2**30)
        run = run_cli(args.path, *limits) if args.cli else run_api(args.path, options, *limits)
        runs.append(run)
        print(f"run {attempt}: {run['wall']:.1f} s wall, {_load()} (before: {load})")
    best = min(runs, key=lambda r: r["wall"])
    rows = best["rows"]
    peak_gib = best["peak_kib"] / 2**20
    print(f"\n{args.path}: {rows['members']:,} members, {rows['transactions']:,} transactions, ")
    how = "CLI" if args.cli else "Python API"
    if args.on_disk or args.memory_limit:
        how += f"; experiment: on-disk={args.on_disk}, memory_limit={args.memory_limit}"
    print(f"  {rows['rewards']:,} rewards ({how})")
    print(f"  wall time {best['wall']:.1f} s (best of {len(runs)}), peak RSS {peak_gib:.2f} GiB")
    print(
        f"  CPU time {best['cpu']:.1f} s, of it {best['kernel_cpu']:.1f} s in the kernel "
        f"(all threads; the machine has {os.cpu_count()} cores)"
    )
    if best["fresh_gib"] is not None:
        print(f"  pages first touched {best['fresh_gib']:.1f} GiB (the whole machine's count)")
    for name, seconds in best["phases"].items():
        print(f"    {name:<28} {seconds:7.1f} s")
    if best["trace"]:
        _print_trace(best["trace"])
    verdicts = ", ".join(
        f"{code} {verdict}{f' ({severity})' if severity else ''}"
        for code, (verdict, severity) in sorted(best["verdicts"].items())
    )
    print(f"  verdicts: {verdicts}")
    if best["problems"]:
        print(f"  input problems reported: {len(best['problems'])} (a generated dataset has none)")
    expected = _expected_levels(args.path)
    if expected is not None and best["members_per_level"] != expected:
        print("  MEMBERS PER LEVEL DIFFER FROM THE GENERATOR'S")
    target = TARGETS.get(rows["members"])
    if target is not None:
        seconds, gib = target
        met = best["wall"] <= seconds and (gib is None or peak_gib <= gib)
        limit = f"≤ {seconds:.0f} s" + (f" and ≤ {gib:.0f} GiB" if gib else "")
        print(f"  target {limit}: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
