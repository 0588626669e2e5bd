"""The readable text summary of an audit (the default output of ``weishang audit``)."""

from __future__ import annotations

from typing import Any

from weishang.audit.result import AuditResult
from weishang.audit.verdict import JurisdictionVerdict, percent

MARKS = {"violation": "✗", "at_risk": "!", "cannot_tell": "?", "pass": "✓", "not_applicable": "·"}


def _pct(value: Any) -> str:
    return "n/a" if value is None else percent(float(value))


def _money(value: Any, currency: str) -> str:
    return f"{float(value or 0):,.2f} {currency}".rstrip()


def grouped_reasons(verdicts: list[JurisdictionVerdict]) -> list[tuple[list[str], tuple[str, ...]]]:
    """The jurisdictions that cannot tell, those with the same reasons together."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for v in verdicts:
        groups.setdefault(v.reasons, []).append(v.jurisdiction)
    return [(codes, reasons) for reasons, codes in groups.items()]


def render_text(result: AuditResult) -> str:
    i, inp = result.indicators, result.input
    cur = inp.currency or "(currency not stated)"
    lines = [f"Audit of {inp.name or inp.source}" + (f" ({inp.period})" if inp.period else "")]
    unsure = [v for v in result.jurisdictions.values() if v.verdict == "insufficient_data"]
    if unsure or not any(inp.rows.get(n) for n in ("transactions", "rewards")):
        lines += [
            "",
            "THE AUDIT CANNOT TELL whether this channel is honest, for these reasons:",
        ]
        for codes, reasons in grouped_reasons(unsure):
            lines.append(f"  {', '.join(codes)}:")
            lines += [f"    - {reason}" for reason in reasons]
        lines.append("")
    rows = inp.rows
    lines.append(f"Times without a zone read as {inp.time_zone} ({inp.time_zone_from})")
    lines.append(
        f"Input: {rows['members']:,} members, {rows['transactions']:,} transactions, "
        f"{rows['rewards']:,} rewards usable"
    )
    skipped = {k: v for k, v in inp.skipped_rows.items() if v}
    if skipped:
        lines.append("Skipped rows: " + ", ".join(f"{k} {v:,}" for k, v in skipped.items()))
    if inp.problems:
        lines.append("Problems in the input:")
        lines += [f"  - {p.describe()}" for p in inp.problems]
    levels = " ".join(f"L{k}:{v:,}" for k, v in i["members_per_level"].items())
    lines += [
        "",
        f"Structure: {i['members']:,} members, {i['roots']:,} roots, depth {i['depth']} ({levels})",
        f"Sales: {_money(i['sales_total'], cur)}; to outside consumers "
        f"{_pct(i['consumer_sales_share'])}, to members {_pct(i['internal_consumption_share'])}; "
        f"fees {_money(i['fees_total'], cur)}",
        f"Entry payments: {i['entry_payers']:,} members ({_pct(i['entry_payers_share'])}) paid a "
        f"fee or bought soon after joining",
        f"Rewards: {_money(i['rewards_total'], cur)}; by behaviour "
        + ", ".join(f"{k} {_pct(v)}" for k, v in i["reward_mix_behaviour"].items())
        + f"; funded by entrants {_pct(i['entrant_funded_reward_share'])}; reach up to "
        f"{i['max_levels_above_source']} levels above the source",
        f"Participants: {_pct(i['members_lost_money_share'])} lost money; median net cash "
        f"{_money(i['median_net_cash'], cur)}; top 1% took {_pct(i['top1_reward_share'])} and top "
        f"10% {_pct(i['top10_reward_share'])} of rewards; Gini {i['reward_gini']}",
    ]
    for code, verdict in result.jurisdictions.items():
        severity = f" ({verdict.severity})" if verdict.severity else ""
        shown = (
            "CANNOT TELL (insufficient data)"
            if verdict.verdict == "insufficient_data"
            else verdict.verdict.upper()
        )
        lines += ["", f"{code} {verdict.name}: {shown}{severity}"]
        for f in verdict.findings:
            if f.result in ("violation", "at_risk", "cannot_tell"):
                lines.append(f"  {MARKS[f.result]} {f.rule_id}: {f.evidence}")
                lines.append(f"      source: {f.source}")
        passed = [
            f.rule_id
            for f in verdict.findings
            if f.result not in ("violation", "at_risk", "cannot_tell")
        ]
        if passed:
            lines.append("  ✓ not tripped: " + ", ".join(passed))
    return "\n".join(lines)
