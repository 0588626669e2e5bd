"""Run an audit: load and validate an export, compute the indicators, judge every pack."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from weishang.audit.contract import AuditParams, ReadOptions
from weishang.audit.engine import Engine, duckdb_engine
from weishang.audit.indicators import compute_indicators
from weishang.audit.problems import Action, Problem
from weishang.audit.result import AuditResult, InputSummary
from weishang.audit.rules import load_packs
from weishang.audit.series import compute_series
from weishang.audit.source import printable
from weishang.audit.validate import AuditDataset, load_dataset
from weishang.audit.verdict import Coverage, judge

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def audit(
    path: str | Path,
    *,
    params: AuditParams | None = None,
    jurisdictions: list[str] | None = None,
    progress: Progress = _quiet,
    options: ReadOptions | None = None,
) -> AuditResult:
    """Audit an export (a folder, a .zip or a workbook) on the embedded DuckDB engine.

    ``options``: how to read what the export's own values cannot say (``ReadOptions``).

    Raises ``UnusableDataError`` (with the problems) when the export cannot be audited.
    """
    started = time.perf_counter()
    progress(f"loading and validating {path}")
    # for this one audit: no clean transactions table when the loader's sums answer
    dataset = load_dataset(path, params, keep=False, options=options)
    try:
        loaded = time.perf_counter() - started
        result = audit_dataset(
            dataset, params=params, jurisdictions=jurisdictions, progress=progress
        )
    finally:
        dataset.close()
    result.timings["load"] = round(loaded, 3)
    return result


def _coverage(dataset: AuditDataset, counts: dict[str, int], problems: list[Problem]) -> Coverage:
    """How many of the money rows were usable, and the main reasons the others were not."""
    money = ("transactions", "rewards")
    rows = sum(dataset.file_rows.get(name, counts[name]) for name in money)
    usable = sum(counts[name] for name in money)
    labels = {dataset.files[name]: name for name in money if name in dataset.files}
    skipping = sorted(
        (p for p in problems if p.file in labels and p.action is Action.ROW_SKIPPED),
        key=lambda p: -p.count,
    )
    reasons = tuple(
        f"{p.count:,} {labels[p.file]} rows: {p.message}"
        + (f" (for example {printable(p.values[0], 40)!r})" if p.values and p.values[0] else "")
        for p in skipping[:3]
    )
    return Coverage(rows, usable, reasons)


def audit_dataset(
    dataset: AuditDataset,
    *,
    engine: Engine | None = None,
    params: AuditParams | None = None,
    jurisdictions: list[str] | None = None,
    progress: Progress = _quiet,
) -> AuditResult:
    """Audit a loaded dataset, on DuckDB or on another ``Engine`` fed with its clean tables."""
    engine = engine or duckdb_engine(dataset, params)
    started = time.perf_counter()
    counts = dataset.row_counts()
    progress(
        f"computing indicators on {engine.kind}: {counts['members']:,} members, "
        f"{counts['transactions']:,} transactions, {counts['rewards']:,} rewards"
    )
    indicators = compute_indicators(engine, params)
    # Compact per-member series for the report's histogram and Lorenz curve (~1.4 KB).
    indicators |= compute_series(engine)
    problems = list(dataset.problems.problems)
    computed = time.perf_counter() - started
    progress("judging against the jurisdiction packs")
    # rows counted, not problems: a row with two problems is one skipped row
    skipped = {
        name: max(dataset.file_rows.get(name, counts[name]) - counts[name], 0)
        for name in dataset.files
    }
    coverage = _coverage(dataset, counts, problems)
    verdicts = {
        pack.jurisdiction: judge(pack, indicators, dataset.info.currency, coverage)
        for pack in load_packs(jurisdictions)
    }
    summary = InputSummary(
        source=dataset.source,
        name=dataset.info.name,
        currency=dataset.info.currency,
        period=dataset.info.period,
        rows=counts,
        skipped_rows=skipped,
        problems=tuple(problems),
        time_zone=dataset.info.time_zone,
        time_zone_from=dataset.info.time_zone_from,
    )
    return AuditResult(
        indicators=indicators,
        jurisdictions=verdicts,
        input=summary,
        engine=engine.kind,
        timings={"indicators": round(computed, 3)},
    )
