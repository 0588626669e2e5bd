"""The compiled id loops: exact member matches, repeats and references, buyer columns."""

from __future__ import annotations

import random
import string

import numpy as np
import pyarrow as pa

from weishang.audit import ids

MEMBER_IDS = ["a", " b", "c ", None, "", "a", "会员-张三", "x" * 40, "x" * 39 + "y", "m12345678"]


def _index(values: list[str | None], usable: list[bool] | None = None) -> ids.MemberIndex:
    flags = np.array(usable if usable is not None else [True] * len(values))
    return ids.MemberIndex(ids.Strings.of(pa.array(values, pa.string())), flags)


def _lookup(index: ids.MemberIndex, values: list[str | None] | pa.Array) -> list[int]:
    array = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    positions, _ = index.lookup(ids.Strings.of(array))
    return positions.tolist()


def test_the_first_of_a_repeated_member_id_wins() -> None:
    index = _index(MEMBER_IDS)
    assert index.first.tolist() == [-1, -1, -1, -1, -1, 0, -1, -1, -1, -1]


def test_member_ids_match_on_their_bytes_trimmed_of_spaces() -> None:
    index = _index(MEMBER_IDS)
    found = _lookup(
        index,
        ["b", "  a  ", "c", "zz", None, "   ", "会员-张三", "x" * 40, "x" * 39 + "z", "m12345678"],
    )
    # ids longer than the 16 bytes kept in a slot are compared byte by byte
    assert found == [1, 0, 2, ids.NOT_FOUND, ids.NO_ID, ids.NO_ID, 6, 7, ids.NOT_FOUND, 9]


def test_rows_that_are_not_usable_are_not_members() -> None:
    index = _index(["a", "b", "c"], usable=[True, False, True])
    assert _lookup(index, ["a", "b", "c"]) == [0, ids.NOT_FOUND, 2]


def test_sliced_large_and_typed_arrays_are_read_where_they_start() -> None:
    index = _index(["a", "b", "7"])
    sliced = pa.array(["zz", None, "b", "a", "q", "b", "a", "b", "a", "b"], pa.string()).slice(3)
    assert _lookup(index, sliced) == [0, ids.NOT_FOUND, 1, 0, 1, 0, 1]
    assert _lookup(index, pa.array(["b", None], pa.large_string())) == [1, ids.NO_ID]
    assert _lookup(index, pa.array([7, 8], pa.int64())) == [2, ids.NOT_FOUND]


def test_lookups_agree_with_a_dictionary_on_random_ids() -> None:
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + " -_"

    def some_id() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))).strip(" ")

    members = list(dict.fromkeys(i for i in (some_id() for _ in range(20_000)) if i))
    probes = [rng.choice(members) if rng.random() < 0.5 else some_id() for _ in range(50_000)]
    index = _index(members)
    where = {m: n for n, m in enumerate(members)}
    expected = [where.get(p, ids.NOT_FOUND) if p else ids.NO_ID for p in probes]
    assert _lookup(index, probes) == expected
    # half of them named no member: the next batch of the column is looked up through the tags
    assert index._missed["lookup"] >= 0.25
    assert _lookup(index, probes) == expected


def _hashes(values: list[str | None]) -> ids.RowHashes:
    rows = ids.RowHashes.empty(len(values))
    rows.fill(0, ids.Strings.of(pa.array(values, pa.string())))
    return rows


def test_repeats_name_the_earlier_row_and_references_are_found_by_id() -> None:
    rows = _hashes(["t1", "t2", "t1", " t2", "t3", None, "t1"])
    refs = _hashes(["t3", "t9", "t2 "])
    later, earlier, found = ids.repeats_and_refs(rows, refs)
    assert (later.tolist(), earlier.tolist()) == ([2, 3, 6], [0, 1, 0])
    assert found.tolist() == [True, False, True]
    assert rows.present.tolist() == [True, True, True, True, True, False, True]


def test_rows_without_an_id_have_no_hash_and_never_repeat() -> None:
    rows = _hashes([None, "", "  ", "a", None])
    assert rows.hashes.tolist()[:3] == [0, 0, 0] and rows.hashes[3] != 0
    later, earlier, found = ids.repeats_and_refs(rows, _hashes(["b"]))
    assert (later.tolist(), earlier.tolist(), found.tolist()) == ([], [], [False])


def test_buyer_columns_say_who_bought_as_a_member_at_the_time() -> None:
    second = 1_000_000
    # members at positions 0 and 1: keys 1 and 2
    never = np.iinfo(np.int64).max  # the first has not left
    times = np.array([[100 * second, never], [100 * second, 200 * second]])
    positions = np.array([0, 0, 1, 1, ids.NOT_FOUND, ids.NO_ID])
    at = np.array([100, 99, 199, 200, 150, 150]) * second
    buyers = ids.buyer_columns(positions, at, times)
    assert buyers.mid.to_pylist() == [1, 1, 2, 2, None, None]
    # joined at the very moment: a participant; left at the very moment: no longer one
    assert buyers.participant.tolist() == [True, False, True, False, False, False]
    assert buyers.since_join.to_pylist() == [0, -1, 99, 100, None, None]


def test_every_unicode_space_is_trimmed_as_duckdb_trims_it() -> None:
    import duckdb

    index = _index(["张三", "b"])
    probes = [f"{space}张三{space}" for space in ids.SPACES] + ["\t张三", "张三\u200b", "\u3000"]
    trimmed = [duckdb.execute("SELECT NULLIF(trim(?), '')", [p]).fetchone()[0] for p in probes]
    assert trimmed[: len(ids.SPACES)] == ["张三"] * len(ids.SPACES)
    assert trimmed[-3:] == ["\t张三", "张三\u200b", None]
    # tabs and zero-width spaces are not spaces to trim, as they are not for DuckDB
    assert _lookup(index, probes) == [0] * len(ids.SPACES) + [-1, -1, ids.NO_ID]
