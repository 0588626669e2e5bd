"""How an export writes its amounts and dates, decided per column before the rows are read.

Back offices write money as ``¥1,234.50``, ``1234.5元``, ``RMB 1 234,50`` or ``41,06`` and
dates as ``2015/3/4 13:05``, ``2015年3月4日``, ``03/01/2024`` or an Excel serial number.
One pass over each text column of amounts or dates counts the forms its values take; from
those counts the column's reading is decided once (the caller's ``ReadOptions`` decide where
the values cannot):

- amounts: currency signs and suffixes (``¥ ￥ $ € £``, ``元``, ``RMB``, ``CNY`` …) and spaces
  are dropped; the decimal separator is the point when some value has a decimal point
  (``12.50``, ``1,234.50``) and no value a decimal comma (``41,06``, ``1.234,50``), the comma
  in the opposite case, and the column is refused, with an example of each, when it has both,
  or when it has only values like ``1.234`` that read as either.
- dates: ISO, year first with ``/`` or ``.`` (``2015/3/4``), Chinese (``2015年3月4日 13时05分``),
  eight digits (``20150304``) and Excel serial numbers (``42067.5``) are read as they are; for
  day and month first (``03/01/2024``), a day above 12 tells the order; a column with days
  above 12 in both places, or none in either, is refused.

``decide`` returns a ``Formats``: the batch rewriting (Arrow compute, vectorised) that turns
every value into the plain form the typed scan parses (``12.50``, ``2015-03-04 13:05``), and
the report of each conversion (``amount: currency signs removed in 50,000 rows``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from weishang.audit.contract import ReadOptions
from weishang.audit.problems import Action, Problem, ProblemLog

if TYPE_CHECKING:
    from weishang.audit.load import RawFile

Step = Callable[[pa.Array], pa.Array]

MONEY_COLUMNS = ("amount",)
DATE_COLUMNS = ("joined_at", "left_at", "at")

_SIGNS = r"[¥￥$€£]|(?i:rmb|cny|usd|eur|gbp|hkd|jpy|us\$)"
_SUFFIXES = r"元|圆|人民币|(?i:rmb|cny|usd|eur|gbp|hkd|jpy)"
_AFFIXES = rf"^(?:{_SIGNS})\s*|\s*(?:{_SUFFIXES})$"
_SPACES = r"[\s\x{00a0}\x{202f}\x{2009}']"  # spaces and apostrophes that group thousands
_POINT = r"^-?\d{1,3}(?:,\d{3})+\.\d+$|^-?\d*\.\d{1,2}$|^-?\d+\.\d{4,}$"
_COMMA = r"^-?\d{1,3}(?:\.\d{3})+,\d+$|^-?\d*,\d{1,2}$|^-?\d+,\d{4,}$"
_DOT_GROUPS = r"^-?\d{1,3}(?:\.\d{3})+$"  # 1.234: a thousand, or one and a bit?

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?$"
_YMD = r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})"
_CHINESE = r"年"
_DMY = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"
_DMY_PARTS = r"^(?P<first>\d{1,2})[/.\-](?P<second>\d{1,2})[/.\-](?P<year>\d{4})"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL = r"^\d{5}(?:\.\d+)?$"  # Excel's days since 1899-12-30: 10000 (1927) to 99999 (2173)
_EXCEL_EPOCH_US = -2_209_161_600_000_000  # 1899-12-30 in microseconds since 1970


class FormatError(ValueError):
    """A column whose values can be read more than one way."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class Formats:
    """What to do to each column of a batch before it is typed (nothing for most files)."""

    steps: dict[str, list[Step]] = field(default_factory=dict)
    # columns whose every value has one plain form ("amount", "time" or "utc": a time ending
    # in Z), which ``typed_plainly`` then types without looking at the values again
    plain: dict[str, str] = field(default_factory=dict)

    def prepare(self, batch: pa.Table) -> pa.Table:
        for name, steps in self.steps.items():
            if name not in batch.column_names:
                continue
            column = _array(batch.column(name))
            for step in steps:
                column = step(column)
            batch = batch.set_column(batch.column_names.index(name), name, column)
        return batch


def _count(values: pa.Array, pattern: str) -> tuple[int, int]:
    """(how many values match, the first that does: its 0-based position, or -1)."""
    hit = pc.match_substring_regex(values, pattern).fill_null(False)
    n = pc.sum(hit).as_py() or 0
    return n, (int(pc.index(hit, True).as_py()) if n else -1)


