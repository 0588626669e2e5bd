"""The sponsor tree, resolved where the sponsors are resolved: each member's level, and how far
above its source a reward's recipient sits.

The loader turns every ``sponsor_id`` into the sponsor's position in the members file; these
compiled loops then walk the links. Level 1 is a root (a member without a sponsor) and each
sponsor link adds one. A member whose chain of sponsors never reaches a root sits in a sponsor
cycle, or hangs below one: it gets no level (``UNPLACED``), and the loader reports it.

Each member is walked once: a walk climbs until it meets a member whose level is known (or a
root, or its own path: a cycle), then hands the levels down the path it climbed. So the whole
tree costs one pass over the members, whatever its depth, with no recursion.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import numpy.typing as npt

UNPLACED = -1  # no level: the sponsor chain never reaches a root
_ON_PATH = -2  # on the walk in progress

Positions = npt.NDArray[np.int64]
Levels = npt.NDArray[np.int32]


@nb.njit(cache=True, nogil=True)
def _levels(sponsor, kept):  # type: ignore[no-untyped-def]
    n = sponsor.shape[0]
    level = np.zeros(n, np.int32)  # 0: not walked yet
    path = np.empty(max(n, 1), np.int64)
    for i in range(n):
        if not kept[i] or level[i] != 0:
            continue
        top = 0
        j = i
        while True:
            known = level[j]
            if known > 0 or known == UNPLACED:
                base = known
                break
            if known == _ON_PATH:  # the walk came back to itself: a cycle
                base = UNPLACED
                break
            level[j] = _ON_PATH
            path[top] = j
            top += 1
            if sponsor[j] < 0:  # a root: level 1
                base = 0
                break
            j = sponsor[j]
        for k in range(top - 1, -1, -1):
            if base != UNPLACED:
                base += 1
            level[path[k]] = base
    return level


def member_levels(sponsor: Positions, kept: npt.NDArray[np.bool_]) -> Levels:
    """Each member's level from its sponsor's position (-1: none); ``UNPLACED`` for a member
    in or below a sponsor cycle, 0 for a row that is not kept (a sponsor is always kept)."""
    return _levels(sponsor, kept)  # type: ignore[no-any-return]


@nb.njit(parallel=True, cache=True, nogil=True)
def _above(source, recipient, sponsor, level, out):  # type: ignore[no-untyped-def]
    for i in nb.prange(source.shape[0]):
        s, r = source[i], recipient[i]
        out[i] = 0
        if s < 0 or r < 0 or s == r:
            continue
        steps = level[s] - level[r]
        if level[r] <= 0 or steps <= 0:
            continue
        j = s
        for _ in range(steps):
            j = sponsor[j]
        if j == r:
            out[i] = steps


def levels_above(
    source: Positions,
    recipient: Positions,
    sponsor: Positions,
    level: Levels,
    out: npt.NDArray[np.int32],
) -> None:
    """For each reward, how many levels above its source the paid member sits when the paid
    member is an ancestor of the source (1 = the source's sponsor), else 0, into ``out``.
    Positions are rows of the members file (negative: no member)."""
    _above(source, recipient, sponsor, level, out)
