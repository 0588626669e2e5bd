"""``weishang audit PATH``: audit an export and print a summary, JSON, or an HTML report.

Exit codes: 0 the audit ran (whatever the verdicts); 2 bad usage or an unavailable option;
3 the export cannot be audited (the reasons are printed); 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from weishang.audit import memory
from weishang.audit.api import audit
from weishang.audit.contract import FILES, AuditParams, ReadOptions
from weishang.audit.problems import UnusableDataError
from weishang.audit.source import printable
from weishang.audit.summary import render_text

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNUSABLE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weishang audit",
        description="Audit a channel's exported data (see docs/audit-data.md): indicators and "
        "a verdict per jurisdiction.",
    )
    parser.add_argument("path", help="a folder or a .zip holding members, transactions, rewards")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    parser.add_argument(
        "--jurisdiction",
        action="append",
        metavar="CODE",
        help="judge only against this pack (repeatable; default: every pack)",
    )
    parser.add_argument(
        "--entry-window-days",
        type=int,
        default=AuditParams.entry_window_days,
        help="a fee or purchase this soon after joining counts as an entry payment",
    )
    parser.add_argument(
        "--columns",
        action="append",
        metavar="FILE.COLUMN=HEADER",
        default=[],
        help="which of the export's headers holds a contract column, where the built-in "
        "synonyms do not know it, e.g. members.member_id=会员编号 (repeatable)",
    )
    parser.add_argument(
        "--decimal",
        choices=[".", ","],
        help="the decimal separator of amounts, where a column's values leave it open",
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--day-first", dest="day_first", action="store_const", const=True,
        help="dates like 03/01/2024 put the day first (3 January)",
    )  # fmt: skip
    order.add_argument(
        "--month-first", dest="day_first", action="store_const", const=False,
        help="dates like 03/01/2024 put the month first (1 March)",
    )  # fmt: skip
    parser.add_argument(
        "--time-limit",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="give up after this long (default 3600)",
    )
    parser.add_argument(
        "--no-retain-memory",
        dest="retain_memory",
        action="store_false",
        help="let the C library hand freed memory back to the system during the audit "
        "(by default this one-shot command keeps it for reuse: faster on large exports, "
        "see docs/performance.md)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _read_options(args: argparse.Namespace) -> ReadOptions:
    columns: dict[str, dict[str, str]] = {}
    for given in args.columns:
        key, equals, header = given.partition("=")
        file, dot, column = key.strip().partition(".")
        spec = next((f for f in FILES if f.name == file), None)
        if not equals or not dot or spec is None or column not in spec.columns:
            raise ValueError(
                f"--columns {given!r}: say FILE.COLUMN=HEADER, FILE one of "
                + ", ".join(f.name for f in FILES)
                + " and COLUMN one of its columns (docs/audit-data.md)"
            )
        columns.setdefault(file, {})[column] = header.strip()
    return ReadOptions(columns=columns, decimal=args.decimal, day_first=args.day_first)


class _OutOfTime(Exception):
    pass


@contextlib.contextmanager
def _bounded_in_time(seconds: float) -> Iterator[None]:
    """The audit, stopped after ``seconds`` or on SIGTERM as by an exception (the handlers
    are set only in the main thread, and put back after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _stop), signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGALRM, before[1])


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM (and the time limit) end the audit as an exception would, so every
    temporary file is removed on the way out."""
    if signum == signal.SIGALRM:
        raise _OutOfTime()
    raise SystemExit(128 + signum)


def _html_writer() -> Callable[[Any, str], None] | None:
    try:
        module = importlib.import_module("weishang.audit.report_html")
    except ModuleNotFoundError as exc:
        if exc.name == "weishang.audit.report_html":
            return None
        raise
    return getattr(module, "write_report", None)


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        write_html = _html_writer() if args.html else None
        if args.html and write_html is None:
            print("HTML report not available yet", file=sys.stderr)
            return EXIT_USAGE
        try:
            options = _read_options(args)
        except ValueError as exc:
            print(f"weishang audit: {exc}", file=sys.stderr)
            return EXIT_USAGE
        params = AuditParams(entry_window_days=args.entry_window_days)
        kept = memory.retained() if args.retain_memory else contextlib.nullcontext()
        with _bounded_in_time(args.time_limit), kept:
            result = audit(
                args.path, params=params, jurisdictions=args.jurisdiction, progress=progress,
                options=options,
            )  # fmt: skip
        if write_html is not None:
            progress(f"writing {args.html}")
            write_html(result, args.html)
        if args.format == "json":
            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            print(render_text(result))
        progress("done")
        return EXIT_OK
    except _OutOfTime:
        print(
            f"weishang audit: gave up after {args.time_limit:g} s (--time-limit); nothing was "
            "left behind",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    except MemoryError:
        print("weishang audit: the export needs more memory than this machine has", file=sys.stderr)
        return EXIT_UNUSABLE
    except UnusableDataError as exc:
        print(f"weishang audit: {printable(args.path)} cannot be audited:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem.describe()}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # never a traceback for the person running the command
        print(
            f"weishang audit: internal error ({exc.__class__.__name__}: {printable(exc, 300)})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
