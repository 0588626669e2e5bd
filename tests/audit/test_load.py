"""Messy exports: every problem is reported with file, row and column; usable data goes on."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tests.audit.conftest import MEMBERS, REWARDS, TRANSACTIONS, write_export
from weishang.audit import audit, load_dataset
from weishang.audit.problems import Action, Problem, UnusableDataError


def _only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, found
    return found[0]


def test_clean_export_has_no_problem(export: Path) -> None:
    dataset = load_dataset(export)
    assert dataset.problems.problems == []
    assert dataset.row_counts() == {"members": 4, "transactions": 6, "rewards": 4}


def test_missing_file_is_fatal(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x", rewards=None)
    with pytest.raises(UnusableDataError) as caught:
        load_dataset(folder)
    problem = _only(caught.value.problems, "missing_file")
    assert (problem.file, problem.action) == ("rewards", Action.FATAL)
    assert problem.message == "no rewards file (.csv, .xlsx or .parquet) in the export"


def test_missing_required_column_is_fatal(tmp_path: Path) -> None:
    without_amount = "\n".join(
        ",".join(line.split(",")[:5] + line.split(",")[6:]) for line in TRANSACTIONS.splitlines()
    )
    with pytest.raises(UnusableDataError) as caught:
        load_dataset(write_export(tmp_path / "x", transactions=without_amount))
    problem = _only(caught.value.problems, "missing_column")
    assert (problem.file, problem.column) == ("transactions.csv", "amount")


def test_missing_optional_column_is_fine(tmp_path: Path) -> None:
    members = MEMBERS  # no left_at
    rewards = "\n".join(line.rsplit(",", 1)[0] for line in REWARDS.splitlines())
    dataset = load_dataset(write_export(tmp_path / "x", members=members, rewards=rewards))
    assert dataset.problems.problems == []


def test_unknown_kind_skips_the_row(tmp_path: Path) -> None:
    txns = TRANSACTIONS + "t7,2024-02-05,gift,a,x3,5.00,,\n"
    dataset = load_dataset(write_export(tmp_path / "x", transactions=txns))
    problem = _only(dataset.problems.problems, "unknown_kind")
    assert (problem.file, problem.column, problem.rows, problem.values) == (
        "transactions.csv", "kind", (7,), ("gift",),
    )  # fmt: skip
    assert problem.action is Action.ROW_SKIPPED
    assert dataset.row_counts()["transactions"] == 6


def test_unknown_basis_skips_the_row(tmp_path: Path) -> None:
    rewards = REWARDS + "r5,2024-02-05,a,1.00,bonus,\n"
    dataset = load_dataset(write_export(tmp_path / "x", rewards=rewards))
    problem = _only(dataset.problems.problems, "unknown_basis")
    assert (problem.file, problem.column, problem.rows, problem.values) == (
        "rewards.csv", "basis", (5,), ("bonus",),
    )  # fmt: skip
    assert dataset.row_counts()["rewards"] == 4


def test_duplicate_ids_keep_the_first_row(tmp_path: Path) -> None:
    members = MEMBERS + "b,,2024-03-01\n"
    txns = TRANSACTIONS + "t1,2024-02-05,sale,a,x3,999.00,,\n"
    dataset = load_dataset(write_export(tmp_path / "x", members=members, transactions=txns))
    dups = [p for p in dataset.problems.problems if p.code == "duplicate_id"]
    assert [(p.file, p.column, p.rows) for p in dups] == [
        ("members.csv", "member_id", (5,)),
        ("transactions.csv", "txn_id", (7,)),
    ]
    result = audit(write_export(tmp_path / "y", members=members, transactions=txns))
    assert result.indicators["members"] == 4
    assert result.indicators["sales_total"] == 270.0
    assert result.input.skipped_rows == {"members": 1, "transactions": 1, "rewards": 0}


def test_sponsor_that_does_not_exist_makes_a_root(tmp_path: Path) -> None:
    members = MEMBERS + "e,ghost,2024-02-11\n"
    result = audit(write_export(tmp_path / "x", members=members))
    problem = _only(list(result.input.problems), "unknown_sponsor")
    assert (problem.file, problem.column, problem.rows, problem.values) == (
        "members.csv", "sponsor_id", (5,), ("ghost",),
    )  # fmt: skip
    assert problem.action is Action.VALUE_CLEARED
    assert (result.indicators["members"], result.indicators["roots"]) == (5, 2)


def test_sponsor_cycle_is_reported_and_left_out_of_levels(tmp_path: Path) -> None:
    members = MEMBERS + "e,f,2024-02-11\nf,e,2024-02-12\ng,g,2024-02-13\n"
    result = audit(write_export(tmp_path / "x", members=members))
    problem = _only(list(result.input.problems), "sponsor_cycle")
    assert (problem.file, problem.column, problem.count, problem.rows) == (
        "members.csv", "sponsor_id", 3, (5, 6, 7),
    )  # fmt: skip
    assert result.indicators["members"] == 7
    assert result.indicators["members_unplaced"] == 3
    assert result.indicators["members_per_level"] == {"1": 1, "2": 1, "3": 2}


def test_negative_amount_skips_the_row(tmp_path: Path) -> None:
    txns = TRANSACTIONS + "t7,2024-02-05,sale,a,x3,-5.00,,\n"
    rewards = REWARDS + "r5,2024-02-05,a,-1.00,own_sales,a\n"
    dataset = load_dataset(write_export(tmp_path / "x", transactions=txns, rewards=rewards))
    negatives = [p for p in dataset.problems.problems if p.code == "negative_amount"]
    assert [(p.file, p.column, p.rows, p.values) for p in negatives] == [
        ("transactions.csv", "amount", (7,), ("-5.00",)),
        ("rewards.csv", "amount", (5,), ("-1.00",)),
    ]


def test_unparseable_date_skips_the_row(tmp_path: Path) -> None:
    members = MEMBERS + "e,a,next tuesday\n"
    txns = TRANSACTIONS + "t7,2024-13-45,sale,a,x3,5.00,,\n"
    dataset = load_dataset(write_export(tmp_path / "x", members=members, transactions=txns))
    dates = [p for p in dataset.problems.problems if p.code == "bad_date"]
    assert [(p.file, p.column, p.rows, p.values) for p in dates] == [
        ("members.csv", "joined_at", (5,), ("next tuesday",)),
        ("transactions.csv", "at", (7,), ("2024-13-45",)),
    ]
    assert dataset.row_counts() == {"members": 4, "transactions": 6, "rewards": 4}


def test_excel_dates_and_thousands_separators_parse(tmp_path: Path) -> None:
    members = MEMBERS.replace("2024-02-10", "2024/02/10 08:30")
    txns = TRANSACTIONS.replace(
        "t1,2024-01-02,sale,a,x1,100.00", 't1,2024/01/02,sale,a,x1,"1,100.00"'
    )
    result = audit(write_export(tmp_path / "x", members=members, transactions=txns))
    # each conversion is reported, and nothing else
    assert [(p.code, p.column, p.count, p.action) for p in result.input.problems] == [
        ("date_format", "joined_at", 1, Action.KEPT),
        ("amount_format", "amount", 1, Action.KEPT),
        ("date_format", "at", 1, Action.KEPT),
    ]
    assert result.indicators["sales_to_consumers"] == 1160.0


def test_utf8_bom_csv_is_read(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x")
    for name in ("members", "transactions", "rewards"):
        path = folder / f"{name}.csv"
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = audit(folder)
    assert list(result.input.problems) == []
    assert result.indicators["members"] == 4


def test_gbk_csv_from_excel_is_read(tmp_path: Path) -> None:
    members = "member_id,sponsor_id,joined_at\n张三,,2024-01-01\n李四,张三,2024-01-05\n"
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\n订单1,2024-01-06,sale,李四,顾客甲,88.00\n"
    rewards = "reward_id,at,member_id,amount,basis,source_member_id\n奖1,2024-01-06,李四,13.20,own_sales,李四\n"
    folder = write_export(
        tmp_path / "x", members=members, transactions=txns, rewards=rewards, encoding="gbk"
    )
    result = audit(folder)
    encodings = [p for p in result.input.problems if p.code == "encoding"]
    assert [(p.file, p.action) for p in encodings] == [
        ("members.csv", Action.KEPT),
        ("transactions.csv", Action.KEPT),
        ("rewards.csv", Action.KEPT),
    ]
    assert result.indicators["depth"] == 2
    assert result.indicators["sales_to_consumers"] == 88.0
    assert result.indicators["reward_mix_behaviour"] == {"own_sales": 1.0}


def test_malformed_row_is_skipped(tmp_path: Path) -> None:
    members = MEMBERS + "e,a,2024-02-11,extra,fields\n"
    dataset = load_dataset(write_export(tmp_path / "x", members=members))
    problem = _only(dataset.problems.problems, "malformed_row")
    assert (problem.file, problem.count, problem.action) == ("members.csv", 1, Action.ROW_SKIPPED)
    assert dataset.row_counts()["members"] == 4


def test_no_usable_member_is_fatal(tmp_path: Path) -> None:
    members = "member_id,sponsor_id,joined_at\na,,never\n"
    with pytest.raises(UnusableDataError) as caught:
        load_dataset(write_export(tmp_path / "x", members=members))
    assert [p.code for p in caught.value.problems] == ["no_members", "bad_date"]


def test_empty_file_is_fatal(tmp_path: Path) -> None:
    with pytest.raises(UnusableDataError) as caught:
        load_dataset(write_export(tmp_path / "x", members=""))
    assert [(p.code, p.file) for p in caught.value.problems] == [("empty_file", "members.csv")]


def test_problem_reports_are_capped(tmp_path: Path) -> None:
    txns = TRANSACTIONS + "".join(f"z{n},2024-02-05,swap,a,x,1.00,,\n" for n in range(12))
    dataset = load_dataset(write_export(tmp_path / "x", transactions=txns))
    problem = _only(dataset.problems.problems, "unknown_kind")
    assert (problem.count, problem.rows) == (12, (7, 8, 9, 10, 11))
    assert problem.describe() == (
        "transactions.csv, column kind: kind is not one of sale, fee, buyback, refund "
        "(rows 7, 8, 9, 10, 11 and 7 more) [row_skipped]"
    )


def test_rewards_to_non_members_are_skipped_and_unknown_sources_cleared(tmp_path: Path) -> None:
    rewards = (
        REWARDS + "r5,2024-02-05,nobody,1.00,own_sales,\nr6,2024-02-05,a,1.00,own_sales,ghost\n"
    )
    dataset = load_dataset(write_export(tmp_path / "x", rewards=rewards))
    unknown = [p for p in dataset.problems.problems if p.code == "unknown_member"]
    assert [(p.column, p.rows, p.action) for p in unknown] == [
        ("member_id", (5,), Action.ROW_SKIPPED),
        ("source_member_id", (6,), Action.VALUE_CLEARED),
    ]
    assert dataset.row_counts()["rewards"] == 5


def test_bad_boolean_is_taken_as_true(tmp_path: Path) -> None:
    txns = TRANSACTIONS.replace(
        "t4,2024-02-03,sale,c,x2,60.00,,false", "t4,2024-02-03,sale,c,x2,60.00,,maybe"
    )
    dataset = load_dataset(write_export(tmp_path / "x", transactions=txns))
    problem = _only(dataset.problems.problems, "bad_boolean")
    assert (problem.rows, problem.values, problem.action) == (
        (4,),
        ("maybe",),
        Action.VALUE_CLEARED,
    )
    collects = dataset.con.execute("SELECT seller_collects FROM transactions WHERE amount = 60")
    assert collects.fetchone() == (True,)


def test_zip_of_a_folder_is_read(tmp_path: Path, export: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in export.iterdir():
            z.write(path, f"channel-2024/{path.name}")
    assert audit(archive).indicators["sales_total"] == 270.0


def test_parquet_gives_the_same_indicators_as_csv(tmp_path: Path) -> None:
    from weishang.audit.replicas import baoyue

    csv = audit(baoyue().write(tmp_path / "csv"))
    parquet = audit(baoyue().write(tmp_path / "parquet", fmt="parquet"))
    assert parquet.indicators == csv.indicators
    assert list(parquet.input.problems) == []


def test_dates_with_an_offset_are_taken_to_utc(tmp_path: Path) -> None:
    members = MEMBERS.replace("2024-02-10", "2024-02-10T07:30:00+08:00")
    dataset = load_dataset(write_export(tmp_path / "x", members=members))
    joined = dataset.con.execute("SELECT joined_at FROM members WHERE mid = 4")
    assert str(joined.fetchone()[0]) == "2024-02-09 23:30:00"


def _parts(table: pa.Table, folder: Path, cut: int, row_groups: tuple[int, int]) -> None:
    """``table`` as a folder of two Parquet parts, cut at row ``cut``."""
    folder.mkdir(parents=True)
    pq.write_table(table.slice(0, cut), folder / "part-0.parquet", row_group_size=row_groups[0])
    pq.write_table(table.slice(cut), folder / "part-1.parquet", row_group_size=row_groups[1])


def test_parquet_parts_and_uneven_batches_give_the_same_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weishang.audit import load
    from weishang.audit.replicas import amway

    replica = amway()
    expected = audit(replica.write(tmp_path / "csv")).indicators
    folder = tmp_path / "parts"
    folder.mkdir()
    for name, table in replica.tables().items():
        _parts(table, folder / name, table.num_rows // 3, (7, 11))
    (folder / "dataset.json").write_text('{"currency": "USD"}', encoding="utf-8")
    monkeypatch.setattr(load, "BATCH_ROWS", 5)  # batches that cut across row groups and parts
    result = audit(folder)
    assert list(result.input.problems) == []
    assert result.indicators == expected


def test_rows_are_numbered_across_parquet_parts(tmp_path: Path) -> None:
    members = pa.table(
        {
            "member_id": ["a", "b", "c", "d", "b"],
            "sponsor_id": [None, "a", "b", "ghost", "a"],
            "joined_at": pa.array([datetime(2024, 1, d) for d in range(1, 6)], pa.timestamp("us")),
        }
    )
    folder = write_export(tmp_path / "x", members=None)
    _parts(members, folder / "members", 3, (2, 1))
    dataset = load_dataset(folder)
    problems = {p.code: p for p in dataset.problems.problems}
    assert (problems["duplicate_id"].rows, problems["duplicate_id"].values) == ((5,), ("b",))
    assert (problems["unknown_sponsor"].rows, problems["unknown_sponsor"].values) == (
        (4,),
        ("ghost",),
    )
    assert dataset.row_counts()["members"] == 4


def test_repeated_ids_and_unknown_references_in_parquet(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "x")
    txns = pacsv.read_csv(
        folder / "transactions.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={"ref_txn_id": pa.string(), "seller_collects": pa.string()}
        ),
    )
    extra = pa.table(
        {
            "txn_id": ["t2", "t8"],
            "ref_txn_id": [None, "t99"],
        }
    )
    more = txns.slice(1, 2).drop_columns(["txn_id", "ref_txn_id"])
    for column in ("txn_id", "ref_txn_id"):
        more = more.append_column(column, extra.column(column))
    (folder / "transactions.csv").unlink()
    pq.write_table(
        pa.concat_tables([txns, more.select(txns.column_names)]), folder / "transactions.parquet"
    )
    dataset = load_dataset(folder)
    found = {p.code: p for p in dataset.problems.problems}
    assert (found["duplicate_id"].rows, found["duplicate_id"].values) == ((7,), ("t2",))
    assert (found["unknown_reference"].rows, found["unknown_reference"].values) == (
        (8,),
        ("t99",),
    )
    assert dataset.row_counts()["transactions"] == 7


def test_ids_with_spreadsheet_spaces_still_name_their_member(tmp_path: Path) -> None:
    # a full-width (ideographic) space typed after a name in one file, not in the other
    members = MEMBERS.replace("c,b,", "c\u3000,b\u00a0,")
    dataset = load_dataset(write_export(tmp_path / "x", members=members))
    assert dataset.problems.problems == []
    keys = dataset.con.execute("SELECT count(*) FROM transactions WHERE seller_mid = 3").fetchall()
    assert keys == [(1,)]