@dataclass
class _Tally:
    """Counts over a whole column, batch by batch: per form, how many and the first row."""

    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, tuple[int, str]] = field(default_factory=dict)  # form -> (row, value)

    def add(self, form: str, values: pa.Array, pattern: str, offset: int) -> None:
        n, at = _count(values, pattern)
        if n:
            self.counts[form] = self.counts.get(form, 0) + n
            if form not in self.first:
                self.first[form] = (offset + at + 1, str(values[at].as_py()))

    def example(self, form: str) -> str:
        row, value = self.first[form]
        return f"row {row}: {value!r}"


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _trimmed(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(_array(column).cast(pa.string()))


def _money_text(values: pa.Array) -> pa.Array:
    """Signs, suffixes and spaces gone; a negative in parentheses gets its minus."""
    text = pc.replace_substring_regex(values, _AFFIXES, "")
    text = pc.replace_substring_regex(text, _AFFIXES, "")  # "RMB ¥12" has two
    text = pc.replace_substring_regex(text, _SPACES, "")
    return pc.replace_substring_regex(text, r"^\((.*)\)$", r"-\1")


def _money_tally(values: pa.Array, tally: _Tally, offset: int) -> None:
    tally.add("affix", values, _AFFIXES, offset)
    text = _money_text(values)
    tally.add("point", text, _POINT, offset)
    tally.add("comma", text, _COMMA, offset)
    tally.add("dot_groups", text, _DOT_GROUPS, offset)
    tally.add("separators", text, r"[.,].*[.,]|^-?\d{1,3},\d{3}", offset)


def _money(
    raw_label: str, column: str, tally: _Tally, options: ReadOptions, log: ProblemLog
) -> list[Step]:
    c = tally.counts
    if not c:
        return []
    decimal = options.decimal
    if decimal is None:
        if c.get("point") and c.get("comma"):
            raise FormatError(
                column,
                f"some amounts have a decimal point "
                f"({tally.example('point')}) and some a decimal comma ({tally.example('comma')}); "
                "say which with --decimal . or --decimal ,",
            )
        if c.get("comma"):
            decimal = ","
        elif c.get("dot_groups") and not c.get("point"):
            raise FormatError(
                column,
                f"cannot tell whether the point in "
                f"{tally.example('dot_groups')} is a decimal point or separates thousands; "
                "say which with --decimal . or --decimal ,",
            )
        else:
            decimal = "."
    steps: list[Step] = [_money_text]
    said = []
    if c.get("affix"):
        said.append(f"currency signs or suffixes removed in {c['affix']:,} rows")
    if decimal == ",":
        steps.append(lambda v: pc.replace_substring(pc.replace_substring(v, ".", ""), ",", "."))
        said.append(f"decimal commas read as points in {c.get('comma', 0):,} rows")
    else:
        steps.append(lambda v: pc.replace_substring(v, ",", ""))
    if c.get("separators"):
        said.append("thousands separators removed")
    if said:
        log.add(
            Problem(
                "amount_format",
                raw_label,
                column,
                c.get("affix", 0) + c.get("comma", 0) + c.get("separators", 0),
                Action.KEPT,
                "amounts read with " + "; ".join(said),
            )
        )
    return steps


def _date_tally(values: pa.Array, tally: _Tally, offset: int) -> None:
    iso = _count(values, _ISO)[0] + values.null_count
    if iso == len(values):
        return
    tally.add("ymd", values, _YMD, offset)
    tally.add("chinese", values, _CHINESE, offset)
    tally.add("compact", values, _COMPACT, offset)
    tally.add("serial", values, _SERIAL, offset)
    matches = pc.match_substring_regex(values, _DMY).fill_null(False)
    if pc.any(matches).as_py():
        dmy = pc.extract_regex(pc.if_else(matches, values, None), _DMY_PARTS)
        first = pc.cast(pc.struct_field(dmy, [0]), pa.int32())
        second = pc.cast(pc.struct_field(dmy, [1]), pa.int32())
        tally.add("dmy", values, _DMY, offset)
        _note(tally, "day_first", values, pc.greater(first, 12), offset)
        _note(tally, "month_first", values, pc.greater(second, 12), offset)


def _dates(
    raw_label: str, column: str, tally: _Tally, options: ReadOptions, log: ProblemLog
) -> list[Step]:
    c = tally.counts
    steps: list[Step] = []
    said = []
    if c.get("chinese"):
        steps.append(_chinese_date)
        said.append(f"Chinese dates (2015年3月4日) in {c['chinese']:,} rows")
    if c.get("ymd"):
        steps.append(lambda v: pc.replace_substring_regex(v, _YMD, r"\1-\2-\3"))
        said.append(f"year/month/day in {c['ymd']:,} rows")
    if c.get("dmy"):
        day_first = options.day_first
        if day_first is None:
            if c.get("day_first") and c.get("month_first"):
                raise FormatError(
                    column,
                    f"some dates put the day first "
                    f"({tally.example('day_first')}) and some the month "
                    f"({tally.example('month_first')}); say which with --day-first or --month-first",
                )
            if not c.get("day_first") and not c.get("month_first"):
                raise FormatError(
                    column,
                    f"cannot tell whether {tally.example('dmy')} "
                    "puts the day or the month first (no day above 12 in the column); say which "
                    "with --day-first or --month-first",
                )
            day_first = bool(c.get("day_first"))
        order = r"\3-\2-\1" if day_first else r"\3-\1-\2"
        steps.append(lambda v: pc.replace_substring_regex(v, _DMY, order))
        said.append(
            ("day/month/year" if day_first else "month/day/year") + f" in {c['dmy']:,} rows"
        )
    if c.get("compact"):
        steps.append(lambda v: pc.replace_substring_regex(v, _COMPACT, r"\1-\2-\3"))
        said.append(f"yyyymmdd in {c['compact']:,} rows")
    if c.get("serial"):
        steps.append(_excel_serial)
        said.append(f"Excel serial numbers in {c['serial']:,} rows")
    if said:
        count = sum(c.get(k, 0) for k in ("chinese", "ymd", "dmy", "compact", "serial"))
        log.add(
            Problem(
                "date_format",
                raw_label,
                column,
                count,
                Action.KEPT,
                "dates read as " + "; ".join(said),
            )
        )
    return steps


def _note(tally: _Tally, form: str, values: pa.Array, hit: pa.Array, offset: int) -> None:
    hit = hit.fill_null(False)
    n = pc.sum(hit).as_py() or 0
    if n:
        tally.counts[form] = tally.counts.get(form, 0) + n
        if form not in tally.first:
            at = int(pc.index(hit, True).as_py())
            tally.first[form] = (offset + at + 1, str(values[at].as_py()))


def _chinese_date(values: pa.Array) -> pa.Array:
    text = pc.replace_substring_regex(
        values, r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", r"\1-\2-\3 "
    )
    text = pc.replace_substring_regex(text, r"\s*[时点]\s*", ":")
    text = pc.replace_substring_regex(text, r"\s*分\s*", ":")
    text = pc.replace_substring_regex(text, r"\s*秒", "")
    return pc.utf8_trim(text, " :")


def _excel_serial(values: pa.Array) -> pa.Array:
    """Excel's serial day numbers (fractions of a day for the time) as ISO text, to the
    second."""
    serial = pc.match_substring_regex(values, _SERIAL).fill_null(False)
    if not pc.any(serial).as_py():
        return values
    days = pc.cast(pc.if_else(serial, values, None), pa.float64())
    us = np.round(days.to_numpy(zero_copy_only=False) * 86_400) * 1_000_000 + _EXCEL_EPOCH_US
    stamps = pa.array(
        np.nan_to_num(us).astype(np.int64),
        pa.timestamp("us"),
        mask=~serial.to_numpy(zero_copy_only=False),
    )
    text = pc.strftime(stamps, "%Y-%m-%d %H:%M:%S")
    return pc.if_else(serial, text, values)


def decide(raw: RawFile, log: ProblemLog, options: ReadOptions) -> Formats:
    """Read every text column of amounts or dates of ``raw`` once and decide how to read
    it; raises ``FormatError`` for a column that reads more than one way."""
    wanted = [c for c in MONEY_COLUMNS + DATE_COLUMNS if raw.columns.get(c) == "VARCHAR"]
    if not wanted:
        return Formats()
    tallies = {c: _Tally() for c in wanted}
    forms: dict[str, set[str | None]] = {c: set() for c in wanted}
    offset = 0
    for batch in raw.batches(wanted):
        for c in wanted:
            form = _plain_form(_no_empty(batch.column(c)), c)
            forms[c].add(form)
            if form == "amount":
                # a plain batch's only evidence: its decimal points, which a decimal comma
                # in another batch of the column contradicts
                values = _array(batch.column(c))
                _note(tallies[c], "point", values, pc.match_substring(values, "."), offset)
            elif form is None:  # not one plain form: look closer
                tally = _money_tally if c in MONEY_COLUMNS else _date_tally
                tally(_trimmed(batch.column(c)), tallies[c], offset)
        offset += batch.num_rows
    formats = Formats()
    for c in wanted:
        if len(forms[c]) == 1 and None not in forms[c]:
            formats.plain[c] = forms[c].pop()  # type: ignore[assignment]
            continue
        decide_column = _money if c in MONEY_COLUMNS else _dates
        steps = decide_column(raw.label, c, tallies[c], options, log)
        if steps:
            formats.steps[c] = [_trimmed, *steps]
    return formats


# --- the plain forms, typed by Arrow ---------------------------------------------------------
# A batch whose every time or amount has one plain form is typed here, in Arrow's compiled
# casts, instead of parsed by DuckDB: the same values (``tests/audit/test_fast_text.py``
# holds the two to each other on random values), at a tenth of the cost. Any value of
# another form, or one Arrow refuses (2024-02-30, 24:00), leaves the whole column of that
# batch to DuckDB.
_PLAIN_AMOUNT = r"^-?\d{1,16}(?:\.\d{1,2})?$"
# either, in one pass: a Z only after a time of day
_PLAIN_ANY_TIME = r"^(?:19|20)\d{2}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?Z?)?$"
_US = 1_000_000


def _no_empty(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The values, an empty one as no value (as DuckDB's ``NULLIF(trim(x), '')``)."""
    values = _array(column)
    if not pc.any(pc.equal(values, "")).as_py():
        return values
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _plain_form(values: pa.Array, column: str) -> str | None:
    """The one plain form every value of ``values`` has, if any: one pass of one regular
    expression, then whether the times end in Z (all or none)."""
    if column in MONEY_COLUMNS:
        return "amount" if _all(values, _PLAIN_AMOUNT) else None
    if not _all(values, _PLAIN_ANY_TIME):
        return None
    zoned = pc.sum(pc.ends_with(values, "Z")).as_py() or 0
    if zoned == 0:
        return "time"
    return "utc" if zoned == len(values) - values.null_count else None


def _all(values: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py() is not False)


def offset_us(zone: str, low_us: int, high_us: int) -> int | None:
    """The zone's UTC offset in microseconds if it is the same every day from ``low_us`` to
    ``high_us`` (UTC), else None (a daylight-saving change in between)."""
    tz = zoneinfo.ZoneInfo(zone)
    offsets = set()
    day = 86_400 * _US
    for at in range(low_us, high_us + day, day):
        moment = datetime.datetime.fromtimestamp(min(at, high_us) / _US, datetime.UTC)
        offset = moment.astimezone(tz).utcoffset()
        offsets.add(None if offset is None else offset // datetime.timedelta(microseconds=1))
        if len(offsets) > 1:
            return None
    (only,) = offsets
    return only


def _plain_time(values: pa.Array, form: str, zone: str) -> pa.Array | None:
    try:
        if form == "time":
            return pc.cast(values, pa.timestamp("us"))
        utc = pc.cast(values, pa.timestamp("us", "UTC")).cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if zone == "UTC":
        return utc
    micros = utc.cast(pa.int64())
    low, high = pc.min(micros).as_py(), pc.max(micros).as_py()
    if low is None:
        return utc
    offset = offset_us(zone, low, high)
    if offset is None:
        return None
    return pc.add(micros, offset).cast(pa.timestamp("us"))


def _plain_amount(values: pa.Array) -> pa.Array | None:
    try:
        return pc.cast(values, pa.decimal128(18, 2))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def typed_plainly(batch: pa.Table, zone: str, plain: dict[str, str] | None = None) -> pa.Table:
    """The batch with each text column of times or amounts typed whose values all have one
    plain form: as ``plain`` says of the whole column (``Formats.plain``), else as this
    batch's values show; an empty value is no value. The other columns as they were."""
    for name in batch.column_names:
        if name not in MONEY_COLUMNS + DATE_COLUMNS or not pa.types.is_string(
            batch.schema.field(name).type
        ):
            continue
        values = _no_empty(batch.column(name))
        form = (plain or {}).get(name) or _plain_form(values, name)
        if form is None:
            continue
        typed = _plain_amount(values) if form == "amount" else _plain_time(values, form, zone)
        if typed is not None:
            batch = batch.set_column(batch.column_names.index(name), name, typed)
    return batch
