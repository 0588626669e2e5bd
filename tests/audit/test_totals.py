"""The loader's sales totals and reward cells against their definitions in Ibis."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from weishang.audit import totals
from weishang.audit.api import audit_dataset
from weishang.audit.contract import BASIS, AuditParams
from weishang.audit.engine import duckdb_engine
from weishang.audit.indicators import _transaction_totals, annotated_transactions, reward_cells
from weishang.audit.replicas import REPLICAS
from weishang.audit.validate import load_dataset

from .conftest import MEMBERS, write_export


def _cells(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(basis, behaviour, entrant, levels above or 0, amount, rewards), in order."""
    return sorted(_cell(**r) for r in rows)


def _cell(
    basis: int, behaviour: int, entrant: bool, levels_above: int | None, amount: Any, n: int
) -> tuple[Any, ...]:
    return basis, behaviour, bool(entrant), levels_above or 0, Decimal(amount), n


def _both(path: Path, params: AuditParams) -> tuple[Any, Any, Any, Any]:
    """(the loader's sales totals, the engine's; the loader's reward cells, the engine's)."""
    dataset = load_dataset(path, params)
    engine = duckdb_engine(dataset, params)
    t = annotated_transactions(engine.transactions, params)
    (grouped_sales,) = engine.rows(_transaction_totals(t))
    loaded = reward_cells(engine, params)
    del engine.loaded["reward_cells"]  # the engine's own query from here
    grouped = reward_cells(engine, params)
    return engine.loaded["sales_totals"], grouped_sales, _cells(loaded), _cells(grouped)


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_the_loader_adds_up_what_the_engine_groups(
    name: str, replica_dirs: dict[str, Path]
) -> None:
    loaded_sales, grouped_sales, loaded_cells, grouped_cells = _both(
        replica_dirs[name], AuditParams()
    )
    assert loaded_sales == grouped_sales
    assert any(v is not None for v in loaded_sales.values())
    assert len(loaded_cells) > 0
    assert loaded_cells == grouped_cells


@pytest.mark.parametrize("params", [AuditParams(), AuditParams(entry_window_days=0)])
def test_every_total_of_a_small_export(export: Path, params: AuditParams) -> None:
    loaded_sales, grouped_sales, loaded_cells, grouped_cells = _both(export, params)
    assert loaded_sales == grouped_sales
    assert loaded_cells == grouped_cells
    # t1, t3, t4 and t6 are sales; t3 (c) and t6 (a) were bought by members
    assert loaded_sales["sales"] == Decimal("270.00")
    assert loaded_sales["member_purchases"] == Decimal("110.00")
    assert loaded_sales["collected_from_members"] == Decimal("160.00")  # + b's fee
    assert loaded_sales["buybacks"] is None  # no buy-back: null, as SQL sums nothing
    # r4 pays a for recruiting b, who paid a fee that day: fee-based, one level above b
    fee_share = BASIS["fee_share"]
    assert (BASIS["recruitment"], fee_share, True, 1, Decimal("10.00"), 1) in loaded_cells


def test_totals_past_64_bits_are_exact(tmp_path: Path) -> None:
    # 11 sales of 9 x 10^15 each: 9.9 x 10^18 minor units, past int64
    big = "9000000000000000.00"
    rows = ["txn_id,at,kind,seller_id,buyer_id,amount"]
    rows += [f"s{k},2024-03-01,sale,a,x{k},{big}" for k in range(11)]
    rewards = ["reward_id,at,member_id,amount,basis,source_member_id"]
    rewards += [f"r{k},2024-03-01,a,{big},own_sales,a" for k in range(11)]
    folder = write_export(
        tmp_path / "big",
        members=MEMBERS,
        transactions="\n".join(rows) + "\n",
        rewards="\n".join(rewards) + "\n",
    )
    loaded_sales, grouped_sales, loaded_cells, grouped_cells = _both(folder, AuditParams())
    assert loaded_sales == grouped_sales
    assert loaded_sales["sales"] == 11 * Decimal(big)
    assert loaded_cells == grouped_cells
    assert loaded_cells[0][4] == 11 * Decimal(big)


def test_other_windows_and_deep_trees_leave_the_cells_to_the_engine(
    export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = load_dataset(export)
    narrow = AuditParams(entry_window_days=0)
    engine = duckdb_engine(dataset, narrow)
    assert "reward_cells" not in engine.loaded
    assert "sales_totals" in engine.loaded  # they take no window
    expected = audit_dataset(load_dataset(export)).indicators
    # a tree of 4 levels is "too deep" past a limit of 3: the engine groups the rewards
    monkeypatch.setattr(totals, "MAX_LEVELS", 3)
    deep = load_dataset(export)
    engine = duckdb_engine(deep)
    assert "reward_cells" not in engine.loaded
    assert reward_cells(engine, AuditParams())  # from the engine's own query
    assert audit_dataset(deep).indicators == expected
