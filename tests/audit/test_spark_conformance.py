"""The same indicator code on DuckDB and on Spark (local mode) gives the same audit."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from weishang.audit import AuditResult, audit_dataset, load_dataset
from weishang.audit.engine import clean_tables, spark_engine
from weishang.audit.replicas import REPLICAS

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def _differences(left: Any, right: Any, path: str = "") -> list[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        if set(left) != set(right):
            return [f"{path}: keys {sorted(set(left) ^ set(right))}"]
        return [d for k in left for d in _differences(left[k], right[k], f"{path}.{k}")]
    if isinstance(left, float) and isinstance(right, float | int) and not isinstance(right, bool):
        return (
            []
            if math.isclose(left, right, rel_tol=1e-9, abs_tol=2e-6)
            else [f"{path}: {left} != {right}"]
        )
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


@pytest.fixture(scope="module")
def audits(
    replica_dirs: dict[str, Path], spark_session: Any
) -> dict[str, tuple[AuditResult, AuditResult]]:
    """Every replica on both engines; the Spark audits run side by side in one session."""

    def both(name: str) -> tuple[AuditResult, AuditResult]:
        dataset = load_dataset(replica_dirs[name])
        engine = spark_engine(spark_session, clean_tables(dataset))
        return audit_dataset(dataset), audit_dataset(dataset, engine=engine)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(REPLICAS, pool.map(both, REPLICAS), strict=True))


@pytest.mark.parametrize("name", list(REPLICAS))
def test_replica_audits_the_same_on_spark(
    name: str, audits: dict[str, tuple[AuditResult, AuditResult]]
) -> None:
    on_duckdb, on_spark = audits[name]
    assert (on_duckdb.engine, on_spark.engine) == ("duckdb", "pyspark")
    assert _differences(on_duckdb.indicators, on_spark.indicators) == []
    assert (
        _differences(on_duckdb.to_dict()["jurisdictions"], on_spark.to_dict()["jurisdictions"])
        == []
    )
