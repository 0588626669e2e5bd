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
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from weishang.audit.registry import NAMES

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
# what a rule does when its indicator cannot be measured: trip, pass, or say it cannot tell
# (the default: the jurisdiction's verdict is then ``insufficient_data`` unless a violation
# was found)
IF_MISSING = ("unknown", "trip", "pass")
_TEMPLATE_NAMES = re.compile(r"\{ind\[([^\]]*)\]\}")


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
    if_missing: str = "unknown"  # ``IF_MISSING``
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
    # enough data for a verdict: at least this share of the money rows (transactions and
    # rewards together) usable; below it the verdict is ``insufficient_data``
    min_usable_share: float = 0.9


class PackError(ValueError):
    pass


def _indicator(name: object, where: str) -> str:
    if name not in NAMES:
        raise PackError(f"{where}: no indicator is called {name!r} (see registry.py)")
    return str(name)


def _condition(data: dict[str, Any], where: str) -> Condition:
    if data.get("op") not in OPS:
        raise PackError(f"{where}: unknown op {data.get('op')!r}")
    indicator = _indicator(data.get("indicator"), where)
    return Condition(indicator, data["op"], data["threshold"], data.get("unit", "number"))


def parse_pack(data: dict[str, Any]) -> Pack:
    rules = []
    for raw in data.get("rules", []):
        where = f"{data.get('jurisdiction')}/{raw.get('id')}"
        if raw.get("op") not in OPS or raw.get("outcome") not in OUTCOMES:
            raise PackError(f"{where}: op or outcome not understood")
        if not raw.get("source"):
            raise PackError(f"{where}: every rule cites its source")
        if raw.get("if_missing", "unknown") not in IF_MISSING:
            raise PackError(f"{where}: if_missing is one of " + ", ".join(IF_MISSING))
        for template in (raw.get("evidence", ""), raw.get("evidence_missing") or ""):
            for name in _TEMPLATE_NAMES.findall(template):
                _indicator(name, where)
        rules.append(
            Rule(
                id=raw["id"],
                indicator=_indicator(raw.get("indicator"), where),
                op=raw["op"],
                threshold=raw["threshold"],
                outcome=raw["outcome"],
                source=raw["source"],
                evidence=raw["evidence"],
                unit=raw.get("unit", "number"),
                severity=raw.get("severity"),
                if_missing=raw.get("if_missing", "unknown"),
                when=tuple(_condition(c, where) for c in raw.get("when", [])),
                evidence_missing=raw.get("evidence_missing"),
            )
        )
    usable = data.get("data", {}).get("min_usable_share")
    if not isinstance(usable, int | float) or not 0 <= usable <= 1:
        raise PackError(
            f"{data.get('jurisdiction')}: [data] min_usable_share, a share from 0 to 1, says how much usable data a verdict needs"
        )
    return Pack(
        min_usable_share=float(usable),
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
