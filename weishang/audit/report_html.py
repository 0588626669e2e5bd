"""The audit as one self-contained HTML file (``weishang audit PATH --html FILE``).

The report opens offline and makes no request of any kind: the stylesheet is inline, the charts
are SVG drawn (in ``report_assets``) from aggregated series, there is no script, and a
Content-Security-Policy forbids anything else. Every string that comes from the export (dataset name, currency, member
ids in problems, basis labels) is escaped. Its size does not grow with the number of members:
only counts per level and month, money totals, shares, a histogram and a Lorenz curve go in.

Order of reading: a verdict per jurisdiction beside what happened to participants, then the
findings behind each verdict, then the six charts, then what the input held and what was
skipped.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from weishang.audit.engine import duckdb_engine
from weishang.audit.report_assets.charts import capped_levels, esc, money, pct
from weishang.audit.report_assets.figures import charts_section
from weishang.audit.report_assets.style import STYLESHEET
from weishang.audit.result import AuditResult
from weishang.audit.rules import PackError, load_packs
from weishang.audit.series import compute_series
from weishang.audit.summary import grouped_reasons
from weishang.audit.validate import load_dataset
from weishang.audit.verdict import Finding, JurisdictionVerdict

SERIES_KEYS = ("net_cash_histogram", "reward_lorenz")
JURISDICTION_ORDER = ("CN", "US", "EU", "UK")
VERDICT_LABELS = {
    "compliant": "Compliant",
    "at_risk": "At risk",
    "violation": "Violation",
    "insufficient_data": "Cannot tell",
}
RESULT_LABELS = {
    "violation": "✗ Violation",
    "at_risk": "! At risk",
    "cannot_tell": "? Cannot tell",
    "pass": "✓ Pass",
    "not_applicable": "– Not applicable",
}
RESULT_ORDER = {"violation": 0, "at_risk": 1, "cannot_tell": 2, "pass": 3, "not_applicable": 4}
OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "=", "!=": "≠"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CJK_TERM = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff、]*")


def write_report(
    result: AuditResult, path: str | Path, series: dict[str, Any] | None = None
) -> None:
    """Write the report for ``result`` to ``path``.

    The net-cash histogram and the Lorenz curve are taken from ``result.indicators`` when the
    audit computed them, else from ``series`` (``weishang.audit.series.compute_series``), else
    recomputed from the export named in ``result.input.source`` when it can still be read.
    """
    Path(path).write_text(render_report(result, series), encoding="utf-8")


def render_report(result: AuditResult, series: dict[str, Any] | None = None) -> str:
    found = member_series(result, series)
    i, inp = result.indicators, result.input
    cur = inp.currency or "(currency not stated)"
    title = inp.name or Path(inp.source).name or "export"
    sections = [
        _header(result, title, cur),
        _alert(result),
        _glance(result, cur),
        _findings(result),
        charts_section(i, found, cur),
        _input(result),
        _appendix(i),
        _footer(result),
    ]
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Audit: {esc(title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n<body>\n"
        '<div class="band"></div>\n<main class="page">\n'
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )


def member_series(result: AuditResult, series: dict[str, Any] | None) -> dict[str, Any]:
    """The per-member series: from the indicators, from ``series``, or from the source."""
    found: dict[str, Any] = {}
    for key in SERIES_KEYS:
        if key in result.indicators:
            found[key] = result.indicators[key]
        elif series is not None and key in series:
            found[key] = series[key]
    if len(found) < len(SERIES_KEYS):
        found = _series_from_source(result.input.source) | found
    return found


def _series_from_source(source: str) -> dict[str, Any]:
    """Until the audit itself returns the series: compute them again from the export."""
    if not source or not Path(source).exists():
        return {}
    try:
        return compute_series(duckdb_engine(load_dataset(source)))
    except Exception:  # the report still renders; the two charts say the data is missing
        return {}


# --- formatting -------------------------------------------------------------------------------
def _count(value: Any) -> str:
    return "n/a" if value is None else f"{int(value):,}"


def _value(value: Any, unit: str, currency: str) -> str:
    if value is None:
        return "not measurable"
    if unit == "share":
        return pct(float(value))
    if unit == "money":
        return money(value, currency)
    if unit == "flag" or isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return (
            f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
        )
    return str(value)


def _rule_units() -> dict[tuple[str, str], tuple[str, str]]:
    """(jurisdiction, rule id) → (unit, the pack's currency): how to print a finding's value."""
    return {(p.jurisdiction, r.id): (r.unit, p.currency) for p in load_packs() for r in p.rules}


def _guess_unit(indicator: str) -> str:
    return "share" if indicator.endswith(("_share", "_ratio")) else "number"


def chinese_name(source: str) -> str:
    """The Chinese term a rule's source names (拉人头, 团队计酬…), else the statute's name."""
    terms = CJK_TERM.findall(source)
    named = [t for t in terms if not t.endswith(("条例", "法"))]
    return (named or terms or [""])[0]


def _ordered(result: AuditResult) -> list[JurisdictionVerdict]:
    codes = sorted(
        result.jurisdictions,
        key=lambda c: (JURISDICTION_ORDER.index(c) if c in JURISDICTION_ORDER else 99, c),
    )
    return [result.jurisdictions[c] for c in codes]


def _verdict_class(v: JurisdictionVerdict) -> str:
    return "criminal" if v.severity == "criminal" else v.verdict


def _tripped(v: JurisdictionVerdict) -> list[Finding]:
    return [f for f in v.findings if f.result in ("violation", "at_risk")]


# --- sections ---------------------------------------------------------------------------------
def _header(result: AuditResult, title: str, cur: str) -> str:
    i, inp = result.indicators, result.input
    meta = [
        ("Source", inp.source),
        ("Period", inp.period or "not stated"),
        ("Currency", inp.currency or "not stated"),
        ("Time zone", f"{inp.time_zone} ({inp.time_zone_from})"),
    ]
    figures = [
        (_count(i.get("members")), "members"),
        (_count(i.get("depth")), "levels deep"),
        (money(i.get("sales_total"), cur), "sales"),
        (money(i.get("rewards_total"), cur), "rewards paid"),
    ]
    return (
        '<header><p class="kicker">Channel audit · pyramid or honest channel</p>'
        f'<h1>{esc(title)}</h1><dl class="meta">'
        + "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in meta)
        + '</dl><p class="figures">'
        + "".join(f"<span><b>{esc(n)}</b> {esc(w)}</span>" for n, w in figures)
        + "</p></header>"
    )


def _alert(result: AuditResult) -> str:
    """In red, before anything else: an export the audit could not judge, and why."""
    inp = result.input
    unsure = [v for v in _ordered(result) if v.verdict == "insufficient_data"]
    used = sum(inp.rows.get(n, 0) for n in ("transactions", "rewards"))
    if not unsure and used:
        return ""
    parts: list[str] = []
    if not used:
        parts.append(
            "<p>Not one transaction or reward in this export could be used: every money row "
            "was skipped or there were none. Nothing below says the channel is honest.</p>"
        )
    for codes, reasons in grouped_reasons(unsure):
        parts.append(
            f"<p><b>{esc(', '.join(codes))}</b></p><ul>"
            + "".join(f"<li>{esc(reason)}</li>" for reason in reasons)
            + "</ul>"
        )
    items = "".join(parts)
    return (
        '<section id="alert" class="alert" role="alert"><h2>The audit cannot tell</h2>'
        "<p>This export does not let the audit say whether the channel is honest, for the "
        "reasons below. Where the verdict is “Cannot tell”, the findings further down are "
        "not a clean bill.</p>"
        f"{items}</section>"
    )


def _verdict_card(v: JurisdictionVerdict) -> str:
    tripped = _tripped(v)
    severity = f'<span class="severity">{esc(v.severity)}</span>' if v.severity else ""
    if v.verdict == "insufficient_data":
        why = v.reasons[0] if v.reasons else ""
    elif tripped:
        rules = "rule" if len(v.findings) == 1 else "rules"
        ids = ", ".join(f.rule_id for f in tripped)
        why = f"{len(tripped)} of {len(v.findings)} {rules} tripped: {ids}"
    else:
        why = f"No rule tripped ({len(v.findings)} checked)."
    return (
        f'<div class="verdict {esc(_verdict_class(v))}" data-jurisdiction="{esc(v.jurisdiction)}">'
        f'<div class="code">{esc(v.jurisdiction)} · {esc(v.name)}</div>'
        f'<div class="label">{esc(VERDICT_LABELS.get(v.verdict, v.verdict))}{severity}</div>'
        f'<p class="why">{esc(why)}</p></div>'
    )


def _glance(result: AuditResult, cur: str) -> str:
    i = result.indicators
    lost = i.get("members_lost_money_share")
    median = i.get("median_net_cash")
    outcomes = [
        (pct(lost), "of members lost money: they paid in more than they got back.", bool(lost)),
        (money(median, cur), "median net cash of a member.", (median or 0) < 0),
        (
            pct(i.get("top1_reward_share")),
            f"of all rewards went to the top 1% of members "
            f"(top 10%: {pct(i.get('top10_reward_share'))}).",
            False,
        ),
    ]
    rows = "".join(
        f'<div class="outcome"><div class="num{" bad" if bad else ""}">{esc(n)}</div>'
        f"<p>{esc(text)}</p></div>"
        for n, text, bad in outcomes
    )
    cards = "".join(_verdict_card(v) for v in _ordered(result))
    return (
        '<section id="verdicts"><h2>Verdicts</h2><p class="lead">One verdict per jurisdiction, '
        "from the rules each applies; beside them, what happened to the people who joined."
        f'</p><div class="glance"><div class="verdicts">{cards}</div>'
        f'<div class="outcomes" id="outcomes"><h3>Participant outcomes</h3>{rows}'
        f"{_comparison(result)}</div></div></section>"
    )


def _comparison(result: AuditResult) -> str:
    """The historical figures, only beside an outcome they compare with: a measured share
    of members who lost money, from an export the audit could judge."""
    lost = result.indicators.get("members_lost_money_share")
    judged = all(v.verdict != "insufficient_data" for v in result.jurisdictions.values())
    if lost is None or not judged:
        return ""
    return (
        '<p class="compare">For comparison: in FTC v. BurnLounge 93.84% of participants never '
        "recovered what they paid; an FTC staff review (2024) of 70 income disclosures found "
        "most participants earned at most 1,000 USD a year before expenses.</p>"
    )


def _finding_row(f: Finding, units: dict[tuple[str, str], tuple[str, str]], code: str) -> str:
    unit, currency = units.get((code, f.rule_id), (_guess_unit(f.indicator), ""))
    zh = chinese_name(f.source)
    zh_html = f'<span class="zh" lang="zh">{esc(zh)}</span>' if zh else ""
    muted = " muted" if f.result in ("pass", "not_applicable") else ""
    threshold = f"{OPS.get(f.op, f.op)} {_value(f.threshold, unit, currency)}"
    return (
        f'<tr class="{esc(f.result)}{muted}" data-rule="{esc(f.rule_id)}">'
        f'<td class="result mark {esc(f.result)}">{esc(RESULT_LABELS.get(f.result, f.result))}</td>'
        f'<td><span class="rule">{esc(f.rule_id)}</span>{zh_html}'
        f'<span class="indicator">{esc(f.indicator)}</span></td>'
        f'<td class="num" data-label="Value">{esc(_value(f.value, unit, currency))}</td>'
        f'<td class="num" data-label="Trips when">{esc(threshold)}</td>'
        f'<td><p class="evidence">{esc(f.evidence)}</p>'
        f'<p class="source">Source: {esc(f.source)}</p></td></tr>'
    )


def _findings(result: AuditResult) -> str:
    try:
        units = _rule_units()
    except (PackError, OSError):  # a pack that does not load: guess units from the names
        units = {}
    parts = []
    for v in _ordered(result):
        findings = sorted(v.findings, key=lambda f: RESULT_ORDER.get(f.result, 9))
        severity = f'<span class="pill criminal">{esc(v.severity)}</span>' if v.severity else ""
        if v.severity == "administrative":
            severity = f'<span class="pill violation">{esc(v.severity)}</span>'
        rows = "".join(_finding_row(f, units, v.jurisdiction) for f in findings)
        parts.append(
            f'<div class="jurisdiction" id="findings-{esc(v.jurisdiction)}">'
            f"<h3>{esc(v.jurisdiction)} · {esc(v.name)}"
            f'<span class="pill {esc(v.verdict)}">{esc(VERDICT_LABELS.get(v.verdict, v.verdict))}'
            f"</span>{severity}</h3>"
            '<div class="table-wrap"><table class="findings"><thead><tr><th>Result</th>'
            '<th>Rule · indicator</th><th class="num">Value</th><th class="num">Trips when</th>'
            f"<th>Evidence and source</th></tr></thead><tbody>{rows}</tbody></table></div></div>"
        )
    return (
        '<section id="findings"><h2>Findings</h2><p class="lead">Every rule of every '
        "jurisdiction pack, tripped rules first. Money values are in the pack's currency, "
        "converted at the pack's approximate rate where the export uses another.</p>"
        + "".join(parts)
        + "</section>"
    )


# --- input, appendix, footer ------------------------------------------------------------------
def _problem_rows(result: AuditResult) -> str:
    out = []
    for p in result.input.problems:
        rows = ", ".join(str(r) for r in p.rows)
        if p.count > len(p.rows) and p.rows:
            rows += f" and {p.count - len(p.rows):,} more"
        message = p.message + (f" (e.g. {', '.join(p.values)})" if p.values else "")
        out.append(
            f"<tr><td>{esc(p.file)}</td><td>{esc(rows or '–')}</td><td>{esc(p.column or '–')}"
            f'</td><td>{esc(message)}</td><td class="num">{p.count:,}</td>'
            f"<td>{esc(str(p.action).replace('_', ' '))}</td></tr>"
        )
    return "".join(out)


def _input(result: AuditResult) -> str:
    inp = result.input
    tables = "".join(
        f'<tr><td>{esc(name)}</td><td class="num">{rows:,}</td>'
        f'<td class="num">{inp.skipped_rows.get(name, 0):,}</td></tr>'
        for name, rows in inp.rows.items()
    )
    if inp.problems:
        problems = (
            '<div class="table-wrap"><table class="problems"><thead><tr><th>File</th>'
            '<th>Row</th><th>Column</th><th>Problem</th><th class="num">Count</th>'
            f"<th>What the audit did</th></tr></thead><tbody>{_problem_rows(result)}"
            "</tbody></table></div>"
        )
    else:
        problems = '<p class="ok">No problem found in the input.</p>'
    return (
        '<section id="input"><h2>The input</h2><p class="lead">What the export held, what '
        "could be used, and every problem found (rows are data rows: a spreadsheet shows row N "
        "on line N + 1).</p>"
        '<div class="table-wrap"><table class="rows"><thead><tr><th>Table</th>'
        '<th class="num">Rows used</th><th class="num">Rows skipped</th></tr></thead>'
        f'<tbody>{tables}</tbody></table></div><h3 class="problems-title">Problems</h3>'
        f"{problems}</section>"
    )


def _appendix(i: dict[str, Any]) -> str:
    rows = []
    for key, value in i.items():
        if key in SERIES_KEYS:
            continue
        if key == "members_per_level" and isinstance(value, dict):
            value = capped_levels({str(k): int(v) for k, v in value.items()})
        elif isinstance(value, dict) and len(value) > 60:  # a person reads no more
            kept = dict(list(value.items())[:60])
            value = kept | {"…": f"{len(value) - 60:,} more in --format json"}
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        rows.append(f'<tr><td class="indicator">{esc(key)}</td><td>{esc(shown)}</td></tr>')
    return (
        '<section id="indicators"><details><summary>All indicators, as in '
        '<code>--format json</code></summary><div class="table-wrap"><table><tbody>'
        + "".join(rows)
        + "</tbody></table></div></details></section>"
    )


def _footer(result: AuditResult) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<footer>Generated by <code>weishang audit</code> on the {esc(result.engine)} engine, "
        f"{when}. Rules, thresholds and sources come from the jurisdiction packs shipped with "
        "the audit. This is a screening of exported data against published rules, not a "
        "legal finding.</footer>"
    )
