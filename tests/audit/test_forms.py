"""One export, every form: CSV, Parquet (text and typed columns) and a .zip give the same
JSON document, byte for byte, on every run, with batches far smaller than the file and other
audits running at the same time."""

from __future__ import annotations

import json
import threading
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from weishang.audit import audit, load

MEMBERS, TRANSACTIONS, REWARDS = 3_000, 30_000, 12_000
BATCH = 4_096  # rows per read batch in these tests: every file spans several
START = datetime(2024, 1, 1, tzinfo=UTC)


def _time(seconds: np.ndarray) -> list[str]:
    return [(START + timedelta(seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S") for s in seconds]


def _export(seed: int, messy: bool) -> dict[str, pa.Table]:
    """A random channel as text columns; ``messy`` spoils a few percent of the values the
    audit parses (rows it must skip or values it must clear), so that a value read beside
    the wrong row would change the answer."""
    rng = np.random.default_rng(seed)
    joined = np.sort(rng.integers(0, 200 * 86_400, MEMBERS))
    sponsor = [""] + [f"m{rng.integers(0, i)}" for i in range(1, MEMBERS)]
    left = np.where(rng.random(MEMBERS) < 0.2, joined + rng.integers(0, 90 * 86_400, MEMBERS), -1)
    members = {
        "member_id": [f"m{i}" for i in range(MEMBERS)],
        "sponsor_id": sponsor,
        "joined_at": _time(joined),
        "left_at": [
            "" if s < 0 else t for s, t in zip(left, _time(np.maximum(left, 0)), strict=True)
        ],
    }
    kinds = rng.choice(["sale", "sale", "sale", "fee", "buyback", "refund"], TRANSACTIONS)
    at = rng.integers(0, 300 * 86_400, TRANSACTIONS)
    person = rng.integers(0, MEMBERS, TRANSACTIONS)
    outsider = rng.random(TRANSACTIONS) < 0.5
    transactions = {
        "txn_id": [f"t{i}" for i in range(TRANSACTIONS)],
        "at": _time(at),
        "kind": kinds.tolist(),
        "seller_id": [
            "" if rng.random() < 0.2 else f"m{s}" for s in rng.integers(0, MEMBERS, TRANSACTIONS)
        ],
        "buyer_id": [f"c{p}" if o else f"m{p}" for p, o in zip(person, outsider, strict=True)],
        "amount": [f"{c / 100:.2f}" for c in rng.integers(100, 500_000, TRANSACTIONS)],
        "ref_txn_id": [
            f"t{rng.integers(0, i + 1)}" if k == "refund" else "" for i, k in enumerate(kinds)
        ],
        "seller_collects": rng.choice(["true", "false", ""], TRANSACTIONS).tolist(),
    }
    bases = ["own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share", "other"]
    rewards = {
        "reward_id": [f"r{i}" for i in range(REWARDS)],
        "at": _time(rng.integers(0, 300 * 86_400, REWARDS)),
        "member_id": [f"m{m}" for m in rng.integers(0, MEMBERS, REWARDS)],
        "amount": [f"{c / 100:.2f}" for c in rng.integers(100, 50_000, REWARDS)],
        "basis": rng.choice(bases, REWARDS).tolist(),
        "source_member_id": [
            "" if rng.random() < 0.1 else f"m{m}" for m in rng.integers(0, MEMBERS, REWARDS)
        ],
    }
    if messy:
        for table, spoil in (
            (members, {"joined_at": "soon", "left_at": "never", "member_id": ""}),
            (transactions, {"amount": "lots", "at": "2024-13-45", "kind": "gift", "txn_id": ""}),
            (rewards, {"amount": "-5.00", "basis": "bonus", "member_id": "nobody"}),
        ):
            n = len(next(iter(table.values())))
            for column, bad in spoil.items():
                for row in rng.choice(n, n // 40, replace=False):
                    table[column][row] = bad
            # a few repeated ids, the later row to be skipped
            id_column = next(iter(table))
            for row in rng.choice(np.arange(1, n), n // 100, replace=False):
                table[id_column][row] = table[id_column][row - 1]
    return {
        "members": pa.table(members),
        "transactions": pa.table(transactions),
        "rewards": pa.table(rewards),
    }


def _write(tables: dict[str, pa.Table], folder: Path, form: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "dataset.json").write_text('{"name": "forms", "currency": "CNY"}', "utf-8")
    for name, table in tables.items():
        if form == "csv":
            pacsv.write_csv(table, folder / f"{name}.csv")
        elif form == "parquet":
            pq.write_table(table, folder / f"{name}.parquet", row_group_size=5_000)
        else:  # typed Parquet: times, decimals and booleans as a database would write them
            pq.write_table(_typed(table), folder / f"{name}.parquet", row_group_size=5_000)
    return folder


def _typed(table: pa.Table) -> pa.Table:
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if name in ("at", "joined_at", "left_at"):
            text = pa.compute.if_else(pa.compute.equal(column, ""), None, column)
            # instants, as Spark and pandas write them: read on the dataset's clock
            column = pa.compute.strptime(text, "%Y-%m-%d %H:%M:%S", "us").cast(
                pa.timestamp("us", "UTC")
            )
        elif name == "amount":
            column = column.cast(pa.decimal128(18, 2))
        elif name == "seller_collects":
            text = pa.compute.if_else(pa.compute.equal(column, ""), None, column)
            column = text.cast(pa.bool_())
        columns[name] = column
    return pa.table(columns)


def _zip(folder: Path) -> Path:
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"export/{path.name}")
    return target


def document(path: Path) -> str:
    """The JSON document, with what names the form itself (the path and file suffixes)
    taken out."""
    data: dict[str, Any] = audit(path).to_dict()
    data["indicators"]["input"]["source"] = None
    for problem in data["indicators"]["input"]["problems"]:
        problem["file"] = problem["file"].rsplit(".", 1)[0]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "BATCH_ROWS", BATCH)


def test_every_form_gives_one_document_on_every_run(tmp_path: Path) -> None:
    tables = _export(7, messy=True)
    csv = _write(tables, tmp_path / "csv", "csv")
    forms = {
        "parquet": _write(tables, tmp_path / "parquet", "parquet"),
        "zip": _zip(csv),
    }
    expected = document(csv)
    data = json.loads(expected)
    # the spoiled rows were seen and skipped, and the rest audited
    skipped = data["indicators"]["input"]["skipped_rows"]
    assert all(skipped[name] > 0 for name in ("members", "transactions", "rewards"))
    assert data["indicators"]["input"]["rows"]["transactions"] > TRANSACTIONS * 0.8
    for name, path in forms.items():
        assert document(path) == expected, name
    # again, with another audit running beside each run
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            audit(forms["parquet"])

    other = threading.Thread(target=busy)
    other.start()
    try:
        for _ in range(3):
            assert document(csv) == expected
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize(
    ("info", "zone"),
    [
        ('{"currency": "CNY"}', "Asia/Shanghai"),
        ('{"timezone": "America/New_York"}', "America/New_York"),
    ],
)
def test_typed_parquet_and_its_csv_agree(tmp_path: Path, info: str, zone: str) -> None:
    """Parquet of native types (times with a zone, decimals, booleans) and the CSV written
    from it (times ending in Z), in a dataset whose clock is Shanghai's (one offset) or New
    York's (daylight saving): every time is moved to that clock alike, on the compiled path
    and on DuckDB's."""
    typed = {name: _typed(table) for name, table in _export(11, messy=False).items()}
    parquet, csv = tmp_path / "typed", tmp_path / "csv"
    for folder in (parquet, csv):
        folder.mkdir()
        (folder / "dataset.json").write_text(info, "utf-8")
    for name, table in typed.items():
        pq.write_table(table, parquet / f"{name}.parquet", row_group_size=5_000)
        pacsv.write_csv(table, csv / f"{name}.csv")
    assert "Z" in (csv / "members.csv").read_text().split("\n")[1]
    expected = document(parquet)
    assert json.loads(expected)["indicators"]["input"]["time_zone"] == zone
    assert document(csv) == expected
