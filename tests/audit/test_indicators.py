from __future__ import annotations

from pathlib import Path

import pytest

from weishang.audit import audit
from weishang.audit.indicators import AuditParams


@pytest.fixture
def indicators(export: Path) -> dict[str, object]:
    return audit(export).indicators


def test_structure_levels_count_from_one_at_the_root(indicators: dict[str, object]) -> None:
    assert indicators["members"] == 4
    assert indicators["roots"] == 1
    assert indicators["depth"] == 3
    assert indicators["members_per_level"] == {"1": 1, "2": 1, "3": 2}
    assert indicators["members_unplaced"] == 0
    assert indicators["growth_per_month"] == {"2024-01": 2, "2024-02": 2}


def test_a_buyer_who_is_a_member_at_the_time_is_a_participant(
    indicators: dict[str, object],
) -> None:
    assert indicators["sales_total"] == 270.0
    assert indicators["sales_to_consumers"] == 160.0
    assert indicators["sales_to_members"] == 110.0
    assert indicators["consumer_sales_share"] == 0.592593
    assert indicators["internal_consumption_share"] == 0.407407


def test_resale_counts_purchases_up_to_the_members_own_consumer_sales(
    indicators: dict[str, object],
) -> None:
    assert indicators["member_purchases_resold_share"] == 0.818182
    assert indicators["unsold_member_purchases"] == 20.0
    assert indicators["eligible_sales_share"] == 0.925926
    assert indicators["personal_consumption_share"] == 0.074074


def test_entry_payments_are_fees_or_purchases_soon_after_joining(
    indicators: dict[str, object],
) -> None:
    assert indicators["fee_payers"] == 1
    assert indicators["entry_payers"] == 3
    assert indicators["entry_payers_share"] == 0.75
    assert indicators["entry_buyers_share"] == 0.5
    assert indicators["first_week_payment_max"] == 80.0
    assert indicators["collected_from_members"] == 160.0


def test_entry_window_is_a_parameter(export: Path) -> None:
    narrow = audit(export, params=AuditParams(entry_window_days=0)).indicators
    assert narrow["entry_payers"] == 0


def test_reward_basis_is_checked_against_behaviour(indicators: dict[str, object]) -> None:
    assert indicators["rewards_total"] == 30.0
    assert indicators["reward_mix_declared"] == {
        "downline_sales": 0.366667,
        "own_sales": 0.3,
        "recruitment": 0.333333,
    }
    # r3 was called downline_sales but its source bought that day; r4 followed a fee
    assert indicators["reward_mix_behaviour"] == {
        "downline_sales": 0.1,
        "fee_share": 0.333333,
        "own_sales": 0.3,
        "purchase_volume": 0.266667,
    }
    assert indicators["relabelled_rewards_share"] == 0.6
    assert indicators["recruitment_reward_share"] == 0.333333
    assert indicators["purchase_based_reward_share"] == 0.266667


def test_rewards_reach_levels_above_their_source(indicators: dict[str, object]) -> None:
    assert indicators["max_levels_above_source"] == 2
    assert indicators["rewards_by_levels_above_source"] == {"1": 13.0, "2": 8.0}
    assert indicators["team_pay_share"] == 0.366667
    assert indicators["entrant_funded_reward_share"] == 0.6
    assert indicators["pay_to_retail_ratio"] == 0.1875


def test_net_cash_follows_who_collected(indicators: dict[str, object]) -> None:
    # a: +100 sale −20 refund −30 purchase +18 rewards; b: −50 fee +30 sale +3;
    # c: −80 purchase, its sale collected by the company, +9; d: 0
    assert indicators["members_lost_money_share"] == 0.5
    assert indicators["median_net_cash"] == -8.5


def test_reward_concentration(indicators: dict[str, object]) -> None:
    assert indicators["top1_reward_share"] == 0.6
    assert indicators["top10_reward_share"] == 0.6
    assert indicators["reward_gini"] == 0.5
    assert indicators["rewarded_members_median_retail_customers"] == 1.0
    assert indicators["fee_or_headcount_basis"] is True


def test_deep_chains_are_walked_past_one_query(tmp_path: Path) -> None:
    # a chain of 20 members (deeper than the joins one query chains) and a two-member cycle
    from tests.audit.conftest import write_export

    members = "member_id,sponsor_id,joined_at\n" + "".join(
        f"m{n},{f'm{n - 1}' if n > 1 else ''},2024-01-01\n" for n in range(1, 21)
    )
    members += "x,y,2024-01-01\ny,x,2024-01-01\n"
    rewards = "reward_id,at,member_id,amount,basis,source_member_id\n"
    for n, (paid, source) in enumerate([(1, 20), (11, 20), (12, 20), (19, 20), (3, 12)]):
        rewards += f"r{n},2024-02-01,m{paid},{n + 1}.00,other,m{source}\n"
    rewards += "r9,2024-02-01,x,1.00,other,y\n"
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\nt1,2024-02-01,sale,m1,c,1.00\n"
    indicators = audit(
        write_export(tmp_path / "x", members=members, transactions=txns, rewards=rewards)
    ).indicators
    assert indicators["depth"] == 20
    assert indicators["members_per_level"] == {str(n): 1 for n in range(1, 21)}
    assert indicators["members_unplaced"] == 2
    assert indicators["rewards_by_levels_above_source"] == {
        "1": 4.0,
        "8": 3.0,
        "9": 7.0,
        "19": 1.0,
    }
    assert indicators["max_levels_above_source"] == 19


def test_a_member_who_never_bought_resold_nothing(tmp_path: Path) -> None:
    from tests.audit.conftest import MEMBERS, TRANSACTIONS, write_export

    members = MEMBERS + "e,a,2024-01-01\n"
    txns = TRANSACTIONS + "t7,2024-02-05,sale,e,x9,50.00,,\n"  # e sells, never buys
    indicators = audit(write_export(tmp_path / "x", members=members, transactions=txns)).indicators
    assert indicators["member_purchases_resold_share"] == 0.818182  # 90 of 110, as without e
    assert indicators["unsold_member_purchases"] == 20.0
