"""Where an export's files are: a folder, a .zip of one, or an Excel workbook; and its
``dataset.json``.

An export comes from the operation being audited, so it is read as hostile input. A .zip is
extracted entry by entry, only the entries the audit reads (the three files, their Parquet
parts, ``dataset.json``), each counted as it is written: no more than its declared size, no
more than ``MAX_RATIO`` times its compressed size, no more than ``MAX_EXTRACTED`` in all and
never more than the temporary folder has free. The folder is removed when the audit ends,
whichever way it ends. ``dataset.json`` is read only up to 64 KiB, and its texts are kept
printable.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
import zipfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from weishang.audit.contract import FILE_NAMES
from weishang.audit.problems import Action, Problem, ProblemLog, UnusableDataError

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = TEXT_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES

MAX_EXTRACTED = 64 << 30  # bytes a .zip may expand to, in all
MAX_RATIO = 200  # how many times its compressed size one entry may expand to
SMALL_ENTRY = 1 << 20  # entries up to this size may expand any amount (a tiny dataset.json)
MAX_ENTRIES = 10_000
MAX_INFO_BYTES = 64 << 10  # dataset.json
MAX_INFO_TEXT = 200  # characters kept of a name, currency or period
_CHUNK = 1 << 20
# a terminal's escape sequences: CSI (ESC [ ... final byte) and OSC (ESC ] ... BEL or ESC \)
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")


@dataclass
class DatasetInfo:
    name: str | None = None
    currency: str | None = None
    period: str | None = None
    # the IANA time zone of times written without one: as ``dataset.json`` declares it, else
    # the currency's country's, else UTC (``time_zone``)
    time_zone: str = "UTC"
    time_zone_from: str = "no currency or time zone declared"


# the time zone of a currency's country, for times an export writes without a zone (a
# currency of several zones, the USD's, takes its most populous one)
CURRENCY_ZONES = {
    "CNY": "Asia/Shanghai", "RMB": "Asia/Shanghai", "HKD": "Asia/Hong_Kong",
    "MOP": "Asia/Macau", "TWD": "Asia/Taipei", "JPY": "Asia/Tokyo", "KRW": "Asia/Seoul",
    "SGD": "Asia/Singapore", "MYR": "Asia/Kuala_Lumpur", "THB": "Asia/Bangkok",
    "VND": "Asia/Ho_Chi_Minh", "IDR": "Asia/Jakarta", "PHP": "Asia/Manila",
    "INR": "Asia/Kolkata", "GBP": "Europe/London", "EUR": "Europe/Paris",
    "USD": "America/New_York", "CAD": "America/Toronto", "AUD": "Australia/Sydney",
}  # fmt: skip


def unusable(source: str, message: str) -> UnusableDataError:
    return UnusableDataError([Problem("unreadable_source", source, None, 1, Action.FATAL, message)])


def _wanted(name: str) -> bool:
    """Whether a .zip entry is one the audit reads: a contract file or a Parquet part of one,
    a workbook, or ``dataset.json``, at the top or one folder down (any folder of parts
    below that)."""
    parts = PurePosixPath(name).parts
    if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
        return False
    leaf = parts[-1].lower()
    if leaf == "dataset.json" or leaf.endswith(EXCEL_SUFFIXES):
        return len(parts) <= 2
    stem, dot, suffix = leaf.rpartition(".")
    if not dot or "." + suffix not in SUFFIXES:
        return False
    if stem in FILE_NAMES and len(parts) <= 2:
        return True
    # a part of a folder of Parquet parts: members/part-0.parquet
    return (
        "." + suffix in PARQUET_SUFFIXES
        and len(parts) >= 2
        and parts[-2].lower() in FILE_NAMES
        and len(parts) <= 3
    )


def extract(path: Path, workdir: Path) -> Path:
    """The entries of the .zip at ``path`` the audit reads, extracted under ``workdir``
    within the bounds above; raises ``UnusableDataError`` with one sentence otherwise."""
    label = path.name
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise unusable(label, "the .zip file is damaged or cut short") from None
    free = shutil.disk_usage(workdir).free
    written = 0
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise unusable(label, f"the .zip holds more than {MAX_ENTRIES:,} entries")
        for entry in entries:
            if entry.is_dir() or not _wanted(entry.filename):
                continue
            if entry.flag_bits & 0x1:
                raise unusable(label, f"{entry.filename} is encrypted; send it unencrypted")
            limit = entry.file_size
            if limit > SMALL_ENTRY and limit > MAX_RATIO * max(entry.compress_size, 1):
                raise unusable(
                    label,
                    f"{entry.filename} would expand {limit / max(entry.compress_size, 1):,.0f} "
                    f"times (at most {MAX_RATIO}): refused as a possible .zip bomb",
                )
            if written + limit > min(MAX_EXTRACTED, free):
                raise unusable(
                    label,
                    f"the .zip expands to more than "
                    f"{min(MAX_EXTRACTED, free) / 2**30:,.1f} GiB (the room the audit has)",
                )
            target = workdir.joinpath(*PurePosixPath(entry.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(entry) as source, target.open("wb") as sink:
                    size = 0
                    while chunk := source.read(_CHUNK):
                        size += len(chunk)
                        if size > limit:  # more than the entry declared
                            raise unusable(label, f"{entry.filename} is larger than it says")
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
                reason = (
                    "uses a compression method the audit cannot read"
                    if isinstance(exc, NotImplementedError)
                    else "is damaged or cut short"
                )
                raise unusable(label, f"{entry.filename} in the .zip {reason}") from None
            written += size
    return workdir


def export_folder(folder: Path) -> Path:
    """The folder that holds the export's files: ``folder``, or the one sub-folder that does
    (a .zip of a folder)."""
    if any(_holds(folder, name) for name in FILE_NAMES):
        return folder
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if any(_holds(sub, name) for name in FILE_NAMES):
            return sub
    return folder


def _holds(folder: Path, name: str) -> bool:
    return bool(files_of(folder, name))


def files_of(folder: Path, name: str) -> list[Path]:
    """The entries of ``folder`` that hold the file ``name``, in name order: ``name`` with a
    suffix the audit reads, or a folder of Parquet parts."""
    return [
        entry
        for entry in sorted(folder.iterdir())
        if (entry.is_file() and entry.name.lower() in {name + s for s in SUFFIXES})
        or (entry.is_dir() and entry.name.lower() == name and any(entry.glob("*.parquet")))
    ]


def read_info(folder: Path, log: ProblemLog) -> DatasetInfo:
    path = folder / "dataset.json"
    if not path.is_file():
        return DatasetInfo()

    def ignored(why: str) -> DatasetInfo:
        log.add(
            Problem("bad_dataset_json", "dataset.json", None, 1, Action.KEPT, f"ignored: {why}")
        )
        return DatasetInfo()

    with path.open("rb") as handle:
        data = handle.read(MAX_INFO_BYTES + 1)
    if len(data) > MAX_INFO_BYTES:
        return ignored(f"larger than {MAX_INFO_BYTES >> 10} KiB")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return ignored("not UTF-8 text")
    except RecursionError:
        return ignored("nested too deeply")
    except ValueError as exc:
        return ignored(f"not valid JSON ({exc.__class__.__name__})")
    if not isinstance(parsed, dict):
        return ignored("not a JSON object")
    info = DatasetInfo(
        name=printable(parsed.get("name")),
        currency=printable(parsed.get("currency")),
        period=printable(parsed.get("period")),
    )
    declared = printable(parsed.get("timezone") or parsed.get("time_zone"), 64)
    if declared:
        if _is_zone(declared):
            info.time_zone, info.time_zone_from = declared, "declared in dataset.json"
            return info
        log.add(
            Problem(
                "bad_time_zone", "dataset.json", "timezone", 1, Action.KEPT,
                f"{declared!r} is not a time zone (say e.g. Asia/Shanghai); ignored",
            )
        )  # fmt: skip
    zone = CURRENCY_ZONES.get((info.currency or "").upper())
    if zone:
        info.time_zone, info.time_zone_from = zone, f"the country of its currency, {info.currency}"
    return info


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def printable(value: object, limit: int = MAX_INFO_TEXT) -> str | None:
    """``value`` as text fit to print: no control characters (a terminal's escape codes),
    at most ``limit`` characters; None for no value or an object."""
    if value is None or isinstance(value, dict | list):
        return None
    text = _ESCAPES.sub("", str(value))
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    text = " ".join(text.split())
    return (text[: limit - 1] + "…") if len(text) > limit else (text or None)
