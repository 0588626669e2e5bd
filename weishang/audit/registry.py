"""Every indicator the audit computes, by name: its unit and what it measures, in one place.

The packs name indicators from here (``rules.parse_pack`` refuses any other name, in a rule, a
condition or an evidence sentence), the report and the summary label them from here, and a
test holds ``compute_indicators`` to exactly these names. Adding an indicator starts here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str  # count | share | money | number | flag | table (a mapping, by level, month ...)
    meaning: str


_ALL = (
    Indicator("members", "count", "usable members"),
    Indicator("roots", "count", "members with no sponsor"),
    Indicator("depth", "count", "levels of the deepest sponsor chain"),
    Indicator("members_per_level", "table", "members at each level of the sponsor tree"),
    Indicator("members_unplaced", "count", "members in or below a sponsor cycle (no level)"),
    Indicator("growth_per_month", "table", "members joining in each month"),
    Indicator("sales_total", "money", "sales, less refunds of sales"),
    Indicator("sales_to_consumers", "money", "net sales to buyers who were not members then"),
    Indicator("sales_to_members", "money", "net sales to buyers who were members then"),
    Indicator("consumer_sales_share", "share", "share of net sales to outside consumers"),
    Indicator("internal_consumption_share", "share", "share of net sales to members"),
    Indicator("member_purchases_resold_share", "share", "members' purchases they resold"),
    Indicator("unsold_member_purchases", "money", "members' purchases they did not resell"),
    Indicator("eligible_sales_share", "share", "sales that count toward pay (Amway/Koscot)"),
    Indicator("personal_consumption_share", "share", "members' purchases for their own use"),
    Indicator("fees_total", "money", "fees paid"),
    Indicator("buybacks_total", "money", "stock bought back from members"),
    Indicator("refunds_total", "money", "refunds"),
    Indicator("collected_from_members", "money", "fees and purchases paid by members"),
    Indicator("fee_payers", "count", "members who paid a fee"),
    Indicator("fee_payers_share", "share", "share of members who paid a fee"),
    Indicator("entry_payers", "count", "members who paid or bought in the entry window"),
    Indicator("entry_payers_share", "share", "share of members with an entry payment"),
    Indicator("entry_buyers_share", "share", "share of members who bought in the entry window"),
    Indicator("first_week_payment_max", "money", "most a member paid in the first week"),
    Indicator(
        "rewarded_members_median_retail_customers",
        "number",
        "median outside customers of a rewarded member",
    ),
    Indicator("rewards_total", "money", "rewards paid"),
    Indicator("rewards_count", "count", "rewards paid, in rows"),
    Indicator("reward_mix_declared", "table", "rewards by the operator's own label"),
    Indicator("reward_mix_behaviour", "table", "rewards by what triggered them"),
    Indicator("relabelled_rewards_share", "share", "rewards whose label behaviour overrode"),
    Indicator("recruitment_reward_share", "share", "rewards triggered by recruiting"),
    Indicator("purchase_based_reward_share", "share", "rewards triggered by members' purchases"),
    Indicator("team_pay_share", "share", "rewards paid to an upline of the trigger"),
    Indicator("max_levels_above_source", "count", "most levels a reward reached above its source"),
    Indicator("rewards_by_levels_above_source", "table", "rewards by levels above the source"),
    Indicator("entrant_funded_reward_share", "share", "rewards funded by entrants' payments"),
    Indicator("pay_to_retail_ratio", "share", "rewards over sales to outside consumers"),
    Indicator("members_lost_money_share", "share", "share of members whose net cash is negative"),
    Indicator("median_net_cash", "money", "median member's net cash"),
    Indicator("top1_reward_share", "share", "rewards taken by the top 1% of members"),
    Indicator("top10_reward_share", "share", "rewards taken by the top 10% of members"),
    Indicator("reward_gini", "number", "Gini coefficient of rewards over members"),
    Indicator("fee_or_headcount_basis", "flag", "any pay from fees or headcount"),
)
# the report's series, computed beside the indicators (``series.py``)
SERIES = (
    Indicator("net_cash_histogram", "table", "members by net cash"),
    Indicator("reward_lorenz", "table", "the Lorenz curve of rewards"),
)
INDICATORS: dict[str, Indicator] = {i.name: i for i in _ALL}
NAMES = frozenset(INDICATORS)
