"""Ids that are numbers: the same answers as the hash index, by number."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from weishang.audit import ids, numbered
from weishang.audit.api import audit

from .conftest import TRANSACTIONS, write_export


def _strings(values: Sequence[str | None]) -> ids.Strings:
    return ids.Strings.of(pa.array(values, pa.string()))


def _index(
    values: Sequence[str | None], usable: list[bool] | None = None
) -> numbered.NumberedIndex | ids.MemberIndex:
    flags = np.array(usable if usable is not None else [True] * len(values))
    return numbered.member_index(_strings(values), flags)


def _lookup(
    index: numbered.NumberedIndex | ids.MemberIndex, values: Sequence[str | None]
) -> list[int]:
    positions, _ = index.lookup(_strings(values))
    return positions.tolist()


@pytest.mark.parametrize(
    ("members", "kind"),
    [
        (["m1", "m2", "m10", "m0"], numbered.NumberedIndex),
        (["1", "22", "333"], numbered.NumberedIndex),
        (["U0001", "U0002", "U0100"], numbered.NumberedIndex),  # padded to one width
        (["m01", "m1"], ids.MemberIndex),  # two ids, one number
        (["m1", "n2"], ids.MemberIndex),  # two leading texts
        (["m1", "m2x"], ids.MemberIndex),
        (["m1", "m9999999999"], ids.MemberIndex),  # too sparse for an array
        (["member-1", "member-2"], numbered.NumberedIndex),
        (["member-no1", "member-no2"], ids.MemberIndex),  # leading text of more than 8 bytes
        (["会员1"], numbered.NumberedIndex),
        (["abc"], ids.MemberIndex),
    ],
)
def test_members_get_the_index_their_ids_allow(members: list[str], kind: type) -> None:
    assert isinstance(_index(members), kind)


def test_an_id_of_another_form_names_no_member() -> None:
    index = _index(["m1", "m2", "m10", None, "", " m3 "])
    assert isinstance(index, numbered.NumberedIndex)
    found = _lookup(
        index,
        ["m1", " m10\u3000", "m01", "m010", "M1", "m", "m3", "x3", "m99", "m1.0", None, " "],
    )
    nf, no = ids.NOT_FOUND, ids.NO_ID
    assert found == [0, 2, nf, nf, nf, nf, 5, nf, nf, nf, no, no]


def test_padded_ids_match_only_at_their_width() -> None:
    index = _index(["U0001", "U0002", "U0100"])
    assert _lookup(index, ["U0002", "U2", "U00002", "U0100", "U0003"]) == [1, -1, -1, 2, -1]


def test_the_first_usable_row_of_a_repeated_id_wins() -> None:
    index = _index(["m1", "m2", "m1", "m3", "m2"], usable=[False, True, True, True, True])
    assert index.first.tolist() == [-1, -1, -1, -1, 1]
    assert _lookup(index, ["m1", "m2"]) == [2, 1]
    # rows that are not usable need not have the form
    assert isinstance(_index(["x", "m1"], usable=[False, True]), numbered.NumberedIndex)


def test_numbered_and_hashed_lookups_agree_on_random_ids() -> None:
    rng = random.Random(11)
    members = [f"m{n}" for n in rng.sample(range(200_000), 50_000)]

    def probe() -> str | None:
        r = rng.random()
        if r < 0.4:
            return rng.choice(members)
        if r < 0.5:
            return None
        return rng.choice(["m", "m0", "c", " m", "x"]) + str(rng.randrange(300_000))

    probes = [probe() for _ in range(100_000)]
    by_number = _index(members)
    assert isinstance(by_number, numbered.NumberedIndex)
    by_hash = ids.MemberIndex(_strings(members), np.ones(len(members), np.bool_))
    hashed, hashes = by_hash.lookup(_strings(probes))
    found, same_hashes = by_number.lookup(_strings(probes))
    assert found.tolist() == hashed.tolist()
    # the ids' hashes (which name outside buyers) are the hash index's
    assert same_hashes.tolist() == hashes.tolist()


def _batches(
    values: Sequence[str | None], refs: Sequence[str | None] | None, size: int = 3
) -> list[pa.Table]:
    columns = {"id": pa.array(values, pa.string())}
    if refs is not None:
        columns["ref"] = pa.array(refs, pa.string())
    table = pa.table(columns)
    return [table.slice(k, size) for k in range(0, len(values), size)]


def _own(
    values: Sequence[str | None], refs: Sequence[str | None] | None = None
) -> numbered.FirstPass | None:
    batches = _batches(values, refs)
    return numbered.own_numbers(iter(batches), len(values), "id", "ref" if refs else None)


def test_repeats_name_the_first_row_of_their_number() -> None:
    found = _own(["t1", "t2", " t1", None, "t3", "t2", "", "t1"])
    assert found is not None
    assert found.present.tolist() == [True, True, True, False, True, True, False, True]
    assert found.later.tolist() == [2, 5, 7]
    assert found.owners.tolist() == [0, 1, 0]


def test_references_are_found_by_number_in_the_ids_form() -> None:
    values = ["t1", "t2", "t3", "t10", "t4", "t5"]
    refs = [None, "t1", "t01", "t10", "t99", "x1"]
    found = _own(values, refs)
    assert found is not None
    assert found.unknown_refs.tolist() == [2, 4, 5]
    padded = _own(["T01", "T02", "T10"], [None, "T1", "T01"])
    assert padded is not None and padded.unknown_refs.tolist() == [1]


@pytest.mark.parametrize(
    "values",
    [
        ["t1", "t01"],  # two ids, one number
        ["t1", "r2"],
        ["t1", "t2", "t3", "t4", "t5x"],  # in a later batch
        ["t1", "t99999999999"],  # too sparse
        ["abc"],
    ],
)
def test_ids_of_no_one_form_go_to_the_hash_pass(values: Sequence[str | None]) -> None:
    assert _own(values) is None


def test_a_file_whose_first_rows_have_no_id_still_finds_its_form() -> None:
    found = _own([None, "", None, "t7", "t7"])
    assert found is not None and found.later.tolist() == [4]


_NUMBERED_MEMBERS = """member_id,sponsor_id,joined_at
m1,,2024-01-01
m2,m1,2024-01-05
m3,m2,2024-02-01
m4,m9,2024-02-10
m2,m1,2024-03-01
"""
_NUMBERED_TRANSACTIONS = """txn_id,at,kind,seller_id,buyer_id,amount,ref_txn_id,seller_collects
t1,2024-01-02,sale,m1,c1,100.00,,true
t2,2024-01-06,fee,,m2,50.00,,
t2,2024-01-07,fee,,m2,50.00,,
t3,2024-02-02,sale,,m3,80.00,,
t4,2024-02-03,sale,m3,c2,60.00,,false
t5,2024-02-04,refund,m1,c1,20.00, t1 ,
t6,2024-02-05,refund,m1,c1,20.00,t01,
t7,2024-01-03,sale,m02,m1,30.00,,
"""
_NUMBERED_REWARDS = """reward_id,at,member_id,amount,basis,source_member_id
r1,2024-02-03,m3,9.00,own_sales,m3
r2,2024-02-03,m2,3.00,downline_sales,m3
r2,2024-02-03,m2,3.00,downline_sales,m3
r3,2024-02-02,m1,8.00,downline_sales,m3
r4,2024-01-06,m1,10.00,recruitment,m2
"""


def _by_hash_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbered, "member_index", ids.MemberIndex)
    monkeypatch.setattr(numbered, "own_numbers", lambda *_args: None)


def _document(path: Path) -> tuple[Any, ...]:
    result = audit(path)
    return result.indicators, result.to_dict()["jurisdictions"], result.input.problems


def test_audits_by_number_and_by_hash_agree(
    tmp_path: Path, replica_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = [
        write_export(
            tmp_path / "numbered",
            members=_NUMBERED_MEMBERS,
            transactions=_NUMBERED_TRANSACTIONS,
            rewards=_NUMBERED_REWARDS,
        ),
        # members by hash; transactions' ids of no one form
        write_export(tmp_path / "mixed", transactions=TRANSACTIONS.replace("t3,", "T-3,")),
        *(replica_dirs[name] for name in sorted(replica_dirs)),
    ]
    used: list[str] = []
    index, own = numbered.member_index, numbered.own_numbers

    def member_index(*args: Any) -> Any:
        found = index(*args)
        used.append(type(found).__name__)
        return found

    def own_numbers(*args: Any) -> Any:
        found = own(*args)
        used.append("own" if found is not None else "own by hash")
        return found

    monkeypatch.setattr(numbered, "member_index", member_index)
    monkeypatch.setattr(numbered, "own_numbers", own_numbers)
    by_number = [_document(path) for path in exports]
    assert sorted(used[:3]) == ["NumberedIndex", "own", "own"]  # the first export: all three
    assert sorted(used[3:6]) == ["MemberIndex", "own", "own by hash"]
    problems = {(p.code, p.file.rsplit("/", 1)[-1], p.count) for p in by_number[0][2]}
    assert {
        ("duplicate_id", "members.csv", 1),
        ("duplicate_id", "transactions.csv", 1),
        ("duplicate_id", "rewards.csv", 1),
        ("unknown_sponsor", "members.csv", 1),
        ("unknown_reference", "transactions.csv", 1),  # t01 is not t1
        ("unknown_member", "transactions.csv", 1),  # nor is m02 m2
    } <= problems
    _by_hash_only(monkeypatch)
    assert [_document(path) for path in exports] == by_number
