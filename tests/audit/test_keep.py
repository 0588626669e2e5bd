"""One audit without the clean transactions table: ``load_dataset(..., keep=False)``."""

from __future__ import annotations

from pathlib import Path

import pytest

from weishang.audit.api import audit, audit_dataset
from weishang.audit.contract import AuditParams
from weishang.audit.replicas import REPLICAS
from weishang.audit.validate import load_dataset

from .conftest import write_big_export


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_an_audit_without_the_table_finds_what_one_with_it_finds(
    name: str, replica_dirs: dict[str, Path]
) -> None:
    path = replica_dirs[name]
    full = audit_dataset(load_dataset(path))
    lean = audit(path)  # keeps no clean transactions table
    assert lean.to_dict() == full.to_dict()  # indicators, input summary, verdicts


def test_a_lean_dataset_says_what_it_cannot_do(export: Path) -> None:
    full, lean = load_dataset(export), load_dataset(export, keep=False)
    assert full.complete and not lean.complete
    assert lean.row_counts() == full.row_counts() == {
        "members": 4, "transactions": 6, "rewards": 4,
    }  # fmt: skip
    with pytest.raises(ValueError, match="were not kept"):
        lean.table("transactions")
    assert lean.table("rewards").num_rows == 4
    # other entry windows than the loader's sums were taken over need the table
    with pytest.raises(ValueError, match="were not kept"):
        audit_dataset(lean, params=AuditParams(entry_window_days=0))
    assert audit_dataset(lean).indicators == audit_dataset(full).indicators


def test_sums_past_64_bits_read_the_export_again_for_the_table(tmp_path: Path) -> None:
    folder = write_big_export(tmp_path / "big")
    lean = load_dataset(folder, keep=False)
    assert lean.flows is None and lean.complete
    assert lean.row_counts()["transactions"] == 22
    assert audit(folder).indicators == audit_dataset(load_dataset(folder)).indicators
