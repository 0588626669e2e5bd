"""The sponsor tree, computed in the engine with joins on integer keys (no recursion, no
Python per row).

Level 1 is a root (a member without a sponsor). Walking up the tree is done
``engine.climb`` steps per query: one query chains that many joins of the members to their
sponsors, and only the members (or rewards) still on their way up go on to the next query. A
tree of depth D takes about D / climb queries whatever its size: on Spark, where each query is
a job, 8 steps per query (one query for most real trees); on DuckDB one, so that each step
probes only what is still climbing. Members never reached from a root sit in a sponsor cycle
(or hang below one) and get no level: a query in which no member reaches the root stops the
walk.
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

    Each member climbs from its sponsor: ``hops`` counts the members on the way so far
    (itself included) and ``anc`` is the next one up; when ``anc`` is null the root has been
    passed and the level is ``hops``.
    """
    m, climb = engine.members, engine.climb
    link = m.select(c_mid="mid", c_sponsor="sponsor_mid")
    state = m.select("mid", anc="sponsor_mid", hops=ibis.literal(1, "int64"))
    placed: list[ir.Table] = []
    waiting = None
    while True:
        t = _chain(state, "anc", link, climb)
        level = ibis.cases(
            *((t[f"a{k}"].isnull(), t.hops + k) for k in range(climb + 1)),
            else_=ibis.null("int64"),
        )
        step = engine.materialize(
            t.select("mid", level=level, anc=t[f"a{climb}"], hops=t.hops + climb), "lv"
        )
        placed.append(step.filter(step.level.notnull()).select("mid", "level"))
        rest = step.filter(step.level.isnull())
        left = engine.count(rest)
        if not left or left == waiting:  # all placed, or the rest never reach a root
            break
        waiting = left
        state = rest.select("mid", "anc", "hops")
    found = ibis.union(*placed) if len(placed) > 1 else placed[0]
    found = found.rename(placed_mid="mid")
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

    ``rewards`` carries ``rid`` (the reward's key), ``member_mid``, ``s_sponsor``, ``s_level``
    and ``r_level`` (the source's sponsor and level, the recipient's level). Only rewards paid
    to an ancestor of their source get a value (1 = the source's sponsor). A reward climbs
    exactly level(source) − level(recipient) steps; ``engine.climb`` of them per query.
    """
    r, climb = rewards, engine.climb
    link = members.select(c_mid="mid", c_sponsor="sponsor_mid")
    state = r.filter(r.s_level > r.r_level).select(
        "rid", target="member_mid", anc="s_sponsor", need=r.s_level - r.r_level
    )
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
