"""Text times and amounts of one plain form are typed by Arrow (``formats.typed_plainly``)
instead of parsed by DuckDB: the clean tables and the problems must be the same either way,
on random values of the plain forms and of the forms around them, in zones with and without
daylight saving."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weishang.audit import checks, formats
from weishang.audit.problems import UnusableDataError
from weishang.audit.validate import load_dataset

from .conftest import write_export


@st.composite
def times(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(["", " 2024-01-01", "2024-1-1", "2024/01/01", "soon"]))
    year = draw(st.integers(1899, 2101))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if draw(st.booleans()):
        text += draw(st.sampled_from([" ", "T"]))
        text += f"{draw(st.integers(0, 24)):02d}:{draw(st.integers(0, 60)):02d}"
        if draw(st.booleans()):
            text += f":{draw(st.integers(0, 60)):02d}"
            digits = draw(st.integers(0, 7))
            if digits:
                text += "." + "".join(draw(st.sampled_from("0123456789")) for _ in range(digits))
        text += draw(st.sampled_from(["", "", "Z", "+08:00", "-0500"]))
    return text


@st.composite
def amounts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(["", "-", "1e3", "12.345", " 5", "00012.50"]))
    sign = draw(st.sampled_from(["", "", "-"]))
    whole = str(draw(st.integers(0, 10 ** draw(st.integers(1, 18)))))
    places = draw(st.integers(0, 3))
    fraction = "." + str(draw(st.integers(0, 10**places - 1))).zfill(places) if places else ""
    return sign + whole + fraction


KINDS = ["sale", "sale", "fee", "buyback", "refund", "Sale", " fee", "", "销售", "gift"]
BASES = ["own_sales", "downline_sales", "purchase_volume", "recruitment", "fee_share", "other"]
BASES += ["Other", "", "bonus", "直推奖"]
FLAGS = ["", "true", "false", "t", "0", "y", "no", "TRUE", "maybe"]
UNITS = ["", "1", "-3", "007", "123456789012345678", "1234567890123456789", "x", " 2"]


def _export(
    folder: Path, joined: list[str], rows: list[tuple[str, ...]], zone: str, typed: bool
) -> Path:
    members = ["member_id,sponsor_id,joined_at,left_at"]
    members += [f"m{k},,{t},{joined[-1 - k]}" for k, t in enumerate(joined)]
    txns = ["txn_id,at,kind,seller_id,buyer_id,amount,seller_collects,units"]
    txns += [
        f"t{k},{at},{kind},m0,m{k % len(joined)},{money},{flag},{units}"
        for k, (at, money, kind, flag, units, _) in enumerate(rows)
    ]
    rewards = ["reward_id,at,member_id,amount,basis,source_member_id"]
    rewards += [
        f"r{k},{at},m{k % len(joined)},{money},{basis},m0"
        for k, (at, money, _, _, _, basis) in enumerate(rows)
    ]
    folder = write_export(
        folder, members="\n".join(members) + "\n", transactions="\n".join(txns) + "\n",
        rewards="\n".join(rewards) + "\n",
    )  # fmt: skip
    (folder / "dataset.json").write_text(json.dumps({"timezone": zone}))
    return folder


def _loaded(folder: Path) -> tuple[dict[str, object], list[object]]:
    try:
        dataset = load_dataset(folder)
    except UnusableDataError as exc:
        return {}, [p.to_dict() for p in exc.problems]
    try:
        tables = {
            name: dataset.table(name).to_pylist() for name in ("members", "transactions", "rewards")
        }
        return tables, [p.to_dict() for p in dataset.problems.problems]
    finally:
        dataset.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    joined=st.lists(times(), min_size=1, max_size=12),
    rows=st.lists(
        st.tuples(
            times(),
            amounts(),
            st.sampled_from(KINDS),
            st.sampled_from(FLAGS),
            st.sampled_from(UNITS),
            st.sampled_from(BASES),
        ),
        min_size=1,
        max_size=12,
    ),
    zone=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Europe/London"]),
)
def test_arrow_types_plain_text_as_duckdb_parses_it(
    joined: list[str], rows: list[tuple[str, ...]], zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = _export(Path(tmp) / "x", joined, rows, zone, False)
        fast = _loaded(folder)
        with monkeypatch.context() as patched:
            patched.setattr(formats, "typed_plainly", lambda batch, *_: batch)
            patched.setattr(checks, "plainly_checked", lambda *_: None)
            slow = _loaded(folder)
    assert fast == slow


def test_the_plain_forms_are_typed_by_arrow() -> None:
    batch = pa.table(
        {
            "at": ["2024-01-01 10:00:00Z", "2024-06-30T23:59:59.5Z", ""],
            "amount": ["12.50", "-3", None],
            "joined_at": ["2024-02-30", "2024-01-01", "2024-01-02"],  # no 30 February
        }
    )
    typed = formats.typed_plainly(batch, "Asia/Shanghai")
    assert typed.column("at").type == pa.timestamp("us")
    assert typed.column("at").to_pylist()[0].hour == 18  # 10:00 UTC is 18:00 in Shanghai
    assert typed.column("at").to_pylist()[2] is None
    assert typed.column("amount").type == pa.decimal128(18, 2)
    assert typed.column("joined_at").type == pa.string()  # left to DuckDB
    # New York changes its clock in the year: times with a zone are left to DuckDB there
    assert formats.typed_plainly(batch, "America/New_York").column("at").type == pa.string()
