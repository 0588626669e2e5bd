"""The six cases of RULES.md, audited end to end, with the verdicts the authorities reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from weishang.audit import AuditResult, audit


@pytest.fixture(scope="module")
def results(replica_dirs: dict[str, Path]) -> dict[str, AuditResult]:
    return {name: audit(folder) for name, folder in replica_dirs.items()}


def _tripped(result: AuditResult, code: str) -> list[str]:
    return [
        f.rule_id
        for f in result.jurisdictions[code].findings
        if f.result in ("violation", "at_risk")
    ]


def test_koscot_is_a_pyramid_in_the_us(results: dict[str, AuditResult]) -> None:
    us = results["koscot"].jurisdictions["US"]
    assert us.verdict == "violation"
    assert us.severity is None
    assert "US.koscot" in _tripped(results["koscot"], "US")


def test_amway_is_not_a_pyramid_in_the_us(results: dict[str, AuditResult]) -> None:
    assert results["amway"].jurisdictions["US"].verdict == "compliant"
    assert _tripped(results["amway"], "US") == []
    assert results["amway"].jurisdictions["EU"].verdict == "compliant"


def test_burnlounge_is_a_pyramid_in_the_us(results: dict[str, AuditResult]) -> None:
    assert results["burnlounge"].jurisdictions["US"].verdict == "violation"
    assert {"US.koscot", "US.omnitrition", "US.burnlounge"} <= set(
        _tripped(results["burnlounge"], "US")
    )
    indicators = results["burnlounge"].indicators
    assert indicators["reward_mix_declared"] == {"downline_sales": 1.0}
    assert indicators["reward_mix_behaviour"] == {"purchase_volume": 1.0}
    assert indicators["max_levels_above_source"] == 6


def test_shanxinhui_is_a_crime_in_china(results: dict[str, AuditResult]) -> None:
    cn = results["shanxinhui"].jurisdictions["CN"]
    assert cn.verdict == "violation"
    assert cn.severity == "criminal"
    assert _tripped(results["shanxinhui"], "CN") == [
        "CN.recruitment",
        "CN.entry_fee",
        "CN.direct_selling",
        "CN.criminal",
        "CN.criminal_serious",
    ]


def test_baoyue_is_an_administrative_violation_not_a_crime(
    results: dict[str, AuditResult],
) -> None:
    cn = results["baoyue"].jurisdictions["CN"]
    assert cn.verdict == "violation"
    assert cn.severity == "administrative"
    assert _tripped(results["baoyue"], "CN") == ["CN.team_pay"]


def test_tea_farm_is_compliant_everywhere(results: dict[str, AuditResult]) -> None:
    verdicts = {code: v.verdict for code, v in results["tea_farm"].jurisdictions.items()}
    assert verdicts == {"CN": "compliant", "EU": "compliant", "UK": "compliant", "US": "compliant"}
    assert all(v.severity is None for v in results["tea_farm"].jurisdictions.values())


def test_pyramids_are_pyramids_in_the_eu_and_uk(results: dict[str, AuditResult]) -> None:
    for name in ("koscot", "burnlounge", "shanxinhui"):
        assert results[name].jurisdictions["EU"].verdict == "violation"
        assert results[name].jurisdictions["UK"].verdict == "violation"


def test_outcomes_are_reported_beside_every_verdict(results: dict[str, AuditResult]) -> None:
    burnlounge = results["burnlounge"]
    for verdict in burnlounge.jurisdictions.values():
        assert verdict.outcomes == {
            "members_lost_money_share": burnlounge.indicators["members_lost_money_share"],
            "median_net_cash": burnlounge.indicators["median_net_cash"],
            "top1_reward_share": burnlounge.indicators["top1_reward_share"],
        }
    assert burnlounge.indicators["members_lost_money_share"] > 0.5
    assert results["tea_farm"].indicators["members_lost_money_share"] == 0.0


def test_replicas_are_deterministic(replica_dirs: dict[str, Path], tmp_path: Path) -> None:
    from weishang.audit.replicas import REPLICAS

    again = REPLICAS["baoyue"]().write(tmp_path / "again")
    for name in ("members.csv", "transactions.csv", "rewards.csv"):
        assert (again / name).read_bytes() == (replica_dirs["baoyue"] / name).read_bytes()
