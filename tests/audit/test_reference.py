"""The audit engine against a plain-Python reference (``reference.py``) on random exports.

Hypothesis writes small messy exports (members who left, sponsor cycles, refunds, buy-backs,
fees, dropshipping, buyers who join later, events at the exact moment of joining or leaving,
rewards with and without a source, repeated ids, bad rows), each as CSV and as Parquet, runs
``audit()`` on both and compares the indicators with the reference's: exactly for counts and
money, within the engine's rounding (6 places) for shares. The CSV and the Parquet runs must
give the same JSON.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.audit import reference as ref
from weishang.audit import UnusableDataError, audit
from weishang.audit.api import audit_dataset
from weishang.audit.contract import AuditParams
from weishang.audit.engine import duckdb_engine
from weishang.audit.validate import load_dataset

COLUMNS = {
    "members": ["member_id", "sponsor_id", "joined_at", "left_at"],
    "transactions": [
        "txn_id",
        "at",
        "kind",
        "seller_id",
        "buyer_id",
        "amount",
        "units",
        "ref_txn_id",
        "seller_collects",
    ],
    "rewards": ["reward_id", "at", "member_id", "amount", "basis", "source_member_id"],
}
OPTIONAL = {"left_at", "units", "ref_txn_id", "seller_collects", "source_member_id"}
ID_COLUMNS = {"member_id", "sponsor_id", "txn_id", "seller_id", "buyer_id", "ref_txn_id"}
ID_COLUMNS |= {"reward_id", "source_member_id"}

SHARE_TOLERANCE = 6e-7  # the engine rounds shares to 6 places
# The suite runs the same examples every time (``derandomize``), so that CI is never red by
# chance; to explore new ones, run on purpose with WEISHANG_REFERENCE_EXAMPLES=500.
EXPLORE = os.environ.get("WEISHANG_REFERENCE_EXAMPLES")
EXAMPLES = settings(
    max_examples=int(EXPLORE or "10"),
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the exports ---------------------------------------------------------------------------------

BAD_DATES = ["", "2024-02-30", "soon", "32/01/2024"]
BAD_AMOUNTS = ["", "-5.00", "abc", "1.2.3"]
CENTS = [0, 1, 50, 100, 1999, 12345, 100000, 123456789, 999999999999999999, 10**18]
KINDS = ["sale"] * 5 + ["fee", "fee", "buyback", "refund", "refund", "Sale", " fee ", "gift", ""]
BASES = list(ref.BASES) * 2 + ["Own_Sales", "bonus", ""]
BOOLEANS = ["", "", "true", "false", "false", "t", "f", "1", "0", "yes", "no", "y", "n", "FALSE"]
BOOLEANS += ["maybe"]


def member_ids(style: str, n: int) -> list[str]:
    """Ids of one form: names, numbered (M1), digits, or numbered too sparsely to index."""
    if style == "names":
        return [chr(ord("a") + k) for k in range(n)]
    if style == "numbered":
        return [f"M{k + 1}" for k in range(n)]
    if style == "digits":
        return [str(k + 1) for k in range(n)]
    if style == "fixed":
        return [f"U{k + 1:04d}" for k in range(n)]
    if style == "hanzi":
        return list("张王李赵刘陈杨")[:n]
    return [f"M{(k + 1) * 1000 + k}" for k in range(n)]


def alias(member_id: str) -> str:
    """Another spelling of the id's number (M01 for M1, U1 for U0001): it names no member."""
    head = member_id.rstrip("0123456789")
    digits = member_id[len(head) :]
    if not digits:
        return member_id + "0"
    return head + (str(int(digits)) if digits.startswith("0") else "0" + digits)


