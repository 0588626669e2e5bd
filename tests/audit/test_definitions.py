"""The definitions docs/audit-data.md settles ("Definitions"), one test each."""

from __future__ import annotations

from pathlib import Path

from weishang.audit import audit

from .conftest import write_export

MEMBERS = """member_id,sponsor_id,joined_at,left_at
a,,2024-01-01,
b,a,2024-01-10,2024-03-01
"""
NO_REWARDS = "reward_id,at,member_id,amount,basis,source_member_id\n"


def _net(tmp_path: Path, transactions: str, rewards: str = NO_REWARDS) -> float:
    result = audit(
        write_export(tmp_path, members=MEMBERS, transactions=transactions, rewards=rewards)
    )
    return float(result.indicators["median_net_cash"])


def test_net_cash_counts_purchases_before_joining_and_after_leaving(tmp_path: Path) -> None:
    """b pays 30 before joining, 20 while a member and 10 after leaving: b's net cash is
    -60 (and a's +60, the median of the two is 0; so look at who lost money)."""
    txns = """txn_id,at,kind,seller_id,buyer_id,amount
t1,2024-01-05,sale,a,b,30.00
t2,2024-02-01,sale,a,b,20.00
t3,2024-04-01,sale,a,b,10.00
"""
    result = audit(write_export(tmp_path, members=MEMBERS, transactions=txns, rewards=NO_REWARDS))
    assert result.indicators["members_lost_money_share"] == 0.5  # b, by all 60
    hist = result.indicators["net_cash_histogram"]
    assert hist["edges"][0] <= -60.0
    # only the purchase made while a member is a participant's purchase
    assert result.indicators["sales_to_members"] == 20.0
    assert result.indicators["sales_to_consumers"] == 40.0


def test_top_shares_and_gini_are_over_all_members_top_count_rounded_up(tmp_path: Path) -> None:
    """201 members, one rewarded: the top 1% is ceil(2.01) = 3 members, over all 201 (the
    unrewarded count, at zero), so it holds every reward; the Gini is (n - 1) / n."""
    rows = ["member_id,sponsor_id,joined_at"] + [f"m{i},,2024-01-01" for i in range(201)]
    rewards = (
        "reward_id,at,member_id,amount,basis,source_member_id\nr1,2024-01-02,m0,10.00,other,\n"
    )
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\n"
    result = audit(
        write_export(tmp_path, members="\n".join(rows) + "\n", transactions=txns, rewards=rewards)
    )
    assert result.indicators["top1_reward_share"] == 1.0
    assert result.indicators["reward_gini"] == round(200 / 201, 6)


def test_a_refund_takes_money_back_from_the_refund_rows_own_collector(tmp_path: Path) -> None:
    """t1 is a's sale collected by the company (dropship); the refund row t2 names a as the
    seller who collects: the refund comes out of a's cash, as the row says, whatever t1 was."""
    txns = """txn_id,at,kind,seller_id,buyer_id,amount,ref_txn_id,seller_collects
t1,2024-02-01,sale,a,x1,100.00,,false
t2,2024-02-02,refund,a,x1,40.00,t1,true
"""
    result = audit(write_export(tmp_path, members=MEMBERS, transactions=txns, rewards=NO_REWARDS))
    # a collected nothing (dropship) and paid back 40; b nothing
    assert result.indicators["members_lost_money_share"] == 0.5
    assert result.indicators["median_net_cash"] == -20.0


def test_consumer_share_is_of_gross_sales(tmp_path: Path) -> None:
    """Sales to consumers 100 (20 of it refunded) and to a member 100: the share is 100 of
    200, refunds reported beside it, not netted."""
    txns = """txn_id,at,kind,seller_id,buyer_id,amount,ref_txn_id
t1,2024-02-01,sale,a,x1,100.00,
t2,2024-02-01,sale,a,b,100.00,
t3,2024-02-02,refund,a,x1,20.00,t1
"""
    result = audit(write_export(tmp_path, members=MEMBERS, transactions=txns, rewards=NO_REWARDS))
    assert result.indicators["consumer_sales_share"] == 0.5
    assert result.indicators["sales_total"] == 200.0
    assert result.indicators["refunds_total"] == 20.0


def _fee_before_joining(tmp_path: Path, info: str | None) -> dict[str, object]:
    """b joins at 2024-01-10 00:00 (no zone) and buys from a at 2024-01-09T20:00:00Z."""
    members = "member_id,sponsor_id,joined_at\na,,2024-01-01\nb,a,2024-01-10 00:00\n"
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\nt1,2024-01-09T20:00:00Z,sale,a,b,10.00\n"
    folder = write_export(tmp_path, members=members, transactions=txns, rewards=NO_REWARDS)
    if info is not None:
        (folder / "dataset.json").write_text(info)
    result = audit(folder)
    return {
        "participant_paid": result.indicators["sales_to_members"] == 10.0,
        "entry_payers": result.indicators["entry_payers"],
        "zone": (result.input.time_zone, result.input.time_zone_from),
    }


def test_a_time_without_a_zone_is_the_datasets_clock(tmp_path: Path) -> None:
    """A time without a zone is the wall clock of the dataset's zone (declared, else its
    currency's country's, else UTC); a time with one is converted to that clock. The fee at
    20:00 UTC on 9 January is 04:00 on the 10th in Shanghai: after b joined there, before
    b joined in UTC: a participant's purchase there, a consumer's here."""
    utc = _fee_before_joining(tmp_path / "utc", None)
    assert utc == {
        "participant_paid": False,
        "entry_payers": 1,  # a purchase from a day before joining is an entry payment
        "zone": ("UTC", "no currency or time zone declared"),
    }
    cny = _fee_before_joining(tmp_path / "cny", '{"currency": "CNY"}')
    assert cny["participant_paid"] is True
    assert cny["zone"] == ("Asia/Shanghai", "the country of its currency, CNY")
    declared = _fee_before_joining(
        tmp_path / "ny", '{"currency": "CNY", "timezone": "America/New_York"}'
    )
    assert declared["participant_paid"] is False
    assert declared["zone"] == ("America/New_York", "declared in dataset.json")


def test_members_below_a_sponsor_cycle_get_no_level(tmp_path: Path) -> None:
    members = """member_id,sponsor_id,joined_at
r,,2024-01-01
a,b,2024-01-01
b,a,2024-01-01
c,a,2024-01-02
d,r,2024-01-02
"""
    txns = "txn_id,at,kind,seller_id,buyer_id,amount\n"
    result = audit(write_export(tmp_path, members=members, transactions=txns, rewards=NO_REWARDS))
    assert result.indicators["members_per_level"] == {"1": 1, "2": 1}
    assert result.indicators["members_unplaced"] == 3  # a and b in the cycle, c below it
    assert result.indicators["members"] == 5
