"""The sponsor tree, computed in the engine with joins on integer keys (no recursion, no
Python per row).

Level 1 is a root (a member without a sponsor). Levels are found by pointer doubling
(``member_levels``): about log2(D) queries for a tree of depth D, whatever its size. Members
never reached from a root sit in a sponsor cycle (or hang below one) and get no level.

How far rewards reach above their source (``reward_reach``) is a walk up the tree,
``engine.climb`` steps per query: one query chains that many joins to the sponsors, and only
the rewards still on their way up go on to the next query. On Spark, where each query is a
job, that is 8 steps per query (one query for most real trees); on DuckDB one, so that each
step probes only what is still climbing.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from weishang.audit.engine import Engine


def _chain(table: ir.Table, start: str, link: ir.Table, steps: int) -> ir.Table:
    """``table`` with ``a0`` = its column ``start`` and ``a1`` … ``a<steps>``: each the
    sponsor of the previous one (null past a root)."""
    t = table.mutate(a0=table[start])
    for k in range(1, steps + 1):
        up = link.select(**{f"u{k}": "c_mid", f"a{k}": "c_sponsor"})
        t = t.left_join(up, t[f"a{k - 1}"] == up[f"u{k}"]).drop(f"u{k}")
    return t


def member_levels(engine: Engine) -> tuple[ir.Table, dict[int, int]]:
    """(members with a ``level`` column, null when unplaced; members per level).

    Pointer doubling: each member keeps ``top``, the farthest ancestor it knows, and ``dist``,
    the links up to it; each query replaces ``top`` by the top's own top, so the distance
    covered doubles and a tree of depth D takes about log2(D) queries whatever its size (5
    for depth 30). A member is placed when its top is a root (level = dist + 1). Members whose
    chain never reaches a root sit in a sponsor cycle (or hang below one): when a query
    places no one, every member still unplaced is one of them (a chain to a root passes
    through every depth on its way, so a query that doubles the reach always places someone
    while chains remain).
    """
    m = engine.members
    is_root = m.sponsor_mid.isnull()
    start = m.select(
        "mid",
        top=ibis.coalesce(m.sponsor_mid, m.mid),
        dist=ibis.ifelse(is_root, 0, 1).cast("int64"),
        done=is_root,
    )
    state = engine.materialize(start, "lv")
    placed: list[ir.Table] = []
    waiting = None
    while True:
        # what every member knows: the placed ones' final answer, the others' current one
        known = ibis.union(*placed, state) if placed else state
        look = known.select(l_mid="mid", l_top="top", l_dist="dist", l_done="done")
        climbing = state.filter(~state.done)
        j = climbing.left_join(look, climbing.top == look.l_mid)
        placed.append(state.filter(state.done))
        step = j.select("mid", top=j.l_top, dist=j.dist + j.l_dist, done=j.l_done)
        state = engine.materialize(step, "lv")
        left = engine.count(state.filter(~state.done))
        if not left or left == waiting:
            break
        waiting = left
    placed.append(state)
    every = ibis.union(*placed).rename(placed_mid="mid")
    level = ibis.ifelse(every.done, every.dist + 1, ibis.null("int64"))
    found = every.select("placed_mid", level=level)
    joined = m.left_join(found, m.mid == found.placed_mid).select(
        "mid", "sponsor_mid", "joined_at", "left_at", "_row", "level"
    )
    members = engine.materialize(joined, "members_lv")
    leveled = members.filter(members.level.notnull())
    counts = leveled.group_by("level").aggregate(n=leveled.count())
    per_level = {int(r["level"]): int(r["n"]) for r in engine.rows(counts)}
    return members, dict(sorted(per_level.items()))


def reward_reach(engine: Engine, members: ir.Table, rewards: ir.Table) -> ir.Table:
    """``reach_rid`` → ``levels_above``: how far above the source the paid member sits.

    ``rewards`` carries ``rid`` (the reward's key), ``target`` (the paid member), ``anc`` (the
    source's sponsor) and ``need`` (level of the source − level of the recipient, > 0). Only
    rewards paid to an ancestor of their source get a value (1 = the source's sponsor). A
    reward climbs exactly ``need`` steps; ``engine.climb`` of them per query.
    """
    climb = engine.climb
    link = members.select(c_mid="mid", c_sponsor="sponsor_mid")
    state = rewards.select("rid", "target", "anc", "need")
    found: list[ir.Table] = []
    done = 0  # steps climbed before this query
    while True:
        t = _chain(state, "anc", link, climb)
        # a<k> sits k + 1 + done levels above the source
        hit = ibis.cases(
            *((t.need == done + k + 1, t[f"a{k}"]) for k in range(climb)),
            else_=ibis.null("int64"),
        )
        step = engine.materialize(
            t.select("rid", "target", "need", anc=t[f"a{climb}"], hit=hit), "reach"
        )
        found.append(
            step.filter(step.hit == step.target).select(reach_rid="rid", levels_above=step.need)
        )
        done += climb  # a<climb>, the next one up, starts the next query
        state = step.filter(step.need > done).select("rid", "target", "need", "anc")
        if not engine.count(state):
            break
    return ibis.union(*found) if len(found) > 1 else found[0]
