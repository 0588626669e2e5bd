"""Naive baselines for the audit's sponsor-tree figures: depth and members per level.

What someone without the audit would write first, each timed on the same ``members.parquet``:

- ``networkx``: a ``DiGraph`` of sponsor → member edges, ``bfs_layers`` from the roots;
- ``sqlite``: the members in an indexed SQLite table and a recursive CTE over the sponsor link;
- ``duckdb``: the same recursive CTE in DuckDB, straight over the Parquet file;
- ``python``: a dict of sponsors and a memoised walk up from every member.

Each method runs in its own process, stopped when it passes ``--timeout`` seconds or
``--max-rss`` GiB of memory, so a method that cannot finish says so instead of swapping or
running all night. Every finished method's members per level are checked against the others.

    .venv/bin/python bench/audit/baseline.py bench/data/audit-1m
    .venv/bin/python bench/audit/baseline.py bench/data/audit-10m --method duckdb --timeout 600
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
from watch import watch

METHODS = ("networkx", "sqlite", "duckdb", "python")

RECURSIVE_LEVELS = """
WITH RECURSIVE tree(member_id, level) AS (
    SELECT member_id, 1 FROM members WHERE sponsor_id IS NULL
    UNION ALL
    SELECT m.member_id, tree.level + 1 FROM members m JOIN tree ON m.sponsor_id = tree.member_id
)
SELECT level, count(*) FROM tree GROUP BY level ORDER BY level
"""


def _edges(folder: Path) -> tuple[list[str], list[str | None]]:
    table = pq.read_table(folder / "members.parquet", columns=["member_id", "sponsor_id"])
    return table.column("member_id").to_pylist(), table.column("sponsor_id").to_pylist()


def levels_networkx(folder: Path, timings: dict[str, float]) -> dict[int, int]:
    import networkx as nx

    began = time.perf_counter()
    ids, sponsors = _edges(folder)
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((s, m) for m, s in zip(ids, sponsors, strict=True) if s is not None)
    roots = [m for m, s in zip(ids, sponsors, strict=True) if s is None]
    timings["load"] = time.perf_counter() - began
    began = time.perf_counter()
    per_level = {i + 1: len(layer) for i, layer in enumerate(nx.bfs_layers(graph, roots))}
    timings["compute"] = time.perf_counter() - began
    return per_level


def levels_sqlite(folder: Path, timings: dict[str, float]) -> dict[int, int]:
    began = time.perf_counter()
    ids, sponsors = _edges(folder)
    with tempfile.TemporaryDirectory(prefix="weishang-baseline-") as tmp:
        con = sqlite3.connect(Path(tmp) / "members.sqlite3")
        con.execute("CREATE TABLE members (member_id TEXT PRIMARY KEY, sponsor_id TEXT)")
        con.executemany("INSERT INTO members VALUES (?, ?)", zip(ids, sponsors, strict=True))
        con.execute("CREATE INDEX members_sponsor ON members (sponsor_id)")
        con.commit()
        del ids, sponsors
        timings["load"] = time.perf_counter() - began
        began = time.perf_counter()
        per_level = {int(level): int(n) for level, n in con.execute(RECURSIVE_LEVELS)}
        timings["compute"] = time.perf_counter() - began
        con.close()
    return per_level


def levels_duckdb(folder: Path, timings: dict[str, float]) -> dict[int, int]:
    import duckdb

    began = time.perf_counter()
    con = duckdb.connect()
    source = str(folder / "members.parquet").replace("'", "''")
    con.execute(
        f"CREATE VIEW members AS SELECT member_id, sponsor_id FROM read_parquet('{source}')"
    )
    timings["load"] = time.perf_counter() - began
    began = time.perf_counter()
    per_level = {int(level): int(n) for level, n in con.execute(RECURSIVE_LEVELS).fetchall()}
    timings["compute"] = time.perf_counter() - began
    return per_level


def levels_python(folder: Path, timings: dict[str, float]) -> dict[int, int]:
    began = time.perf_counter()
    ids, sponsors = _edges(folder)
    sponsor_of = dict(zip(ids, sponsors, strict=True))
    timings["load"] = time.perf_counter() - began
    began = time.perf_counter()
    level: dict[str, int] = {}
    for member in ids:
        path = []
        current: str | None = member
        while current is not None and current not in level:
            path.append(current)
            current = sponsor_of.get(current)
        above = 0 if current is None else level[current]
        for depth, node in enumerate(reversed(path), start=above + 1):
            level[node] = depth
    per_level: dict[int, int] = {}
    for depth in level.values():
        per_level[depth] = per_level.get(depth, 0) + 1
    timings["compute"] = time.perf_counter() - began
    return dict(sorted(per_level.items()))


RUNNERS: dict[str, Callable[[Path, dict[str, float]], dict[int, int]]] = {
    "networkx": levels_networkx,
    "sqlite": levels_sqlite,
    "duckdb": levels_duckdb,
    "python": levels_python,
}


def child(method: str, folder: Path) -> int:
    """Run one method in this process and print its result as one JSON line."""
    timings: dict[str, float] = {}
    per_level = RUNNERS[method](folder, timings)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"timings": timings, "per_level": per_level, "peak_kib": peak_kib}))
    return 0


def run_bounded(method: str, folder: Path, timeout: float, max_rss: float) -> dict[str, object]:
    """Run ``method`` in a child process; stop it past ``timeout`` s or ``max_rss`` bytes."""
    command = [sys.executable, __file__, "--child", method, str(folder)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    wall, peak, stopped = watch(proc, timeout=timeout, max_rss=max_rss)
    out = proc.stdout.read() if proc.stdout else ""
    if stopped:
        return {"method": method, "stopped": stopped, "wall": wall, "peak": peak}
    if proc.returncode != 0:
        return {"method": method, "stopped": f"failed (exit {proc.returncode})", "wall": wall}
    result = json.loads(out.strip().splitlines()[-1])
    per_level = {int(k): v for k, v in result["per_level"].items()}
    return {
        "method": method,
        "wall": wall,
        "peak": max(peak, result["peak_kib"] * 1024),
        "timings": result["timings"],
        "per_level": per_level,
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child(argv[1], Path(argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a folder written by generate.py")
    parser.add_argument("--method", action="append", choices=METHODS, help="default: all")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per method")
    parser.add_argument("--max-rss", type=float, default=16.0, help="GiB per method")
    args = parser.parse_args(argv)
    expected = None
    info = args.path / "dataset.json"
    if info.is_file():
        generator = json.loads(info.read_text(encoding="utf-8")).get("generator", {})
        if "members_per_level" in generator:
            expected = dict(enumerate(generator["members_per_level"], start=1))
    print(f"{args.path}  (load average {os.getloadavg()[0]:.2f})")
    failed = False
    for method in args.method or METHODS:
        result = run_bounded(method, args.path, args.timeout, args.max_rss * 2**30)
        peak = f"{float(result.get('peak', 0)) / 2**30:.2f} GiB"  # type: ignore[arg-type]
        if "stopped" in result:
            print(f"  {method:<9} stopped: {result['stopped']} (peak RSS {peak})")
            continue
        timings = result["timings"]
        per_level = result["per_level"]
        assert isinstance(timings, dict) and isinstance(per_level, dict)
        if expected is None:
            expected = per_level
        agrees = per_level == expected
        failed |= not agrees
        print(
            f"  {method:<9} {float(result['wall']):7.1f} s wall "  # type: ignore[arg-type]
            f"(load {timings['load']:.1f} s, levels {timings['compute']:.1f} s), "
            f"peak RSS {peak}, depth {max(per_level)}"
            + ("" if agrees else "  MEMBERS PER LEVEL DISAGREE")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
