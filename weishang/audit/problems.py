"""Problems found in an export: what, where, and what the audit did about it.

A problem names the file, the column and the rows (1-based data rows, the header not
counted: a spreadsheet shows row N on line N + 1). Reports are capped: the first
``EXAMPLES_PER_PROBLEM`` rows of each kind are kept beside the total count, so a 100 M-row
export with one systematic error still produces a short report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

EXAMPLES_PER_PROBLEM = 5


class Action(StrEnum):
    """What the audit did with the rows a problem touches."""

    FATAL = "fatal"  # the audit cannot run
    ROW_SKIPPED = "row_skipped"
    VALUE_CLEARED = "value_cleared"  # the row is kept, the bad value is treated as empty
    KEPT = "kept"  # reported for the reader; the row is used as it is


@dataclass(frozen=True)
class Problem:
    code: str
    file: str
    column: str | None
    count: int
    action: Action
    message: str
    rows: tuple[int, ...] = ()
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.file,
            "column": self.column,
            "count": self.count,
            "action": str(self.action),
            "message": self.message,
            "rows": list(self.rows),
            "values": list(self.values),
        }

    def describe(self) -> str:
        where = self.file + (f", column {self.column}" if self.column else "")
        rows = ""
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
            rows = f" (rows {shown}{more})"
        return f"{where}: {self.message}{rows} [{self.action}]"


@dataclass
class ProblemLog:
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    @property
    def fatal(self) -> list[Problem]:
        return [p for p in self.problems if p.action is Action.FATAL]

    def skipped_rows(self, file: str) -> int:
        return sum(
            p.count for p in self.problems if p.file == file and p.action is Action.ROW_SKIPPED
        )


class UnusableDataError(Exception):
    """The export cannot be audited; ``problems`` says why, file by file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.describe() for p in problems))
