"""Apply a jurisdiction pack to the indicators: findings, a verdict, and (CN) a severity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weishang.audit.rules import OPS, RANK, Condition, Pack, Rule

OUTCOME_KEYS = ("members_lost_money_share", "median_net_cash", "top1_reward_share")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    indicator: str
    value: Any
    op: str
    threshold: Any
    result: str  # violation | at_risk | pass | not_applicable
    severity: str | None
    evidence: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "indicator": self.indicator,
            "value": self.value,
            "op": self.op,
            "threshold": self.threshold,
            "result": self.result,
            "severity": self.severity,
            "evidence": self.evidence,
            "source": self.source,
        }


@dataclass(frozen=True)
class Coverage:
    """How much of the export's money rows (transactions and rewards) the audit could use."""

    rows: int  # data rows in the two files
    usable: int
    reasons: tuple[str, ...] = ()  # the main reasons rows were skipped, most rows first

    @property
    def share(self) -> float:
        return self.usable / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class JurisdictionVerdict:
    jurisdiction: str
    name: str
    verdict: str  # compliant | at_risk | violation | insufficient_data
    severity: str | None  # CN only: administrative | criminal
    findings: tuple[Finding, ...]
    outcomes: dict[str, Any]
    # why the audit cannot tell (``insufficient_data``), in words for a reader
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "severity": self.severity,
            "reasons": list(self.reasons),
            "findings": [f.to_dict() for f in self.findings],
            "outcomes": dict(self.outcomes),
        }


def percent(value: float, places: int = 1, *, grouped: bool = False) -> str:
    """A share as a percentage that never rounds to 0% or 100% unless it is exactly that:
    99.97% gets the digits it needs. ``grouped``: thousands separated (1,230.0%)."""
    group = "," if grouped else ""
    for digits in range(places, places + 5):
        text = f"{value * 100:{group}.{digits}f}"
        if value in (0, 1) or float(text.replace(",", "")) not in (0.0, 100.0):
            break
    return text + "%"


def _fmt(value: Any, unit: str, currency: str) -> str:
    if value is None:
        return "not measurable"
    if unit == "share":
        return percent(float(value))
    if unit == "money":
        return f"{float(value):,.2f} {currency}"
    if unit == "flag":
        return "yes" if value else "no"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return (
        f"{value:,}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


class _Converter:
    def __init__(self, pack: Pack, currency: str | None) -> None:
        self.rate = 1.0
        self.note = ""
        code = (currency or pack.currency).upper()
        if code != pack.currency:
            if code in pack.fx:
                self.rate = pack.fx[code]
                self.note = f" (converted from {code} at {self.rate:g})"
            else:
                self.note = f" (currency {code} has no rate in the pack; taken as {pack.currency})"
        elif currency is None:
            self.note = f" (the export names no currency; taken as {pack.currency})"

    def __call__(self, value: Any, unit: str) -> Any:
        if unit == "money" and value is not None:
            return round(float(value) * self.rate, 2)
        return value


def _holds(value: Any, op: str, threshold: Any) -> bool:
    return value is not None and OPS[op](value, threshold)


def evaluate_rule(
    rule: Rule, indicators: dict[str, Any], pack: Pack, currency: str | None = None
) -> Finding:
    convert = _Converter(pack, currency)
    value = convert(indicators.get(rule.indicator), rule.unit)
    applies = all(
        _holds(convert(indicators.get(c.indicator), c.unit), c.op, c.threshold) for c in rule.when
    )
    if not applies:
        result = "not_applicable"
    elif value is None:
        result = {"trip": rule.outcome, "pass": "pass"}.get(rule.if_missing, "cannot_tell")
    else:
        result = rule.outcome if OPS[rule.op](value, rule.threshold) else "pass"
    context = {
        "value": _fmt(value, rule.unit, pack.currency),
        "threshold": _fmt(rule.threshold, rule.unit, pack.currency),
        "ind": _Formatted(indicators),
        "currency": pack.currency,
    }
    template = rule.evidence_missing if value is None and rule.evidence_missing else rule.evidence
    evidence = template.format(**context)
    if rule.unit == "money" and convert.note:
        evidence = evidence.removesuffix(".") + convert.note + "."
    if result == "not_applicable":
        evidence = "Not applicable: " + "; ".join(_describe(c, indicators) for c in rule.when) + "."
    return Finding(
        rule_id=rule.id,
        indicator=rule.indicator,
        value=value,
        op=rule.op,
        threshold=rule.threshold,
        result=result,
        severity=rule.severity if result in ("violation", "at_risk") else None,
        evidence=evidence,
        source=rule.source,
    )


def _describe(c: Condition, indicators: dict[str, Any]) -> str:
    return f"{c.indicator} is {_fmt(indicators.get(c.indicator), c.unit, '')} (needs {c.op} {c.threshold})"


class _Formatted(dict[str, str]):
    """``{ind[name]}`` in an evidence template: an indicator, formatted for a reader."""

    def __init__(self, indicators: dict[str, Any]) -> None:
        super().__init__()
        self._indicators = indicators

    def __missing__(self, key: str) -> str:
        value = self._indicators.get(key)
        unit = "share" if key.endswith("_share") else "number"
        return _fmt(value, unit, "")


def judge(
    pack: Pack,
    indicators: dict[str, Any],
    currency: str | None = None,
    coverage: Coverage | None = None,
) -> JurisdictionVerdict:
    """The pack's verdict: the worst outcome of its rules; ``insufficient_data`` instead when
    too little of the export was usable (``coverage`` under the pack's ``min_usable_share``,
    whatever the rules found), or when a rule could not be measured and none found a
    violation."""
    findings = tuple(evaluate_rule(rule, indicators, pack, currency) for rule in pack.rules)
    verdict = "compliant"
    for f in findings:
        if f.result in RANK and RANK[f.result] > RANK[verdict]:
            verdict = f.result
    reasons: list[str] = []
    if coverage is not None and (not coverage.rows or coverage.share < pack.min_usable_share):
        if not coverage.rows:
            reasons.append(
                "The export holds no transactions and no rewards: there is no money to judge."
            )
        else:
            reasons.append(
                f"Only {coverage.usable:,} of its {coverage.rows:,} transactions and rewards "
                f"({percent(coverage.share)}) could be read; a verdict needs at least "
                f"{percent(pack.min_usable_share, 0)}."
            )
            reasons += coverage.reasons
        verdict = "insufficient_data"
    unmeasured = [f for f in findings if f.result == "cannot_tell"]
    if unmeasured and verdict != "violation":
        reasons += [
            f"{f.rule_id} could not be checked: {f.indicator} could not be measured."
            for f in unmeasured
        ]
        verdict = "insufficient_data"
    severity = None
    if pack.has_severity and verdict == "violation":
        tripped = {f.severity for f in findings if f.result == "violation"}
        severity = "criminal" if "criminal" in tripped else "administrative"
    return JurisdictionVerdict(
        jurisdiction=pack.jurisdiction,
        name=pack.name,
        verdict=verdict,
        severity=severity,
        findings=findings,
        outcomes={k: indicators.get(k) for k in OUTCOME_KEYS},
        reasons=tuple(reasons),
    )
