"""The HTML report: one offline file with verdicts, findings, six charts and the input."""

from __future__ import annotations

import dataclasses
import json
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import MEMBERS, TRANSACTIONS, write_export
from weishang.audit import AuditResult, audit
from weishang.audit.cli import main
from weishang.audit.engine import clean_tables, duckdb_engine, spark_engine
from weishang.audit.report_html import chinese_name, money, render_report, write_report
from weishang.audit.series import bin_edges, compute_series
from weishang.audit.validate import load_dataset

CHARTS = ["levels", "growth", "money_sources", "reward_mix", "net_cash", "lorenz"]
REPLICA_NAMES = ["koscot", "amway", "burnlounge", "shanxinhui", "baoyue", "tea_farm"]
# Anything that would make the browser fetch: src/href/action to http(s) or protocol-relative.
EXTERNAL = re.compile(r"""\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base"}
MISSING = "The per-member series is not in this audit result."


class _TagBalance(HTMLParser):
    """Checks that every element is closed in order (SVG shapes may self-close)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def _unbalanced(text: str) -> list[str]:
    parser = _TagBalance()
    parser.feed(text)
    parser.close()
    return parser.errors + [f"<{t}> never closed" for t in parser.stack]


@pytest.fixture(scope="module")
def reports(
    replica_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[AuditResult, str]]:
    out = tmp_path_factory.mktemp("reports")
    found = {}
    for name, folder in replica_dirs.items():
        result = audit(folder)
        series = compute_series(duckdb_engine(load_dataset(folder)))
        write_report(result, out / f"{name}.html", series=series)
        found[name] = (result, (out / f"{name}.html").read_text(encoding="utf-8"))
    return found


@pytest.mark.parametrize("name", REPLICA_NAMES)
def test_each_replica_report_is_one_balanced_html_document(
    reports: dict[str, tuple[AuditResult, str]], name: str
) -> None:
    _, text = reports[name]
    assert text.startswith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    assert text.endswith("</body>\n</html>\n")
    assert text.count("<html") == 1
    assert text.count("<style>") == 1
    assert _unbalanced(text) == []
    assert len(text.encode("utf-8")) < 300_000


@pytest.mark.parametrize("name", REPLICA_NAMES)
def test_the_report_requests_nothing_from_outside(
    reports: dict[str, tuple[AuditResult, str]], name: str
) -> None:
    _, text = reports[name]
    assert EXTERNAL.findall(text) == []
    assert "<script" not in text
    assert "<link" not in text
    assert "<img" not in text
    assert "@import" not in text
    assert "url(" not in text
    assert "default-src 'none'" in text  # and the browser is told to refuse any request


@pytest.mark.parametrize("name", REPLICA_NAMES)
def test_every_verdict_and_every_finding_is_shown(
    reports: dict[str, tuple[AuditResult, str]], name: str
) -> None:
    result, text = reports[name]
    assert list(result.jurisdictions) == ["CN", "EU", "UK", "US"]
    for code, verdict in result.jurisdictions.items():
        card = re.search(rf'<div class="verdict [a-z_]+" data-jurisdiction="{code}">.*?</p></div>',
                         text)  # fmt: skip
        assert card is not None
        label = {"compliant": "Compliant", "at_risk": "At risk", "violation": "Violation"}
        assert f'<div class="label">{label[verdict.verdict]}' in card.group(0)
        for finding in verdict.findings:
            assert text.count(f'data-rule="{finding.rule_id}"') == 1


@pytest.mark.parametrize("name", REPLICA_NAMES)
def test_the_six_charts_are_there_in_order(
    reports: dict[str, tuple[AuditResult, str]], name: str
) -> None:
    _, text = reports[name]
    assert re.findall(r'<svg data-chart="([a-z_]+)"', text) == CHARTS
    assert MISSING not in text


def test_burnlounge_headline_verdicts_and_outcomes(
    reports: dict[str, tuple[AuditResult, str]],
) -> None:
    _, text = reports["burnlounge"]
    assert (
        '<div class="verdict criminal" data-jurisdiction="CN"><div class="code">CN · China</div>'
        '<div class="label">Violation<span class="severity">criminal</span></div>'
    ) in text
    for code in ("US", "EU", "UK"):
        assert f'<div class="verdict violation" data-jurisdiction="{code}">' in text
    assert '<div class="num bad">80.3%</div>' in text  # lost money
    assert '<div class="num bad">−112.90 USD</div>' in text  # median net cash
    assert '<div class="num">29.8%</div>' in text  # top 1% share of rewards
    assert "<b>24,302.30 USD</b> sales" in text
    # the relabelled rewards: declared as downline sales, triggered by members' purchases
    assert "100.0% of rewards by amount were triggered by something other than" in text


def test_tea_farm_is_compliant_everywhere(reports: dict[str, tuple[AuditResult, str]]) -> None:
    _, text = reports["tea_farm"]
    for code in ("CN", "US", "EU", "UK"):
        assert f'<div class="verdict compliant" data-jurisdiction="{code}">' in text
    assert text.count('<p class="why">No rule tripped') == 4
    assert '<div class="num">0.0%</div>' in text
    assert '<div class="num">230.40 CNY</div>' in text
    assert '<span class="severity">' not in text


def test_chinese_rules_show_their_chinese_name(
    reports: dict[str, tuple[AuditResult, str]],
) -> None:
    _, text = reports["baoyue"]
    assert '<span class="rule">CN.team_pay</span><span class="zh" lang="zh">团队计酬</span>' in text
    assert chinese_name("禁止传销条例 (2005) Art. 7(1), 拉人头: rewards") == "拉人头"
    assert chinese_name("直销管理条例 (2005) Art. 14, 24: pay only") == "直销管理条例"
    assert chinese_name("In re Amway, 93 F.T.C. 618 (1979)") == ""


def test_findings_show_value_threshold_evidence_and_source(
    reports: dict[str, tuple[AuditResult, str]],
) -> None:
    _, text = reports["burnlounge"]
    row = re.search(r'<tr class="violation" data-rule="CN.direct_selling">.*?</tr>', text)
    assert row is not None
    assert '<td class="num" data-label="Value">1,109.8%</td>' in row.group(0)
    assert '<td class="num" data-label="Trips when">&gt; 30.0%</td>' in row.group(0)
    assert "Rewards were 1109.8% of sales to outside consumers (limit 30.0%)." in row.group(0)
    assert "Source: 直销管理条例 (2005) Art. 14, 24" in row.group(0)
    money_row = re.search(r'data-rule="CN.criminal_serious_amount">.*?</tr>', text)
    assert money_row is not None  # a money threshold, in the pack's currency
    assert "≥ 2,500,000.00 CNY" in money_row.group(0)


def test_hostile_strings_from_the_export_are_escaped(tmp_path: Path) -> None:
    hostile_kind = "t7,2024-02-05,<img src=x onerror=alert(2)>,a,x3,5.00,,\n"
    folder = write_export(tmp_path / "export", transactions=TRANSACTIONS + hostile_kind)
    (folder / "dataset.json").write_text(
        json.dumps({"name": "<script>alert(1)</script>", "currency": "<b>X</b>"}),
        encoding="utf-8",
    )
    result = audit(folder)
    assert result.input.name == "<script>alert(1)</script>"
    text = render_report(result)
    assert "<script>" not in text
    assert "<b>X</b>" not in text
    assert "<img src=x" not in text
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in text
    assert "<title>Audit: &lt;script&gt;alert(1)&lt;/script&gt;</title>" in text
    assert "<b>270.00 &lt;b&gt;X&lt;/b&gt;</b> sales" in text  # in the currency named
    assert "(e.g. &lt;img src=x onerror=alert(2)&gt;)" in text  # the bad value, in the problems
    assert _unbalanced(text) == []


def test_the_input_section_lists_every_problem(tmp_path: Path) -> None:
    folder = write_export(tmp_path / "export", members=MEMBERS + "e,ghost,2024-03-01\n")
    result = audit(folder)
    text = render_report(result)
    problems = re.search(r'<table class="problems">.*?</table>', text)
    assert problems is not None
    assert len(result.input.problems) >= 1
    for p in result.input.problems:
        assert f"<td>{p.file}</td>" in problems.group(0)
        assert p.message in problems.group(0)
    assert '<tr><td>members</td><td class="num">5</td>' in text


def test_series_on_a_hand_computed_export(export: Path) -> None:
    # net cash: a 100 − 20 − 30 + 8 + 10 = 68; b −50 + 30 + 3 = −17; c −80 + 9 = −71; d 0
    series = compute_series(duckdb_engine(load_dataset(export)))
    hist = series["net_cash_histogram"]
    assert hist["members"] == 4
    assert hist["lost"] == 2
    assert hist["zero"] == 1
    assert hist["lost_share"] == 0.5
    assert (hist["min"], hist["max"]) == (-71.0, 68.0)
    assert hist["edges"][0] == -75.0
    assert hist["edges"][15] == 0.0
    assert len(hist["edges"]) == 30
    assert [k for k, c in enumerate(hist["counts"]) if c] == [0, 11, 15, 28]
    assert (hist["below"], hist["above"]) == (0, 0)
    # rewards: d 0, b 3, c 9, a 18 of 30
    assert series["reward_lorenz"] == {
        "population": [0.0, 0.25, 0.5, 0.75, 1.0],
        "rewards": [0.0, 0.0, 0.1, 0.4, 1.0],
        "members": 4,
    }


def test_series_agree_with_the_indicators_and_stay_small(
    replica_dirs: dict[str, Path],
) -> None:
    for folder in replica_dirs.values():
        result = audit(folder)
        series = compute_series(duckdb_engine(load_dataset(folder)))
        hist = series["net_cash_histogram"]
        assert hist["lost_share"] == result.indicators["members_lost_money_share"]
        assert sum(hist["counts"]) + hist["below"] + hist["above"] == hist["members"]
        assert 0.0 in hist["edges"]
        assert 20 <= len(hist["counts"]) <= 30
        lorenz = series["reward_lorenz"]
        assert lorenz["population"][-1] == 1.0
        assert lorenz["rewards"][-1] == 1.0
        assert len(lorenz["population"]) <= 51
        assert len(json.dumps(series)) < 3_000


def test_bin_edges_put_zero_on_an_edge() -> None:
    assert bin_edges(-42890, 209910, 24) == (-50000, 10000, 26)
    assert bin_edges(10040, 28000, 24) == (0, 1000, 29)
    assert bin_edges(0, 0, 24) == (0, 5000, 1)


def without_series(result: AuditResult) -> AuditResult:
    """The result as an audit that did not compute the per-member series would give it."""
    series = {"net_cash_histogram", "reward_lorenz"}
    return dataclasses.replace(
        result, indicators={k: v for k, v in result.indicators.items() if k not in series}
    )


def test_series_missing_everywhere_leave_a_note_not_a_gap(
    reports: dict[str, tuple[AuditResult, str]],
) -> None:
    result, _ = reports["amway"]
    gone = dataclasses.replace(
        without_series(result), input=dataclasses.replace(result.input, source="/nowhere")
    )
    text = render_report(gone)
    assert re.findall(r'<svg data-chart="([a-z_]+)"', text) == CHARTS
    assert text.count(f">{MISSING}</text>") == 2


def test_series_in_the_indicators_win(reports: dict[str, tuple[AuditResult, str]]) -> None:
    result = without_series(reports["tea_farm"][0])
    lorenz = {"population": [0.0, 0.5, 1.0], "rewards": [0.0, 0.123456, 1.0], "members": 2}
    wired = dataclasses.replace(result, indicators=result.indicators | {"reward_lorenz": lorenz})
    text = render_report(wired, series={"reward_lorenz": None, "net_cash_histogram": None})
    assert "<td class=num>12.3%</td>" in text  # the Lorenz data table, from the indicators
    assert text.count(f">{MISSING}</text>") == 1  # the histogram: None was handed in, so no chart


def test_report_size_does_not_grow_with_members(
    reports: dict[str, tuple[AuditResult, str]],
) -> None:
    # a channel the size of 善心汇 (5.98 M members), ten years of monthly growth, 60 levels
    result, _ = reports["shanxinhui"]
    huge = result.indicators | {
        "members": 10_000_000,
        "members_per_level": {str(k): 166_000 + k for k in range(1, 61)},
        "growth_per_month": {f"{2016 + m // 12}-{m % 12 + 1:02d}": 83_000 for m in range(120)},
    }
    text = render_report(dataclasses.replace(result, indicators=huge))
    assert len(text.encode("utf-8")) < 300_000
    assert _unbalanced(text) == []


def test_money_is_printed_with_the_currency_and_a_true_minus() -> None:
    assert money(-112.9, "USD") == "−112.90 USD"
    assert money(1234567.5, "CNY") == "1,234,567.50 CNY"
    assert money(3, "") == "3.00"
    assert money(None, "USD") == "n/a"


def test_cli_writes_the_report(
    replica_dirs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main([str(replica_dirs["tea_farm"]), "--html", str(out), "--quiet"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "<h1>Honest tea farm</h1>" in text
    assert re.findall(r'<svg data-chart="([a-z_]+)"', text) == CHARTS
    assert MISSING not in text  # the series were computed for the report
    assert capsys.readouterr().out.startswith("Audit of Honest tea farm")


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_series_are_the_same_on_spark(replica_dirs: dict[str, Path], spark_session: Any) -> None:
    def both(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        dataset = load_dataset(folder)
        on_duckdb = compute_series(duckdb_engine(dataset))
        on_spark = compute_series(spark_engine(spark_session, clean_tables(dataset)))
        return on_duckdb, on_spark

    # side by side in one session, as the conformance test runs its audits
    with ThreadPoolExecutor(max_workers=3) as pool:
        found = dict(zip(replica_dirs, pool.map(both, replica_dirs.values()), strict=True))
    for name, (on_duckdb, on_spark) in found.items():
        assert on_spark == on_duckdb, name


def test_a_chain_a_million_levels_deep_makes_a_small_report(export: Path) -> None:
    """A person reads a few dozen levels: past 40 they are summed in ranges, in the chart and
    in the appendix, so the report stays small however deep the tree."""
    result = audit(export)
    deep = {str(level): 1 for level in range(1, 1_000_001)}
    indicators = result.indicators | {
        "members_per_level": deep,
        "depth": 1_000_000,
        "rewards_by_levels_above_source": {str(k): 1.0 for k in range(1, 100_001)},
    }
    html = render_report(dataclasses.replace(result, indicators=indicators))
    assert len(html) < 300_000
    assert "100,001–1,000,000" in html and "41–100" in html
    assert "1,000,000 levels" in html


def test_shares_near_the_ends_are_not_rounded_to_them(export: Path) -> None:
    result = audit(export)
    indicators = result.indicators | {"members_lost_money_share": 0.9997}
    html = render_report(dataclasses.replace(result, indicators=indicators))
    assert "99.97%" in html and "100.0%" not in html.split('id="outcomes"')[1][:400]


def test_an_export_with_no_usable_money_says_so_first_in_red(tmp_path: Path) -> None:
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\nt1,2024-01-02,sale,a,x1,lots\n"
    rewards = "reward_id,at,member_id,amount,basis,source_member_id\n"
    result = audit(write_export(tmp_path / "x", transactions=txns, rewards=rewards))
    html = render_report(result)
    alert = html.index('id="alert"')
    assert alert < html.index('id="verdicts"')
    assert "Not one transaction or reward in this export could be used" in html
    assert html.count("Cannot tell") >= 4
    assert "For comparison: in FTC v. BurnLounge" not in html
