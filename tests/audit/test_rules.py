"""Every rule in every pack: one case that trips it and one that does not."""

from __future__ import annotations

from typing import Any

import pytest

from weishang.audit.rules import Condition, Pack, PackError, Rule, load_packs, parse_pack
from weishang.audit.verdict import evaluate_rule, judge

PACKS = {pack.jurisdiction: pack for pack in load_packs()}
RULES = [(pack, rule) for pack in PACKS.values() for rule in pack.rules]
IDS = [rule.id for _, rule in RULES]

# A channel that trips nothing anywhere: the honest baseline every case starts from.
HONEST: dict[str, Any] = {
    "members": 10,
    "depth": 1,
    "fee_or_headcount_basis": False,
    "recruitment_reward_share": 0.0,
    "fee_payers": 0,
    "fee_payers_share": 0.0,
    "entry_buyers_share": 0.0,
    "entry_payers_share": 0.0,
    "team_pay_share": 0.0,
    "max_levels_above_source": 0,
    "pay_to_retail_ratio": 0.15,
    "rewards_total": 100.0,
    "collected_from_members": 0.0,
    "entrant_funded_reward_share": 0.0,
    "purchase_based_reward_share": 0.0,
    "internal_consumption_share": 0.0,
    "consumer_sales_share": 1.0,
    "eligible_sales_share": 1.0,
    "personal_consumption_share": 0.0,
    "member_purchases_resold_share": None,
    "rewarded_members_median_retail_customers": 12.0,
    "buybacks_total": 0.0,
    "unsold_member_purchases": 0.0,
    "first_week_payment_max": 0.0,
    "members_lost_money_share": 0.0,
    "median_net_cash": 10.0,
    "top1_reward_share": 0.1,
}


def _value(op: str, threshold: Any, *, trips: bool) -> Any:
    """A value on the tripping side of ``op threshold``, or just on the other side."""
    if isinstance(threshold, bool):
        return threshold if trips else not threshold
    step = 1 if isinstance(threshold, int) and threshold >= 1 else 0.01
    inside = {">": threshold + step, ">=": threshold, "<": threshold - step, "<=": threshold,
              "==": threshold, "!=": threshold + step}  # fmt: skip
    outside = {">": threshold, ">=": threshold - step, "<": threshold, "<=": threshold + step,
               "==": threshold + step, "!=": threshold}  # fmt: skip
    return (inside if trips else outside)[op]


def _case(pack: Pack, rule: Rule, *, trips: bool) -> dict[str, Any]:
    indicators = dict(HONEST)
    for condition in rule.when:
        indicators[condition.indicator] = _value(condition.op, condition.threshold, trips=True)
    indicators[rule.indicator] = _value(rule.op, rule.threshold, trips=trips)
    return indicators


def test_every_pack_is_shipped_and_every_rule_cites_a_source() -> None:
    assert sorted(PACKS) == ["CN", "EU", "UK", "US"]
    assert len(RULES) == 20
    assert all(rule.source and rule.evidence for _, rule in RULES)


@pytest.mark.parametrize(("pack", "rule"), RULES, ids=IDS)
def test_rule_trips(pack: Pack, rule: Rule) -> None:
    finding = evaluate_rule(rule, _case(pack, rule, trips=True), pack, pack.currency)
    assert finding.result == rule.outcome
    assert finding.rule_id == rule.id
    assert finding.source == rule.source
    assert finding.severity == rule.severity
    assert "{" not in finding.evidence
    assert finding.evidence.endswith(".")


@pytest.mark.parametrize(("pack", "rule"), RULES, ids=IDS)
def test_rule_does_not_trip(pack: Pack, rule: Rule) -> None:
    finding = evaluate_rule(rule, _case(pack, rule, trips=False), pack, pack.currency)
    assert finding.result == "pass"
    assert finding.severity is None


@pytest.mark.parametrize(
    ("pack", "rule"), [(p, r) for p, r in RULES if r.when], ids=[r.id for _, r in RULES if r.when]
)
def test_rule_does_not_apply_when_its_conditions_fail(pack: Pack, rule: Rule) -> None:
    indicators = _case(pack, rule, trips=True)
    first = rule.when[0]
    indicators[first.indicator] = _value(first.op, first.threshold, trips=False)
    assert evaluate_rule(rule, indicators, pack, pack.currency).result == "not_applicable"


def test_honest_baseline_is_compliant_in_every_pack() -> None:
    for pack in PACKS.values():
        verdict = judge(pack, HONEST, pack.currency)
        assert (verdict.verdict, verdict.severity) == ("compliant", None)


def test_cn_severity_is_criminal_only_with_the_criminal_rule() -> None:
    cn = PACKS["CN"]
    team_pay = dict(HONEST, team_pay_share=0.2, max_levels_above_source=1)
    assert (judge(cn, team_pay).verdict, judge(cn, team_pay).severity) == (
        "violation",
        "administrative",
    )
    organised = dict(team_pay, members=30, depth=3, fee_or_headcount_basis=True)
    assert judge(cn, organised).severity == "criminal"
    # team pay on genuine sales alone is not a crime, however large the tree
    genuine = dict(team_pay, members=5000, depth=6)
    assert judge(cn, genuine).severity == "administrative"


def test_money_thresholds_convert_the_export_currency() -> None:
    uk = PACKS["UK"]
    rule = next(r for r in uk.rules if r.id == "UK.trading_schemes")
    # 250 USD at 0.79 is 197.50 GBP: under the 200 GBP limit
    finding = evaluate_rule(rule, dict(HONEST, first_week_payment_max=250.0), uk, "USD")
    assert (finding.result, finding.value) == ("pass", 197.5)
    assert finding.evidence == (
        "A participant paid up to 197.50 GBP in their first 7 days (limit 200.00 GBP) "
        "(converted from USD at 0.79)."
    )
    finding = evaluate_rule(rule, dict(HONEST, first_week_payment_max=300.0), uk, "USD")
    assert (finding.result, finding.value) == ("violation", 237.0)


def test_unmeasurable_indicator_trips_only_where_the_pack_says_so() -> None:
    cn = PACKS["CN"]
    rule = next(r for r in cn.rules if r.id == "CN.direct_selling")
    finding = evaluate_rule(rule, dict(HONEST, pay_to_retail_ratio=None), cn)
    assert finding.result == "violation"
    assert finding.evidence == (
        "Rewards were paid but there were no sales to outside consumers to pay them from."
    )
    us = PACKS["US"]
    resale = next(r for r in us.rules if r.id == "US.amway_resale")
    assert evaluate_rule(resale, HONEST, us).result == "pass"


def test_a_rule_without_a_source_is_refused() -> None:
    data = {
        "jurisdiction": "XX",
        "name": "Nowhere",
        "currency": "USD",
        "rules": [
            {
                "id": "XX.r",
                "indicator": "members",
                "op": ">",
                "threshold": 1,
                "outcome": "violation",
                "evidence": "e",
            }
        ],
    }
    with pytest.raises(PackError, match="every rule cites its source"):
        parse_pack(data)


def test_condition_with_unknown_op_is_refused() -> None:
    data = {
        "jurisdiction": "XX",
        "name": "Nowhere",
        "currency": "USD",
        "rules": [
            {
                "id": "XX.r",
                "indicator": "members",
                "op": ">",
                "threshold": 1,
                "outcome": "violation",
                "evidence": "e",
                "source": "s",
                "when": [{"indicator": "depth", "op": "~", "threshold": 1}],
            }
        ],
    }
    with pytest.raises(PackError, match="unknown op"):
        parse_pack(data)
    assert Condition("depth", ">", 1).unit == "number"
