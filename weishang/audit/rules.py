"""The rules engine: jurisdiction packs (TOML data) applied to the indicators.

A pack lists rules; each rule names one indicator, a comparison and a threshold, the outcome
when it trips (``violation`` or ``at_risk``), an optional ``severity`` (CN distinguishes
administrative from criminal), optional ``when`` conditions that must all hold for the rule to
apply, and the legal source it implements. Money thresholds are in the pack's currency and the
indicator is converted with the pack's ``fx`` table. Code here knows no threshold and no law:
adding a jurisdiction is adding a file.
"""

from __future__ import annotations

import operator
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
OUTCOMES = ("violation", "at_risk")
RANK = {"compliant": 0, "at_risk": 1, "violation": 2}


@dataclass(frozen=True)
class Condition:
    indicator: str
    op: str
    threshold: Any
    unit: str = "number"


@dataclass(frozen=True)
class Rule:
    id: str
    indicator: str
    op: str
    threshold: Any
    outcome: str
    source: str
    evidence: str
    unit: str = "number"  # share | money | count | number | flag
    severity: str | None = None
    if_missing: str = "pass"  # "trip": an indicator that cannot be measured trips the rule
    when: tuple[Condition, ...] = ()
    evidence_missing: str | None = None  # the sentence when the indicator can't be measured


@dataclass(frozen=True)
class Pack:
    jurisdiction: str
    name: str
    currency: str
    has_severity: bool
    fx: dict[str, float]
    rules: tuple[Rule, ...] = field(default=())


class PackError(ValueError):
    pass


def _condition(data: dict[str, Any], where: str) -> Condition:
    if data.get("op") not in OPS:
        raise PackError(f"{where}: unknown op {data.get('op')!r}")
    return Condition(data["indicator"], data["op"], data["threshold"], data.get("unit", "number"))


def parse_pack(data: dict[str, Any]) -> Pack:
    rules = []
    for raw in data.get("rules", []):
        where = f"{data.get('jurisdiction')}/{raw.get('id')}"
        if raw.get("op") not in OPS or raw.get("outcome") not in OUTCOMES:
            raise PackError(f"{where}: op or outcome not understood")
        if not raw.get("source"):
            raise PackError(f"{where}: every rule cites its source")
        rules.append(
            Rule(
                id=raw["id"],
                indicator=raw["indicator"],
                op=raw["op"],
                threshold=raw["threshold"],
                outcome=raw["outcome"],
                source=raw["source"],
                evidence=raw["evidence"],
                unit=raw.get("unit", "number"),
                severity=raw.get("severity"),
                if_missing=raw.get("if_missing", "pass"),
                when=tuple(_condition(c, where) for c in raw.get("when", [])),
                evidence_missing=raw.get("evidence_missing"),
            )
        )
    return Pack(
        jurisdiction=data["jurisdiction"],
        name=data["name"],
        currency=data["currency"],
        has_severity=bool(data.get("severity", False)),
        fx={k.upper(): float(v) for k, v in data.get("fx", {}).items()},
        rules=tuple(rules),
    )


def load_packs(names: list[str] | None = None) -> list[Pack]:
    """The packs shipped in ``weishang/audit/packs`` (all of them, or those named)."""
    folder = resources.files("weishang.audit") / "packs"
    packs = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            pack = parse_pack(tomllib.loads(entry.read_text(encoding="utf-8")))
            if names is None or pack.jurisdiction in names:
                packs.append(pack)
    return packs
