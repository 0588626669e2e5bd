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
    """(members with a ``level`` column, null when unplaced; members per level).

    Each step joins the members to the previous frontier on integer keys (``sponsor_mid`` to
    ``mid``) and keeps only the key of each member reached.
    """
    m = engine.members
    link = m.select(c_mid="mid", c_sponsor="sponsor_mid")
    frontier = engine.materialize(
        m.filter(m.sponsor_mid.isnull()).select("mid", level=ibis.literal(1, "int64")), "lv"
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
        nxt = link.join(frontier, link.c_sponsor == frontier.mid).select(
            mid=link.c_mid, level=ibis.literal(level, "int64")
        )
        frontier = engine.materialize(nxt, "lv")
        levels.append(frontier)
    placed = ibis.union(*levels) if len(levels) > 1 else levels[0]
    placed = placed.rename(placed_mid="mid")
    joined = m.left_join(placed, m.mid == placed.placed_mid).select(
        "mid", "sponsor_mid", "joined_at", "left_at", "_row", "level"
    )
    return engine.materialize(joined, "members_lv"), per_level


def reward_reach(engine: Engine, members: ir.Table, rewards: ir.Table) -> ir.Table:
    """``reach_rid`` → ``levels_above``: how far above the source the paid member sits.

    ``rewards`` carries ``rid`` (the reward's key), ``member_mid``, ``s_sponsor``, ``s_level``
    and ``r_level`` (the source's sponsor and level, the recipient's level). Only rewards paid
    to an ancestor of their source get a value (1 = the source's sponsor). Each reward climbs
    exactly level(source) − level(recipient) steps, one join per step, on integer keys.
    """
    r = rewards
    start = r.filter(r.s_level > r.r_level).select(
        "rid", target="member_mid", cur="s_sponsor", need=r.s_level - r.r_level
    )
    frontier = engine.materialize(start, "reach")
    steps = int(engine.scalar(frontier.need.max()) or 0)
    up = members.select(u_mid="mid", u_sponsor="sponsor_mid")
    found: list[ir.Table] = []
    for step in range(1, steps + 1):
        done = frontier.filter((frontier.need == step) & (frontier.cur == frontier.target))
        found.append(done.select(reach_rid="rid", levels_above=ibis.literal(step, "int64")))
        if step < steps:
            rest = frontier.filter(frontier.need > step)
            frontier = engine.materialize(
                rest.join(up, rest.cur == up.u_mid).select(
                    "rid", "target", "need", cur="u_sponsor"
                ),
                "reach",
            )
    if not found:
        return r.select(reach_rid="rid", levels_above=ibis.null("int64")).limit(0)
    return ibis.union(*found) if len(found) > 1 else found[0]
