"""The audit's result: indicators, one verdict per jurisdiction, and what the input held."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weishang.audit.problems import Problem
from weishang.audit.verdict import JurisdictionVerdict


@dataclass(frozen=True)
class InputSummary:
    source: str
    name: str | None
    currency: str | None
    period: str | None
    rows: dict[str, int]  # usable rows per table
    skipped_rows: dict[str, int]
    problems: tuple[Problem, ...]
    # the zone of times written without one, and why that one
    time_zone: str = "UTC"
    time_zone_from: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "currency": self.currency,
            "period": self.period,
            "time_zone": self.time_zone,
            "time_zone_from": self.time_zone_from,
            "rows": dict(self.rows),
            "skipped_rows": dict(self.skipped_rows),
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class AuditResult:
    """What ``audit()`` returns; ``to_dict()`` is the ``--format json`` document."""

    indicators: dict[str, Any]
    jurisdictions: dict[str, JurisdictionVerdict]
    input: InputSummary
    engine: str = "duckdb"
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        indicators = dict(self.indicators)
        indicators["input"] = self.input.to_dict()
        return {
            "indicators": indicators,
            "jurisdictions": {code: v.to_dict() for code, v in self.jurisdictions.items()},
        }
