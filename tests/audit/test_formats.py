"""Exports as back offices write them: money with currency signs and either decimal
separator, dates in Chinese and Western forms, other delimiters, Chinese headers, workbooks.
Each is read right, or refused with an example when it reads two ways, never guessed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from weishang.audit import audit
from weishang.audit.contract import ReadOptions
from weishang.audit.problems import Action, UnusableDataError

from .conftest import MEMBERS, REWARDS, TRANSACTIONS, write_export

# the plain export's answer, which every form below must give again


def _plain(tmp_path: Path) -> dict[str, object]:
    return audit(write_export(tmp_path / "plain")).to_dict()["indicators"]


def _indicators(folder: Path, options: ReadOptions | None = None) -> dict[str, object]:
    data = audit(folder, options=options).to_dict()["indicators"]
    data.pop("input")
    return data


def _same_as_plain(tmp_path: Path, folder: Path, options: ReadOptions | None = None) -> None:
    plain = _plain(tmp_path)
    plain.pop("input")
    assert _indicators(folder, options) == plain


def _with_amounts(amounts: list[str]) -> str:
    """TRANSACTIONS with its six amounts written as ``amounts`` (quoted)."""
    lines = TRANSACTIONS.strip().split("\n")
    out = [lines[0]]
    for line, amount in zip(lines[1:], amounts, strict=True):
        cells = line.split(",")
        cells[5] = '"' + amount + '"'
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    "amounts",
    [
        ["¥100.00", "￥50", "80.00元", "RMB 60.00", "20.00 CNY", "¥ 30"],
        ["100,00", "50,00", "80", "60,00", "20,00", "30,00"],  # decimal commas
        ["1.000,00", "50,00", "80,00", "60,00", "20,00", "30,00"],  # 1,000.00 the European way
        ["1,000.00", "50", "80", "60", "20", "30"],
    ],
)
def test_money_as_back_offices_write_it(tmp_path: Path, amounts: list[str]) -> None:
    plain = [a for a in ("100.00", "50.00", "80.00", "60.00", "20.00", "30.00")]
    if amounts[0].startswith("1") and "000" in amounts[0]:
        plain[0] = "1000.00"
    reference = audit(write_export(tmp_path / "ref", transactions=_with_amounts(plain)))
    folder = write_export(tmp_path / "x", transactions=_with_amounts(amounts))
    result = audit(folder)
    assert result.input.skipped_rows["transactions"] == 0
    got, want = result.to_dict()["indicators"], reference.to_dict()["indicators"]
    got.pop("input"), want.pop("input")
    assert got == want
    (note,) = [p for p in result.input.problems if p.code == "amount_format"]
    assert note.action is Action.KEPT and note.column == "amount"


def test_currency_signs_are_reported_with_their_count(tmp_path: Path) -> None:
    amounts = ["¥100.00", "¥50.00", "80.00", "60.00", "20.00", "30.00"]
    result = audit(write_export(tmp_path / "x", transactions=_with_amounts(amounts)))
    (note,) = [p for p in result.input.problems if p.code == "amount_format"]
    assert "currency signs or suffixes removed in 2 rows" in note.message


@pytest.mark.parametrize(
    ("amounts", "says"),
    [
        (["1,234.50", "41,06", "80", "60", "20", "30"], "decimal point (row 1: '1,234.50')"),
        (["1.234", "50", "80", "60", "20", "30"], "row 1: '1.234'"),
    ],
)
def test_money_that_reads_two_ways_is_refused(
    tmp_path: Path, amounts: list[str], says: str
) -> None:
    folder = write_export(tmp_path / "x", transactions=_with_amounts(amounts))
    with pytest.raises(UnusableDataError) as caught:
        audit(folder)
    (problem,) = caught.value.problems
    assert problem.code == "ambiguous_format" and problem.action is Action.FATAL
    assert says in problem.message and "--decimal" in problem.message


def test_the_decimal_option_settles_an_ambiguous_column(tmp_path: Path) -> None:
    amounts = ["1.234", "50", "80", "60", "20", "30"]
    folder = write_export(tmp_path / "x", transactions=_with_amounts(amounts))
    for decimal, first in ((",", "1234"), (".", "1.23")):
        plain = write_export(tmp_path / decimal, transactions=_with_amounts([first, *amounts[1:]]))
        want = audit(plain).indicators["sales_total"]
        assert audit(folder, options=ReadOptions(decimal=decimal)).indicators["sales_total"] == want
    assert want == pytest.approx(1.23 + 80 + 60 + 30)


def _members_dated(dates: list[str]) -> str:
    lines = MEMBERS.strip().split("\n")
    out = [lines[0]]
    for line, date in zip(lines[1:], dates, strict=True):
        cells = line.split(",")
        cells[2] = date
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    "dates",
    [
        ["2024/1/1", "2024/1/5 00:00", "2024/2/1", "2024/2/10"],
        ["2024年1月1日", "2024年1月5日 0时0分", "2024年2月1日", "2024年02月10日"],
        ["01/01/2024", "05/01/2024", "01/02/2024", "10/02/2024 00:00", "13/01/2024"][:4],
        ["20240101", "20240105", "20240201", "20240210"],
        ["45292", "45296", "45323", "45332.0"],  # Excel's serial day numbers
    ],
)
def test_dates_as_back_offices_write_them(tmp_path: Path, dates: list[str]) -> None:
    options = ReadOptions(day_first=True) if "/2024" in dates[0] else None
    _same_as_plain(tmp_path, write_export(tmp_path / "x", members=_members_dated(dates)), options)


def test_day_and_month_order_is_told_by_a_day_above_twelve(tmp_path: Path) -> None:
    month_first = ["01/01/2024", "01/05/2024", "02/01/2024", "02/13/2024"]
    members = _members_dated(month_first)
    result = audit(write_export(tmp_path / "x", members=members))
    (note,) = [p for p in result.input.problems if p.code == "date_format"]
    assert "month/day/year in 4 rows" in note.message
    assert result.indicators["growth_per_month"] == {"2024-01": 2, "2024-02": 2}


@pytest.mark.parametrize(
    ("dates", "says"),
    [
        (["01/01/2024", "05/01/2024", "01/02/2024", "10/02/2024"], "no day above 12"),
        (["13/01/2024", "01/13/2024", "01/02/2024", "10/02/2024"], "some dates put the day first"),
    ],
)
def test_dates_that_read_two_ways_are_refused(tmp_path: Path, dates: list[str], says: str) -> None:
    with pytest.raises(UnusableDataError) as caught:
        audit(write_export(tmp_path / "x", members=_members_dated(dates)))
    (problem,) = caught.value.problems
    assert problem.code == "ambiguous_format"
    assert says in problem.message and "--day-first" in problem.message


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    texts = {
        name: text.replace(",", delimiter)
        for name, text in (
            ("members", MEMBERS),
            ("transactions", TRANSACTIONS),
            ("rewards", REWARDS),
        )
    }
    folder = write_export(tmp_path / "x", **texts)
    _same_as_plain(tmp_path, folder)


CHINESE_MEMBERS = MEMBERS.replace("member_id,sponsor_id,joined_at", "会员编号,推荐人,注册时间")
CHINESE_TRANSACTIONS = (
    TRANSACTIONS.replace(
        "txn_id,at,kind,seller_id,buyer_id,amount,ref_txn_id,seller_collects",
        "订单号,交易时间,类型,卖家,买家,金额,原订单号,seller_collects",
    )
    .replace(",sale,", ",销售,")
    .replace(",fee,", ",入会费,")
    .replace(",refund,", ",退款,")
)
CHINESE_REWARDS = REWARDS.replace(
    "reward_id,at,member_id,amount,basis,source_member_id",
    "奖励编号,发放时间,会员编号,奖金,奖励类型,来源会员",
)


def test_chinese_headers_and_codes(tmp_path: Path) -> None:
    folder = write_export(
        tmp_path / "x",
        members=CHINESE_MEMBERS,
        transactions=CHINESE_TRANSACTIONS,
        rewards=CHINESE_REWARDS,
        encoding="gbk",
    )
    _same_as_plain(tmp_path, folder)
    notes = [p for p in audit(folder).input.problems if p.code == "columns_matched"]
    assert [p.file for p in notes] == ["members.csv", "transactions.csv", "rewards.csv"]
    assert "会员编号 as member_id" in notes[0].message


def test_a_column_mapping_names_what_no_synonym_does(tmp_path: Path) -> None:
    members = MEMBERS.replace("member_id,sponsor_id", "user,boss")
    folder = write_export(tmp_path / "x", members=members)
    with pytest.raises(UnusableDataError):
        audit(folder)
    options = ReadOptions(columns={"members": {"member_id": "user", "sponsor_id": "boss"}})
    _same_as_plain(tmp_path, folder, options)


def _rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().split("\n")]


def test_a_workbook_of_three_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, text in (("会员", MEMBERS), ("交易", TRANSACTIONS), ("奖励", REWARDS)):
        sheet = book.create_sheet(title)
        for k, row in enumerate(_rows(text)):
            cells: list[object] = list(row)
            if k and title == "会员":  # a real date cell, as Excel keeps it
                cells[2] = datetime.fromisoformat(row[2])
            if k and title == "交易":  # amounts as numbers
                cells[5] = float(row[5])
            sheet.append(cells)
    path = tmp_path / "export.xlsx"
    book.save(path)
    _same_as_plain(tmp_path, path)


def test_one_workbook_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    for name, text in (("members", MEMBERS), ("transactions", TRANSACTIONS), ("rewards", REWARDS)):
        book = openpyxl.Workbook()
        for row in _rows(text):
            book.active.append(row)
        book.save(folder / f"{name}.xlsx")
    _same_as_plain(tmp_path, folder)


def test_a_decimal_comma_in_a_later_batch_still_meets_the_points_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision is per column, not per batch: plain amounts with a decimal point in the
    first batch and decimal commas in the next read two ways, and are refused."""
    from weishang.audit import load

    monkeypatch.setattr(load, "BATCH_ROWS", 4)
    amounts = ["12.50", "50.00", "80.00", "60.00", "41,06", "20,00"]
    with pytest.raises(UnusableDataError) as caught:
        audit(write_export(tmp_path / "x", transactions=_with_amounts(amounts)))
    (problem,) = caught.value.problems
    assert (
        problem.code == "ambiguous_format" and "decimal point (row 1: '12.50')" in problem.message
    )
