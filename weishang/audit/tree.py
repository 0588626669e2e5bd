"""The sponsor tree, computed level by level in the engine (no recursion, no Python per row).

Level 1 is a root (a member without a sponsor). Each step joins the members to the previous
frontier, so a tree of depth D takes D joins whatever its size; members never reached from a
root sit in a sponsor cycle (or hang below one) and get no level.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from weishang.audit.engine import Engine


def member_levels(engine: Engine) -> tuple[ir.Table, dict[int, int]]:
    """(members with a ``level`` column, null when unplaced; members per level)."""
    m = engine.members
    frontier = engine.materialize(
        m.filter(m.sponsor_id.isnull()).select("member_id", level=ibis.literal(1, "int64")), "lv"
    )
    levels = [frontier]
    per_level: dict[int, int] = {}
    level = 1
    while True:
        count = engine.count(frontier)
        if not count:
            break
        per_level[level] = count
        level += 1
        nxt = m.join(frontier, m.sponsor_id == frontier.member_id).select(
            member_id=m.member_id, level=ibis.literal(level, "int64")
        )
        frontier = engine.materialize(nxt, "lv")
        levels.append(frontier)
    placed = ibis.union(*levels) if len(levels) > 1 else levels[0]
    placed = placed.rename(placed_id="member_id")
    joined = m.left_join(placed, m.member_id == placed.placed_id).drop("placed_id")
    return engine.materialize(joined, "members_lv"), per_level


def reward_reach(engine: Engine, members: ir.Table, rewards: ir.Table) -> ir.Table:
    """``reward_id`` → ``levels_above``: how far above the source the paid member sits.

    Only rewards paid to an ancestor of their source get a value (1 = the source's sponsor).
    Each reward climbs exactly level(source) − level(recipient) steps, one join per step.
    """
    src = members.select(s_id="member_id", s_sponsor="sponsor_id", s_level="level")
    rcp = members.select(r_id="member_id", r_level="level")
    r = rewards.filter(rewards.source_member_id.notnull())
    start = (
        r.join(src, r.source_member_id == src.s_id)
        .join(rcp, r.member_id == rcp.r_id)
        .filter(lambda t: t.s_level > t.r_level)
        .select(
            "reward_id",
            target="member_id",
            cur="s_sponsor",
            need=lambda t: t.s_level - t.r_level,
        )
    )
    frontier = engine.materialize(start, "reach")
    steps = int(engine.scalar(frontier.need.max()) or 0)
    up = members.select(u_id="member_id", u_sponsor="sponsor_id")
    found: list[ir.Table] = []
    for step in range(1, steps + 1):
        done = frontier.filter((frontier.need == step) & (frontier.cur == frontier.target))
        found.append(done.select("reward_id", levels_above=ibis.literal(step, "int64")))
        if step < steps:
            rest = frontier.filter(frontier.need > step)
            frontier = engine.materialize(
                rest.join(up, rest.cur == up.u_id).select(
                    "reward_id", "target", "need", cur="u_sponsor"
                ),
                "reach",
            )
    if not found:
        return rewards.select("reward_id", levels_above=ibis.null("int64")).limit(0)
    return ibis.union(*found) if len(found) > 1 else found[0]
