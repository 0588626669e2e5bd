from __future__ import annotations

from pathlib import Path

import pytest

from weishang.audit.replicas import REPLICAS

MEMBERS = """member_id,sponsor_id,joined_at
a,,2024-01-01
b,a,2024-01-05
c,b,2024-02-01
d,b,2024-02-10
"""
TRANSACTIONS = """txn_id,at,kind,seller_id,buyer_id,amount,ref_txn_id,seller_collects
t1,2024-01-02,sale,a,x1,100.00,,true
t2,2024-01-06,fee,,b,50.00,,
t3,2024-02-02,sale,,c,80.00,,
t4,2024-02-03,sale,c,x2,60.00,,false
t5,2024-02-04,refund,a,x1,20.00,t1,
t6,2024-01-03,sale,b,a,30.00,,
"""
REWARDS = """reward_id,at,member_id,amount,basis,source_member_id
r1,2024-02-03,c,9.00,own_sales,c
r2,2024-02-03,b,3.00,downline_sales,c
r3,2024-02-02,a,8.00,downline_sales,c
r4,2024-01-06,a,10.00,recruitment,b
"""


def write_export(
    folder: Path,
    *,
    members: str | None = MEMBERS,
    transactions: str | None = TRANSACTIONS,
    rewards: str | None = REWARDS,
    encoding: str = "utf-8",
) -> Path:
    """Write a small export as CSV; ``None`` leaves a file out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("members", members), ("transactions", transactions), ("rewards", rewards)):
        if text is not None:
            (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


BIG = "9000000000000000.00"  # 9 x 10^15: eleven of them pass int64 in minor units


def write_big_export(folder: Path) -> Path:
    """a sells 11 times ``BIG`` to outside consumers and buys as much: each side of a's sums
    is past int64's range in minor units, the net (zero) is not."""
    rows = ["txn_id,at,kind,seller_id,buyer_id,amount"]
    for k in range(11):
        rows.append(f"s{k},2024-03-01,sale,a,x{k},{BIG}")
        rows.append(f"p{k},2024-03-02,sale,,a,{BIG}")
    return write_export(folder, members=MEMBERS, transactions="\n".join(rows) + "\n")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export")


@pytest.fixture(scope="session")
def replica_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("replicas")
    return {name: build().write(root / name) for name, build in REPLICAS.items()}


@pytest.fixture(scope="session")
def spark_session():  # type: ignore[no-untyped-def]
    """One local Spark for the whole test session (Java 17 + pyspark, else skipped)."""
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("weishang-audit-conformance")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        # tiny tables: compiling generated code would cost more than it saves
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
