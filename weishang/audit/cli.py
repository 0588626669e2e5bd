"""``weishang audit PATH``: audit an export and print a summary, JSON, or an HTML report.

Exit codes: 0 the audit ran (whatever the verdicts); 2 bad usage or an unavailable option;
3 the export cannot be audited (the reasons are printed); 1 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from weishang.audit.api import audit
from weishang.audit.contract import AuditParams
from weishang.audit.problems import UnusableDataError
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
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


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
        params = AuditParams(entry_window_days=args.entry_window_days)
        result = audit(args.path, params=params, jurisdictions=args.jurisdiction, progress=progress)
        if write_html is not None:
            progress(f"writing {args.html}")
            write_html(result, args.html)
        if args.format == "json":
            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            print(render_text(result))
        progress("done")
        return EXIT_OK
    except UnusableDataError as exc:
        print(f"weishang audit: {args.path} cannot be audited:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem.describe()}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # never a traceback for the person running the command
        print(f"weishang audit: internal error ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
