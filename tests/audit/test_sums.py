"""The loader's per-member sums against their definition, ``indicators.member_flows`` in Ibis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from weishang.audit.api import audit_dataset
from weishang.audit.contract import AuditParams
from weishang.audit.engine import Engine, duckdb_engine
from weishang.audit.indicators import annotated_transactions, member_flows, reward_ranks
from weishang.audit.replicas import REPLICAS
from weishang.audit.validate import load_dataset

from .conftest import write_big_export

_COLUMNS = [
    "mid",
    "net",
    "net_c",
    "rewarded",
    "rewards_n",
    "bought",
    "sold",
    "fee",
    "entry_fee",
    "entry_buy",
    "first_week",
    "customers",
]


def _rows(engine: Engine, table: Any) -> list[tuple[Any, ...]]:
    return sorted(tuple(row.values()) for row in engine.rows(table))


def _both(path: Path, params: AuditParams) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(the loader's flows, the flows grouped in Ibis) of one export."""
    dataset = load_dataset(path, params)
    engine = duckdb_engine(dataset, params)
    loaded = engine.shared["member_flows"]
    grouped = member_flows(
        engine, engine.members, annotated_transactions(engine.transactions, params)
    )
    assert loaded.schema() == grouped.schema()
    return _rows(engine, loaded), _rows(engine, grouped)


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_the_loader_adds_up_what_the_engine_groups(
    name: str, replica_dirs: dict[str, Path]
) -> None:
    loaded, grouped = _both(replica_dirs[name], AuditParams())
    assert len(loaded) > 0
    assert loaded == grouped


@pytest.mark.parametrize(
    "params", [AuditParams(), AuditParams(entry_window_days=0, first_week_days=1)]
)
def test_every_flow_of_a_small_export(export: Path, params: AuditParams) -> None:
    loaded, grouped = _both(export, params)
    assert loaded == grouped
    # member a (key 1) sold 100 to x1 and refunded 20 of it, bought 30 from b two days after
    # joining, and was paid 8 + 10 in rewards
    a = dict(zip(_COLUMNS, loaded[0], strict=True))
    assert a["mid"] == 1
    assert a["net_c"] == (100 - 20 - 30 + 8 + 10) * 100
    assert (a["rewards_n"], a["customers"]) == (2, 1)
    assert a["bought"] == 30
    assert a["entry_buy"] is (params.entry_window_days >= 2)
    assert a["first_week"] == (30 if params.first_week_days >= 2 else None)


def test_other_entry_windows_group_in_the_engine(export: Path) -> None:
    """Flows added up over the default windows are not used for an audit over others."""
    dataset = load_dataset(export)
    narrow = AuditParams(entry_window_days=0)
    assert "member_flows" not in duckdb_engine(dataset, narrow).shared
    assert audit_dataset(dataset, params=narrow).indicators["entry_payers"] == 0


def test_sums_past_64_bits_leave_the_grouping_to_the_engine(tmp_path: Path) -> None:
    folder = write_big_export(tmp_path / "big")
    dataset = load_dataset(folder)
    assert dataset.flows is None
    indicators = audit_dataset(dataset).indicators
    assert indicators["sales_total"] == 2 * 11 * 9e15
    # nets: a 0 + 18 in rewards, b 3, c 9, d 0
    assert indicators["median_net_cash"] == 6.0
    assert indicators["members_lost_money_share"] == 0.0


@pytest.mark.parametrize("name", sorted(REPLICAS))
def test_the_loader_ranks_the_members_as_the_engine_does(
    name: str, replica_dirs: dict[str, Path]
) -> None:
    dataset = load_dataset(replica_dirs[name])
    engine = duckdb_engine(dataset)
    loaded = engine.shared["reward_ranks"]
    ranked = reward_ranks(engine, engine.shared["member_flows"])
    assert loaded.schema() == ranked.schema()
    by_rank = [engine.rows(t.order_by("up")) for t in (loaded, ranked)]
    assert len(by_rank[0]) == dataset.row_counts()["members"]
    assert by_rank[0] == by_rank[1]  # ties in any order: the same amounts rank for rank
