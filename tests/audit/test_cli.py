"""``weishang audit``: exit codes, the exact JSON shape, the readable summary."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from tests.audit.conftest import write_export
from weishang.audit import AuditResult
from weishang.audit.cli import main
from weishang.cli import main as weishang_main

FINDING_KEYS = {"rule_id", "indicator", "value", "op", "threshold", "result", "severity",
                "evidence", "source"}  # fmt: skip


def test_json_has_exactly_indicators_and_jurisdictions(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(export), "--format", "json", "--quiet"]) == 0
    out = capsys.readouterr()
    document = json.loads(out.out)
    assert list(document) == ["indicators", "jurisdictions"]
    assert list(document["jurisdictions"]) == ["CN", "EU", "UK", "US"]
    for verdict in document["jurisdictions"].values():
        assert list(verdict) == ["verdict", "severity", "reasons", "findings", "outcomes"]
        assert verdict["verdict"] in ("compliant", "at_risk", "violation")
        assert all(set(f) == FINDING_KEYS for f in verdict["findings"])
        assert list(verdict["outcomes"]) == [
            "members_lost_money_share", "median_net_cash", "top1_reward_share",
        ]  # fmt: skip
    assert document["jurisdictions"]["CN"]["severity"] == "administrative"
    assert document["jurisdictions"]["US"]["severity"] is None
    assert document["indicators"]["members"] == 4
    assert document["indicators"]["input"]["rows"] == {
        "members": 4, "transactions": 6, "rewards": 4,
    }  # fmt: skip
    assert out.err == ""


def test_json_through_the_weishang_command(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert weishang_main(["audit", str(export), "--format", "json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["indicators"]["depth"] == 3


def test_text_summary_names_verdicts_rules_and_sources(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(export)]) == 0
    out = capsys.readouterr()
    assert "CN China: VIOLATION (administrative)" in out.out
    assert "  ✗ CN.team_pay: 36.7% of rewards by amount went to an upline" in out.out
    assert "      source: 禁止传销条例 (2005) Art. 7(3)" in out.out
    assert "Structure: 4 members, 1 roots, depth 3 (L1:1 L2:1 L3:2)" in out.out
    assert "computing indicators on duckdb: 4 members, 6 transactions, 4 rewards" in out.err


def test_jurisdiction_option_selects_packs(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(export), "--format", "json", "--quiet", "--jurisdiction", "EU"]) == 0
    assert list(json.loads(capsys.readouterr().out)["jurisdictions"]) == ["EU"]


def test_skipped_rows_are_in_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = "member_id,sponsor_id,joined_at\na,,2024-01-01\nb,a,someday\n"
    folder = write_export(tmp_path / "x", members=members)
    assert main([str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Skipped rows: members 1, rewards 2" in out
    assert (
        "  - members.csv, column joined_at: joined_at is empty or not a date (rows 2) [row_skipped]"
        in out
    )


def test_unusable_export_exits_3_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_export(tmp_path / "x", transactions=None)
    assert main([str(folder), "--quiet"]) == 3
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        f"weishang audit: {folder} cannot be audited:\n"
        "  - transactions: no transactions file (.csv, .xlsx or .parquet) in the export [fatal]\n"
    )


def test_missing_path_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope"), "--quiet"]) == 3
    assert "cannot be audited" in capsys.readouterr().err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["x", "--format", "xml"]) == 2
    assert "usage: weishang audit" in capsys.readouterr().err


def test_html_without_the_report_module_exits_2(
    export: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr("weishang.audit.cli.importlib.import_module", missing)
    assert main([str(export), "--html", str(tmp_path / "r.html"), "--quiet"]) == 2
    assert capsys.readouterr() == ("", "HTML report not available yet\n")
    assert not (tmp_path / "r.html").exists()


def test_html_hands_the_result_to_the_report_module(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[tuple[AuditResult, str]] = []
    module = types.ModuleType("weishang.audit.report_html")
    module.write_report = lambda result, path: written.append((result, path))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "weishang.audit.report_html", module)
    target = str(tmp_path / "r.html")
    assert main([str(export), "--html", target, "--quiet"]) == 0
    assert [(r.indicators["members"], p) for r, p in written] == [(4, target)]
