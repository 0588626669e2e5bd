"""The report's six figures: a title, the finding in one sentence, the chart, how to read it,
and the figures behind it (a collapsed table, so a reader can check every bar)."""

from __future__ import annotations

from typing import Any

from weishang.audit.report_assets import charts
from weishang.audit.report_assets.charts import esc, money, pct


def _figure(title: str, takeaway: str, svg: str, caption: str, data: str, extra: str = "") -> str:
    return (
        f'<figure><h3>{esc(title)}</h3><p class="takeaway">{esc(takeaway)}</p>{svg}{extra}'
        f"<figcaption>{esc(caption)}</figcaption>{data}</figure>"
    )


def _data_table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(
        f"<th{' class=num' if k >= numeric_from else ''}>{esc(h)}</th>"
        for k, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if k >= numeric_from else ''}>{esc(c)}</td>" for k, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return (
        '<details><summary>Data</summary><div class="table-wrap"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _levels_figure(i: dict[str, Any]) -> str:
    every_level = {str(k): int(v) for k, v in (i.get("members_per_level") or {}).items()}
    total = sum(every_level.values())
    takeaway = "No member could be placed in a sponsor tree."
    if every_level:
        biggest = max(every_level, key=lambda k: every_level[k])
        takeaway = (
            f"{len(every_level):,} levels; the largest, level {biggest}, holds "
            f"{pct(every_level[biggest] / total)} of the members."
        )
    per_level = charts.capped_levels(every_level)
    caption = "Level 1 is a root (a member with no sponsor); level 2 its recruits, and so on."
    if i.get("members_unplaced"):
        caption += f" {i['members_unplaced']:,} members sit in a sponsor cycle and have no level."
    rows = [[k, f"{v:,}", pct(v / total)] for k, v in sorted(per_level.items(), key=_level_key)]
    return _figure(
        "Members by level",
        takeaway,
        charts.levels_chart(per_level),
        caption,
        _data_table(["Level", "Members", "Share"], rows),
    )


def _level_key(item: tuple[str, int]) -> int:
    first = item[0].split("–")[0].replace(",", "")
    return int(first) if first.isdigit() else 0


def _growth_figure(i: dict[str, Any]) -> str:
    growth = {str(k): int(v) for k, v in (i.get("growth_per_month") or {}).items()}
    takeaway = "No joining dates."
    if growth:
        busiest = max(growth, key=lambda k: growth[k])
        takeaway = (
            f"{sum(growth.values()):,} members joined over {len(growth)} month"
            f"{'s' if len(growth) != 1 else ''}; the busiest, {busiest}, brought "
            f"{growth[busiest]:,}."
        )
    return _figure(
        "Growth over time",
        takeaway,
        charts.growth_chart(growth),
        "Members by the month they joined (months with no new member shown as empty).",
        _data_table(
            ["Month", "Members joined"], [[k, f"{v:,}"] for k, v in sorted(growth.items())]
        ),
    )


def _money_figure(i: dict[str, Any], cur: str) -> str:
    consumers = float(i.get("sales_to_consumers") or 0)
    purchases = float(i.get("sales_to_members") or 0)
    fees = float(i.get("fees_total") or 0)
    rewards = float(i.get("rewards_total") or 0)
    money_in = consumers + purchases + fees
    share = (lambda v: pct(v / money_in)) if money_in else (lambda v: "n/a")
    takeaway = f"{share(consumers)} of the money came from outside consumers."
    if money_in and rewards:
        takeaway += f" Rewards paid out equal {pct(rewards / money_in)} of all money in."
    items = [
        (charts.GOOD, "Sales to outside consumers", consumers),
        (charts.AMBER, "Purchases by members", purchases),
        (charts.BAD, "Fees paid by members", fees),
        (charts.NAVY, "Rewards paid to members", rewards),
    ]
    legend = charts.legend(
        [
            (c, n, f"{money(v, cur)} · {share(v)}" if k < 3 else money(v, cur))
            for k, (c, n, v) in enumerate(items)
        ]
    )
    rows = [[n, money(v, cur), share(v) if k < 3 else ""] for k, (_, n, v) in enumerate(items)]
    return _figure(
        "Where the money came from",
        takeaway,
        charts.money_chart(consumers, purchases, fees, rewards),
        "A buyer is a member when their id is a member's at the time of the sale, whatever the "
        "export calls them. Shares are of all money in (sales and fees).",
        _data_table(["Flow", "Amount", "Share of money in"], rows),
        legend,
    )


