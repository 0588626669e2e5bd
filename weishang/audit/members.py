"""The members file: its checks, the exact index of member ids, and the sponsor tree.

Every later reference to a member (a seller, a buyer, who is paid, whose sale it was) is
resolved against the index built here, to the member's position in the file; the member's
key in the clean tables is its data row (the position + 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numba as nb
import numpy as np
import pyarrow as pa

from weishang.audit import ids, numbered, sponsors
from weishang.audit.arrays import arrow_array, booleans, integers, joined, known
from weishang.audit.checks import (
    SPONSOR_CYCLE,
    UNKNOWN_SPONSOR,
    Mask,
    Rows,
    file_values,
    repeat_check,
    report,
)
from weishang.audit.clean import scan
from weishang.audit.contract import MEMBERS
from weishang.audit.load import RawFile
from weishang.audit.problems import EXAMPLES_PER_PROBLEM, Problem, ProblemLog

DAY_US = 86_400_000_000


@nb.njit(parallel=True, cache=True, nogil=True)
def _sources(positions, at_us, times, joined, since, known):  # type: ignore[no-untyped-def]
    limit = np.int64(2**31 - 1)
    for i in nb.prange(positions.shape[0]):
        p = positions[i]
        known[i] = p >= 0
        if p >= 0:
            j = times[p, 0]
            joined[i] = j // DAY_US == at_us[i] // DAY_US
            seconds = at_us[i] // 1_000_000 - j // 1_000_000
            since[i] = np.int32(max(-limit, min(limit, seconds)))
        else:
            joined[i] = False
            since[i] = 0


@dataclass
class MemberKeys:
    """What a member reference resolves to, by the member's position in the members file."""

    index: ids.MemberIndex | numbered.NumberedIndex
    joined_us: Rows  # microseconds since 1970, on the dataset's clock
    # [joined, left] per member, side by side (one read of memory for both): microseconds
    # since 1970, on the dataset's clock; left is the largest int64 when not known
    times: Rows
    sponsor: Rows  # the sponsor's position, -1 for a root
    level: sponsors.Levels  # 1 for a root; sponsors.UNPLACED in or below a cycle

    def lookup(
        self, batch: pa.Table, column: str, space: ids.Workspace, with_hashes: bool = False
    ) -> tuple[Rows, ids.Hashes]:
        """(position of the member each row names: -1 none, -2 no id; ``with_hashes``, the
        id's hash), in ``space``'s arrays named after the column."""
        if column not in batch.column_names:
            n = batch.num_rows
            return np.full(n, ids.NO_ID, np.int64), np.zeros(n, np.uint64)
        words = with_hashes or self.index.reads_words
        strings = ids.Strings.of(batch.column(column), space, column + "_text", words)
        return self.index.lookup(strings, space, column, with_hashes)

    def sources(self, positions: Rows, at_us: Rows, space: ids.Workspace) -> dict[str, pa.Array]:
        """For rewards: whether the source member joined on the reward's day (the dataset's zone), and the
        seconds from its joining to the reward (within INTEGER's range; null without a
        source)."""
        n = len(positions)
        joined = space.array("source_joined", np.bool_, n)
        since = space.array("source_since_join", np.int32, n)
        known = space.array("source_known", np.bool_, n)
        _sources(positions, at_us, self.times, joined, since, known)
        return {
            "source_joined": booleans(joined),
            "source_since_join": arrow_array(since, known, pa.int32()),
        }

    def levels_above(self, sources: Rows, recipients: Rows, space: ids.Workspace) -> pa.Array:
        above = space.array("levels_above", np.int32, len(sources))
        sponsors.levels_above(sources, recipients, self.sponsor, self.level, above)
        known = np.greater(above, 0, out=space.array("above_known", np.bool_, len(sources)))
        return arrow_array(above, known, pa.int32())


# What DuckDB's typed pass (``checks.TypedScan``) computes for a members file it reads; a
# Parquet file of native types gets the same columns from ``native.NativeScan``.
MEMBER_COLUMNS = {
    "joined_us": "epoch_us(joined_at)",
    "left_us": "epoch_us(CASE WHEN left_at < joined_at THEN NULL ELSE left_at END)",
}