def format_date(at: datetime, style: str) -> str:
    midnight = at.hour == at.minute == at.second == 0
    if style == "date" and midnight:
        return at.strftime("%Y-%m-%d")
    if style == "offset":  # the same instant at UTC+8
        return (at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    if style == "z":
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "slash" and midnight:
        return at.strftime("%Y/%m/%d")
    if style == "slash_hm" and at.second == 0:
        return at.strftime("%Y/%m/%d %H:%M")
    if style == "dmy" and midnight and at.day > 12:  # a column of them is read day first
        return at.strftime("%d/%m/%Y")
    return at.strftime("%Y-%m-%d %H:%M:%S")


def format_cents(cents: int, style: str) -> str:
    units, rest = divmod(cents, 100)
    if style == "whole" and rest == 0:
        return str(units)
    if style == "one" and rest % 10 == 0:
        return f"{units}.{rest // 10}"
    if style == "commas":
        return f"{units:,}.{rest:02d}"
    return f"{units}.{rest:02d}"


@st.composite
def dates(draw: st.DrawFn, bases: list[datetime], offsets: list[int]) -> str:
    """A date near one of the export's base instants (the exact moment of another row's
    joining, a day before it, 7 or 30 days after it, a second either side...), or a bad one."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from(BAD_DATES))
    at = draw(st.sampled_from(bases)) + timedelta(days=draw(st.sampled_from(offsets)))
    at += timedelta(seconds=draw(st.sampled_from([0, 0, 0, -1, 1])))
    style = draw(st.sampled_from(["iso", "date", "offset", "z", "slash", "slash_hm", "dmy"]))
    return format_date(at, style)


@st.composite
def amounts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 14)) == 0:
        return draw(st.sampled_from(BAD_AMOUNTS))
    cents = draw(st.sampled_from(CENTS))
    return format_cents(cents, draw(st.sampled_from(["plain", "whole", "one", "commas"])))


def padded(draw: st.DrawFn, value: str) -> str:
    """The value, now and then with spaces around it (ignored) or as an id of no member."""
    roll = draw(st.integers(0, 29))
    if roll == 0 and value:
        return f" {value} "
    if roll == 1 and value:
        return alias(value)
    return "ghost" if roll == 2 else value


@st.composite
def exports(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    """An export: rows of text cells per file (every column, optional ones included).

    Members mostly form a tree (each sponsored by an earlier one), with now and then a repeated
    id, a sponsor cycle, an unknown sponsor or a bad row. Transactions and rewards name those
    members, outside consumers (x1, x2) or nobody; rewards go to the source member, to its
    sponsor or the sponsor's sponsor, or to anyone, on the day of another row or near it.
    """
    n = draw(st.integers(1, 7))
    styles = ["names", "numbered", "digits", "fixed", "sparse", "hanzi"]
    ids = member_ids(draw(st.sampled_from(styles)), n)
    hours = st.sampled_from([0, 12, 23])
    bases = [
        datetime(2024, 1, 1) + timedelta(days=draw(st.integers(0, 40)), hours=draw(hours))
        for _ in range(3)
    ]
    sponsor: dict[str, str] = {}
    members = []
    for k, member_id in enumerate(ids):
        roll = draw(st.integers(0, 9))
        if k == 0 or roll == 0:
            sponsor[member_id] = draw(st.sampled_from(["", "", "nobody"]))
        elif roll == 1:  # a cycle (or a member sponsoring itself)
            sponsor[member_id] = draw(st.sampled_from(ids[k:]))
        else:
            sponsor[member_id] = draw(st.sampled_from(ids[:k]))
        left = draw(dates(bases, [-1, 0, 1, 7, 31])) if draw(st.integers(0, 3)) == 0 else ""
        row = {
            "member_id": padded(draw, member_id),
            "sponsor_id": padded(draw, sponsor[member_id]),
            "joined_at": draw(dates(bases, [0, 0, 0, 1])),
            "left_at": left,
        }
        members.append(row)
        if draw(st.integers(0, 7)) == 0:  # the same id again, or no id
            members.append(row | {"member_id": draw(st.sampled_from([member_id, "", " "]))})
            members[-1]["joined_at"] = draw(dates(bases, [-1, 0, 1]))
    members = draw(st.permutations(members)) if draw(st.integers(0, 3)) == 0 else members

    member = st.sampled_from(ids)
    txn_ids = (
        [f"t{k}" for k in range(1, 11)]
        if draw(st.booleans())
        else [f"T{k:04d}" for k in range(1, 11)]
    )
    transactions = []
    for k in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(KINDS))
        seller = draw(st.one_of(member, st.sampled_from(["", "nobody"])))
        buyer = draw(st.one_of(member, member, st.sampled_from(["", "x1", "x1", "x2", " x1"])))
        transactions.append(
            {
                "txn_id": txn_ids[k]
                if draw(st.integers(0, 7))
                else draw(st.sampled_from([*txn_ids[:3], ""])),
                "at": draw(dates(bases, [-2, -1, 0, 0, 0, 1, 6, 7, 8, 29, 30, 31, 45])),
                "kind": kind,
                "seller_id": padded(draw, seller),
                "buyer_id": padded(draw, buyer),
                "amount": draw(amounts()),
                "units": draw(st.sampled_from(["", "1", "3", "x"])),
                "ref_txn_id": draw(st.sampled_from(["", "", "t99", *txn_ids[:k]])),
                "seller_collects": draw(st.sampled_from(BOOLEANS)),
            }
        )
    # the days something happened: a reward is often on one of them
    when = [row["at"] for row in transactions] + [row["joined_at"] for row in members]
    rewards = []
    for k in range(draw(st.integers(0, 8))):
        source = draw(st.one_of(member, st.just("")))
        paid = draw(member)
        up = draw(st.integers(0, 3))
        if source and up:  # the source's sponsor (up 1), or the sponsor's sponsor (up 2)
            paid = sponsor.get(source, "") or paid
            if up == 2:
                paid = sponsor.get(paid, "") or paid
        at = (
            draw(st.sampled_from(when))
            if draw(st.booleans())
            else draw(dates(bases, [-10, -2, 0, 1, 7, 31, 45]))
        )
        rewards.append(
            {
                "reward_id": f"r{k}"
                if draw(st.integers(0, 7))
                else draw(st.sampled_from(["r0", "r1", ""])),
                "at": at,
                "member_id": padded(draw, paid) if draw(st.integers(0, 14)) else "",
                "amount": draw(amounts()),
                "basis": draw(st.sampled_from(BASES)),
                "source_member_id": padded(draw, source),
            }
        )
    files = {"members": members, "transactions": transactions, "rewards": rewards}
    # drop optional columns now and then, and change the case of column names
    for name, rows in files.items():
        dropped = {c for c in COLUMNS[name] if c in OPTIONAL and draw(st.integers(0, 5)) == 0}
        upper = draw(st.integers(0, 3)) == 0
        files[name] = [
            {(c.upper() if upper else c): v for c, v in row.items() if c not in dropped}
            for row in rows
        ]
    return files


def header(name: str, rows: list[dict[str, str]]) -> list[str]:
    if rows:
        return list(rows[0])
    return [c for c in COLUMNS[name] if c not in OPTIONAL]


@dataclass(frozen=True)
class Options:
    """How the export is written, besides its rows."""

    encoding: str  # CSV: utf-8, utf-8 with a BOM, or GB18030
    zipped: bool  # CSV: in a sub-folder of a .zip
    typed: bool  # Parquet: whole-number ids as int64, dates, amounts and flags typed
    parts: int  # Parquet: 2 for a folder of two parts per file
    row_group: int | None = None  # Parquet: rows per row group (None: one row group)


options = st.builds(
    Options,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    zipped=st.booleans(),
    typed=st.booleans(),
    # several parts (or row groups) make the engine's results vary from run to run (see
    # test_parquet_parts_keep_their_rows_together): kept out of the property tests
    parts=st.just(1),
)
PLAIN = Options(encoding="utf-8", zipped=False, typed=False, parts=1)


def write_csv(folder: Path, files: dict[str, list[dict[str, str]]], how: Options) -> Path:
    folder.mkdir()
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding=how.encoding) as handle:
            out = csv.writer(handle)
            out.writerow(header(name, rows))
            out.writerows(list(row.values()) for row in rows)
    if not how.zipped:
        return folder
    with zipfile.ZipFile(folder.with_suffix(".zip"), "w") as archive:
        for name in files:
            archive.write(folder / f"{name}.csv", f"export/{name}.csv")
    return folder.with_suffix(".zip")


def typed_column(column: str, values: list[str | None]) -> pa.Array | None:
    """A Parquet column of the value's own type, when every value reads as one (else None)."""
    known = [v for v in values if v is not None]
    name = column.lower()
    if name in ID_COLUMNS and all(v.isdigit() and not v.startswith("0") for v in known):
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if name in ("joined_at", "left_at", "at") and all(ref.parse_date(v) for v in known):
        stamps = [None if v is None else ref.parse_date(v) for v in values]
        # an instant (as Spark and pandas write it) for ``at``, a UTC wall time for the others
        return pa.array(stamps, pa.timestamp("us", tz="UTC" if name == "at" else None))
    if name == "amount" and all(ref.parse_cents(v) is not None for v in known):
        cents = [None if v is None else ref.parse_cents(v) for v in values]
        return pa.array(
            [None if c is None else Decimal(c) / 100 for c in cents], pa.decimal128(18, 2)
        )
    if name == "seller_collects" and all(ref.parse_bool(v) is not None for v in known):
        return pa.array([None if v is None else ref.parse_bool(v) for v in values], pa.bool_())
    return None


def write_parquet(folder: Path, files: dict[str, list[dict[str, str]]], how: Options) -> Path:
    """Text columns (an empty cell as null), or typed ones (``typed_column``)."""
    folder.mkdir()
    for name, rows in files.items():
        columns: dict[str, pa.Array] = {}
        for column in header(name, rows):
            values = [row[column] or None for row in rows]
            typed = typed_column(column, values) if how.typed else None
            columns[column] = typed if typed is not None else pa.array(values, pa.string())
        table = pa.table(columns)
        if how.parts == 2:
            (folder / name).mkdir()
            half = (table.num_rows + 1) // 2
            pq.write_table(table.slice(0, half), folder / name / "part-0.parquet")
            pq.write_table(table.slice(half), folder / name / "part-1.parquet")
        else:
            pq.write_table(table, folder / f"{name}.parquet", row_group_size=how.row_group)
    return folder


def run_both(files: dict[str, list[dict[str, str]]], how: Options) -> tuple[Any, Any]:
    """(CSV result, Parquet result) as JSON documents; None when the audit could not run."""
    with tempfile.TemporaryDirectory() as tmp:
        exports = (
            write_csv(Path(tmp) / "csv", files, how),
            write_parquet(Path(tmp) / "parquet", files, how),
        )
        results = []
        for export in exports:
            try:
                results.append(audit(export).to_dict())
            except UnusableDataError:
                results.append(None)
    return results[0], results[1]


# --- the comparison ------------------------------------------------------------------------------

COUNTS = [
    "members",
    "roots",
    "depth",
    "members_per_level",
    "members_unplaced",
    "growth_per_month",
    "fee_payers",
    "entry_payers",
    "rewards_count",
    "max_levels_above_source",
    "fee_or_headcount_basis",
    "rewarded_members_median_retail_customers",
]
MONEY = [
    "sales_total",
    "sales_to_consumers",
    "sales_to_members",
    "unsold_member_purchases",
    "fees_total",
    "buybacks_total",
    "refunds_total",
    "collected_from_members",
    "first_week_payment_max",
    "rewards_total",
]
SHARES = [
    "consumer_sales_share",
    "internal_consumption_share",
    "member_purchases_resold_share",
    "eligible_sales_share",
    "personal_consumption_share",
    "fee_payers_share",
    "entry_payers_share",
    "entry_buyers_share",
    "relabelled_rewards_share",
    "recruitment_reward_share",
    "purchase_based_reward_share",
    "team_pay_share",
    "entrant_funded_reward_share",
    "pay_to_retail_ratio",
    "members_lost_money_share",
    "top1_reward_share",
    "top10_reward_share",
    "reward_gini",
]
GROUPS = {
    "structure": [
        "members",
        "roots",
        "depth",
        "members_per_level",
        "members_unplaced",
        "growth_per_month",
        "rows",
    ],
    "sales": [
        "sales_total",
        "sales_to_consumers",
        "sales_to_members",
        "unsold_member_purchases",
        "fees_total",
        "buybacks_total",
        "refunds_total",
        "collected_from_members",
        *SHARES[:5],
    ],
    "entry": [
        "fee_payers",
        "entry_payers",
        "fee_payers_share",
        "entry_payers_share",
        "entry_buyers_share",
        "first_week_payment_max",
        "rewarded_members_median_retail_customers",
    ],
    "rewards": [
        "rewards_total",
        "rewards_count",
        "reward_mix_declared",
        "reward_mix_behaviour",
        *SHARES[8:14],
        "max_levels_above_source",
        "rewards_by_levels_above_source",
        "fee_or_headcount_basis",
    ],
    "outcomes": [*SHARES[14:], "median_net_cash", "net_cash"],
}


def money(cents: int) -> float:
    return round(cents / 100, 2)


def same_share(got: Any, want: Fraction | None) -> bool:
    if want is None or got is None:
        return got is None and want is None
    # float division of large sums: a few units in the last place as well
    return abs(got - float(want)) <= SHARE_TOLERANCE + 1e-15 * abs(float(want))


def engine_view(indicators: dict[str, Any]) -> dict[str, Any]:
    """The engine's figures under the reference's names."""
    view = dict(indicators)
    view["rows"] = indicators["input"]["rows"]
    hist = indicators["net_cash_histogram"]
    view["net_cash"] = {k: hist[k] for k in ("members", "lost", "zero", "min", "max")}
    return view


def mismatches(got: dict[str, Any], want: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """{indicator: (engine, reference)} for every indicator of ``keys`` that differs."""
    found = {}
    for key in keys:
        g, w = got.get(key), want.get(key)
        if key in MONEY:
            ok = g == money(w)
        elif key == "median_net_cash":
            # half a cent when the middle two differ by an odd cent; and the JSON's money is a
            # double, whose step near the largest amounts (10^16) is more than a cent, and
            # the engine averages the middle two in one
            largest = max(abs(want["net_cash"]["min"]), abs(want["net_cash"]["max"])) / 100
            ok = w is not None and abs(g - float(w) / 100) <= 0.005 + 2 * math.ulp(largest)
        elif key in SHARES:
            ok = same_share(g, w)
        elif key in ("reward_mix_declared", "reward_mix_behaviour"):
            ok = g.keys() == w.keys() and all(same_share(g[k], w[k]) for k in w)
        elif key == "rewards_by_levels_above_source":
            ok = g == {k: money(v) for k, v in w.items()}
        elif key == "net_cash":
            w = w | {"min": money(w["min"]), "max": money(w["max"])}
            ok = g == w
        elif key == "rewarded_members_median_retail_customers":
            ok = (g is None and w is None) or (w is not None and g == float(w))
        else:
            ok = g == w
        if not ok:
            found[key] = (g, w)
    return found


def check(
    files: dict[str, list[dict[str, str]]],
    how: Options,
    keys: list[str],
    choices: ref.Choices = ref.ENGINE,
) -> None:
    """The engine's indicators of ``keys`` on the CSV and on the Parquet export equal the
    reference's (by default with the engine's known departures from the contract)."""
    want = ref.reference(files, choices)
    from_csv, from_parquet = run_both(files, how)
    if want["members"] == 0:
        assert from_csv is None and from_parquet is None, "no usable member: the audit must stop"
        return
    assert from_csv is not None and from_parquet is not None
    for label, result in (("csv", from_csv), ("parquet", from_parquet)):
        found = mismatches(engine_view(result["indicators"]), want, keys)
        assert not found, f"{label}: {{indicator: (engine, reference)}} {found}"


def comparable(result: dict[str, Any] | None, how: Options) -> str:
    """The JSON without what names the files (their paths and suffixes)."""
    if result is None:
        return "null"
    document = json.loads(json.dumps(result))
    summary = document["indicators"]["input"]
    summary["source"] = None
    # only a CSV can be GBK; only text has amounts or dates to convert (typed Parquet has none)
    form = {"encoding"} | ({"amount_format", "date_format"} if how.typed else set())
    summary["problems"] = [p for p in summary["problems"] if p["code"] not in form]
    for problem in summary["problems"]:
        problem["file"] = Path(problem["file"]).stem
        if how.typed:  # a typed value is shown in its type's text (a date, a decimal)
            problem["values"] = None
    return json.dumps(document, sort_keys=True, indent=1)


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("group", sorted(GROUPS))
@EXAMPLES
@given(files=exports(), how=options)
def test_engine_matches_reference(group: str, files: dict[str, Any], how: Options) -> None:
    check(files, how, GROUPS[group])


@EXAMPLES
@given(files=exports(), how=options)
def test_csv_and_parquet_give_the_same_json(files: dict[str, Any], how: Options) -> None:
    from_csv, from_parquet = run_both(files, how)
    assert comparable(from_csv, how) == comparable(from_parquet, how)


def test_reference_on_the_conftest_export(export: Path) -> None:
    """The reference on the conftest export agrees with the engine (a fixed, readable case)."""
    files = {}
    for name in ("members", "transactions", "rewards"):
        with (export / f"{name}.csv").open(newline="") as handle:
            files[name] = list(csv.DictReader(handle))
    want = ref.reference(files)
    got = engine_view(audit(export).to_dict()["indicators"])
    assert mismatches(got, want, [k for keys in GROUPS.values() for k in keys]) == {}


# --- where the engine once departed from the contract (each found by the tests above) -----------

MEMBERS = [
    {"member_id": "a", "sponsor_id": "", "joined_at": "2024-01-01"},
    {"member_id": "b", "sponsor_id": "a", "joined_at": "2024-01-20"},
]


def test_entrant_window_has_a_lower_end() -> None:
    # b joins on 20 January; a is paid on 5 January for b's purchases (labelled so, no event)
    rewards = [
        {"reward_id": "r1", "at": "2024-01-05", "member_id": "a", "amount": "10.00"}
        | {"basis": "purchase_volume", "source_member_id": "b"}
    ]
    files = {"members": MEMBERS, "transactions": [], "rewards": rewards}
    check(files, PLAIN, ["entrant_funded_reward_share", "fee_or_headcount_basis"], ref.CONTRACT)


def test_a_tiny_recruitment_reward_still_sets_the_flag() -> None:
    rewards = [
        {"reward_id": "r1", "at": "2024-03-01", "member_id": "a", "amount": "0.01"}
        | {"basis": "recruitment", "source_member_id": "b"},
        {"reward_id": "r2", "at": "2024-03-02", "member_id": "a", "amount": "1000000.00"}
        | {"basis": "other", "source_member_id": ""},
    ]
    files = {"members": MEMBERS, "transactions": [], "rewards": rewards}
    check(files, PLAIN, ["recruitment_reward_share", "fee_or_headcount_basis"], ref.CONTRACT)


@pytest.mark.parametrize("token", ["NA", "null", "N/A", "nan"])
def test_null_like_ids_are_ids_in_csv(token: str) -> None:
    members = [*MEMBERS, {"member_id": token, "sponsor_id": "a", "joined_at": "2024-01-01"}]
    sales = [
        {"txn_id": f"t{k}", "at": "2024-02-01", "kind": "sale", "seller_id": "a"}
        | {"buyer_id": token, "amount": "5.00"}
        for k in (1, 2)
    ]
    rewards = [
        {"reward_id": "r1", "at": "2024-02-01", "member_id": "a", "amount": "1.00"}
        | {"basis": "own_sales", "source_member_id": "a"}
    ]
    files = {"members": members, "transactions": sales, "rewards": rewards}
    check(files, PLAIN, [k for keys in GROUPS.values() for k in keys])


@EXAMPLES
@given(files=exports(), how=options)
def test_engine_matches_the_contract_word(files: dict[str, Any], how: Options) -> None:
    check(files, how, GROUPS["rewards"], ref.CONTRACT)


@pytest.mark.parametrize("layout", ["parts", "row_groups"])
def test_parquet_parts_keep_their_rows_together(layout: str) -> None:
    members = [{"member_id": "M7", "sponsor_id": "", "joined_at": "2024-01-05 00:00:01"}]
    transactions = [  # the first row is skipped (no amount), the second is M7's fee
        {"txn_id": "T0001", "at": "2024-01-17 23:00:01", "kind": "fee", "seller_id": ""}
        | {"buyer_id": "", "amount": ""},
        {"txn_id": "T0002", "at": "2024-02-16 23:00:01", "kind": "fee", "seller_id": ""}
        | {"buyer_id": "M7", "amount": "0.50"},
    ]
    files = {"members": members, "transactions": transactions, "rewards": []}
    how = PLAIN.__class__(
        encoding="utf-8", zipped=False, typed=False, parts=2 if layout == "parts" else 1,
        row_group=1 if layout == "row_groups" else None,
    )  # fmt: skip
    want = ref.reference(files, ref.ENGINE)
    with tempfile.TemporaryDirectory() as tmp:
        export = write_parquet(Path(tmp) / "parquet", files, how)
        for _ in range(20):  # wrong about one run in four
            got = engine_view(audit(export).to_dict()["indicators"])
            assert mismatches(got, want, GROUPS["entry"] + GROUPS["outcomes"]) == {}


def _by_the_definitions(export: Path) -> dict[str, Any] | None:
    """The indicators computed by the Ibis definitions alone: the loader's sums were added
    up over other entry windows, so the engine groups the clean tables itself."""
    try:
        dataset = load_dataset(export, AuditParams(entry_window_days=31))
    except UnusableDataError:
        return None
    try:
        result = audit_dataset(dataset, params=AuditParams())
        assert "member_flows" not in duckdb_engine(dataset, AuditParams()).shared
        return result.to_dict()
    finally:
        dataset.close()


@EXAMPLES
@given(files=exports(), how=options)
def test_the_ibis_definitions_match_the_reference(files: dict[str, Any], how: Options) -> None:
    """The fast paths are held to the reference above; the definitions every other engine
    runs are held to it here (below a member's sums of 10^16: the definitions keep a
    member's net cash and rewards in DECIMAL(18, 2), a known limit)."""
    digits = [
        sum(c.isdigit() for c in value)
        for rows in files.values()
        for row in rows
        for key, value in row.items()
        if key.strip().lower() == "amount"
    ]
    assume(max(digits, default=0) <= 14)
    want = ref.reference(files, ref.ENGINE)
    with tempfile.TemporaryDirectory() as tmp:
        got = _by_the_definitions(write_csv(Path(tmp) / "csv", files, how))
    if want["members"] == 0:
        assert got is None
        return
    assert got is not None
    keys = [k for keys in GROUPS.values() for k in keys]
    assert mismatches(engine_view(got["indicators"]), want, keys) == {}