def _mix_figure(i: dict[str, Any]) -> str:
    declared = i.get("reward_mix_declared") or {}
    behaviour = i.get("reward_mix_behaviour") or {}
    relabelled = i.get("relabelled_rewards_share")
    if not declared and not behaviour:
        takeaway = "No rewards were paid."
    elif relabelled:
        takeaway = (
            f"{pct(relabelled)} of rewards by amount were triggered by something other than "
            "the basis the operator declared."
        )
    else:
        takeaway = "Every reward matches the basis the operator declared."
    order = charts.basis_order(declared, behaviour)
    legend = charts.legend(
        [
            (
                charts.basis_style(b)[1],
                charts.basis_style(b)[0],
                f"declared {pct(declared.get(b) or 0)} · by behaviour {pct(behaviour.get(b) or 0)}",
            )
            for b in order
        ]
    )
    rows = [
        [charts.basis_style(b)[0], pct(declared.get(b) or 0), pct(behaviour.get(b) or 0)]
        for b in order
    ]
    return _figure(
        "Reward mix",
        takeaway,
        charts.reward_mix_chart(declared, behaviour),
        "Shares of all rewards by amount. 'By behaviour' is what the data shows triggered each "
        "reward: a reward on a recruit's purchase is purchase-based, whatever it is called.",
        _data_table(["Basis", "Declared", "By behaviour"], rows),
        legend,
    )


def _net_cash_figure(i: dict[str, Any], hist: dict[str, Any] | None, cur: str) -> str:
    lost = i.get("members_lost_money_share")
    takeaway = (
        f"{pct(lost)} of members lost money; the median member's net cash was "
        f"{money(i.get('median_net_cash'), cur)}."
    )
    caption = (
        "Net cash per member = rewards + sales the member collected + buy-backs and refunds "
        f"received − purchases − fees{f', in {cur}' if cur else ''}. Red: members who lost money."
    )
    if hist is None:
        svg = charts.empty("net_cash", "The per-member series is not in this audit result.")
        return _figure("Members' net cash", takeaway, svg, caption, "")
    edges = hist["edges"]
    if hist.get("zero"):
        takeaway += (
            f" {hist['zero']:,} ({pct(hist['zero'] / hist['members'])}) ended at exactly zero."
        )
    if hist.get("below") or hist.get("above"):
        caption += " The paler bars at the ends gather the few members beyond the range shown."
    rows = []
    if hist.get("below"):
        rows.append(["", money(edges[0], cur), f"{hist['below']:,}"])
    rows += [
        [money(edges[k], cur), money(edges[k + 1], cur), f"{c:,}"]
        for k, c in enumerate(hist["counts"])
    ]
    if hist.get("above"):
        rows.append([money(edges[-1], cur), "", f"{hist['above']:,}"])
    return _figure(
        "Members' net cash",
        takeaway,
        charts.net_cash_chart(hist),
        caption,
        _data_table(["From", "To (not included)", "Members"], rows, numeric_from=0),
    )


def _lorenz_figure(i: dict[str, Any], lorenz: dict[str, Any] | None) -> str:
    gini = i.get("reward_gini")
    takeaway = (
        f"Gini {'n/a' if gini is None else f'{gini:.2f}'}; the top 10% of members took "
        f"{pct(i.get('top10_reward_share'))} of all rewards."
    )
    caption = (
        "Members ranked from the least to the most rewarded (members never rewarded count as "
        "zero). The further the curve sags below the diagonal, the more unequal the rewards."
    )
    if lorenz is None:
        message = (
            "No rewards were paid."
            if not i.get("rewards_total")
            else "The per-member series is not in this audit result."
        )
        return _figure(
            "Who gets the rewards", takeaway, charts.empty("lorenz", message), caption, ""
        )
    rows = [[pct(x), pct(y)] for x, y in zip(lorenz["population"], lorenz["rewards"], strict=True)]
    return _figure(
        "Who gets the rewards",
        takeaway,
        charts.lorenz_chart(lorenz, gini, i.get("top1_reward_share")),
        caption,
        _data_table(["Share of members", "Share of rewards"], rows, numeric_from=0),
    )


def charts_section(i: dict[str, Any], series: dict[str, Any], cur: str) -> str:
    """The six figures: what each shows in a sentence, the chart, how to read it, its data."""
    figures = [
        _levels_figure(i),
        _growth_figure(i),
        _money_figure(i, cur),
        _mix_figure(i),
        _net_cash_figure(i, series.get("net_cash_histogram"), cur),
        _lorenz_figure(i, series.get("reward_lorenz")),
    ]
    return (
        '<section id="charts"><h2>The channel in six charts</h2><p class="lead">'
        "Structure, growth, money and rewards, from the same data as the verdicts.</p>"
        f'<div class="charts">{"".join(figures)}</div></section>'
    )