def clean_members(
    con: duckdb.DuckDBPyConnection, raw: RawFile, log: ProblemLog, cross: ProblemLog
) -> tuple[pa.Table, MemberKeys]:
    """Members: the checks, then the index of usable ids (the first of a repeated id wins),
    then sponsors resolved against it and the sponsor tree. ``mid`` is the member's data row."""
    typed_scan, batches = scan(con, raw, MEMBER_COLUMNS, ["member_id", "sponsor_id"])
    id_parts: list[pa.Table] = []
    joined_parts: list[Rows] = []
    left_parts: list[Rows] = []
    left_known_parts: list[Mask] = []
    skipped: list[Mask] = []
    for _, typed, id_batch, skip in batches:
        id_parts.append(id_batch.select(["member_id", "sponsor_id"]))
        # copies: a scan's arrays may be reused from batch to batch
        joined_parts.append(integers(typed.column("joined_us"), np.int64).copy())
        left = typed.column("left_us")
        left_parts.append(integers(left, np.int64).copy())
        left_known_parts.append(known(left))
        skipped.append(skip)
    table = pa.concat_tables(id_parts) if id_parts else _no_members()
    del id_parts
    member_ids = ids.Strings.of(table.column("member_id"))
    absent = ~ids.present(member_ids)
    missing = np.flatnonzero(absent).astype(np.int64) + 1
    typed_scan.report("missing_id", missing, file_values(raw, "member_id"))
    typed_scan.problems(log)
    usable = ~(np.concatenate(skipped) if skipped else np.zeros(0, np.bool_)) & ~absent
    index = numbered.member_index(member_ids, usable)
    repeated = np.flatnonzero(index.first >= 0).astype(np.int64) + 1
    report(log, repeat_check(MEMBERS), raw.label, repeated, file_values(raw, "member_id"))
    kept = usable & (index.first < 0)
    joined_us, left_us = joined(joined_parts, np.int64), joined(left_parts, np.int64)
    left_known = joined(left_known_parts, np.bool_)
    sponsors_ids = ids.Strings.of(table.column("sponsor_id"), words=index.reads_words)
    sponsor, _ = index.lookup(sponsors_ids, with_hashes=False)
    unknown = np.flatnonzero(kept & (sponsor == ids.NOT_FOUND)).astype(np.int64)
    report(cross, UNKNOWN_SPONSOR, raw.label, unknown + 1, file_values(raw, "sponsor_id"))
    sponsor[sponsor < 0] = -1  # none, or cleared: a root
    level = sponsors.member_levels(sponsor, kept)
    times = np.empty((len(joined_us), 2), np.int64)
    times[:, 0] = joined_us
    times[:, 1] = np.where(left_known, left_us, np.iinfo(np.int64).max)
    keys = MemberKeys(index, joined_us, times, sponsor, level)
    keep = np.flatnonzero(kept)
    clean = pa.table(
        {
            "mid": arrow_array((keep + 1).astype(np.int32), None, pa.int32()),
            "sponsor_mid": ids.member_keys(sponsor[keep]),
            "joined_at": arrow_array(joined_us[keep], None, pa.timestamp("us")),
            "level": arrow_array(level[keep], level[keep] > 0, pa.int32()),
        }
    )
    return clean, keys


def report_cycles(log: ProblemLog, raw: RawFile, level: sponsors.Levels) -> None:
    """The members whose sponsor chain never reaches a root, as one problem."""
    unplaced = np.flatnonzero(level == sponsors.UNPLACED).astype(np.int64) + 1
    if len(unplaced):
        check = SPONSOR_CYCLE
        log.add(
            Problem(
                check.code, raw.label, check.column, len(unplaced), check.action,
                check.message, tuple(unplaced[:EXAMPLES_PER_PROBLEM].tolist()),
            )
        )  # fmt: skip


def _no_members() -> pa.Table:
    text = pa.array([], pa.string())
    return pa.table({"member_id": text, "sponsor_id": text})
