"""One name per indicator, and the reward classification's table held to its function."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from weishang.audit import audit, totals
from weishang.audit.activity import BOUGHT, PAID_FEE, SOLD
from weishang.audit.contract import BASIS
from weishang.audit.registry import INDICATORS, SERIES
from weishang.audit.rules import load_packs


def test_the_engine_computes_exactly_the_registered_indicators(export: Path) -> None:
    computed = set(audit(export).indicators)
    assert computed == set(INDICATORS) | {s.name for s in SERIES}


def test_every_pack_names_only_registered_indicators() -> None:
    for pack in load_packs():
        for rule in pack.rules:
            assert rule.indicator in INDICATORS
            assert all(c.indicator in INDICATORS for c in rule.when)


def test_the_classification_table_is_the_function_case_by_case() -> None:
    table = totals._classes()
    classify = totals._classified.py_func
    cases = itertools.product(range(len(BASIS)), (0, 1), range(8), (0, 1), (0, 1))
    for basis, own, did, joined, recent in cases:
        behaviour, entrant = classify(np.int8(basis), own == 1, did, joined == 1, recent == 1)
        assert table[basis, own, did, joined, recent] == behaviour * 2 + int(entrant), (
            basis, own, did, joined, recent,
        )  # fmt: skip


def test_the_function_follows_the_contract_where_it_speaks() -> None:
    """docs/audit-data.md, "Reward basis": a label that matches what the source did stands;
    otherwise the event decides, fee before purchase before joining before a sale; with no
    event the label stands; a sale-based reward is own_sales for the source itself."""
    classify = totals._classified.py_func
    b = {name: np.int8(code) for name, code in BASIS.items()}
    # a recruitment reward on a recruit's purchase is purchase_volume
    assert classify(b["recruitment"], False, BOUGHT, False, False)[0] == b["purchase_volume"]
    # the label stands when it matches
    assert classify(b["recruitment"], False, BOUGHT, True, False)[0] == b["recruitment"]
    # no event: the label stands
    assert classify(b["other"], False, 0, False, False)[0] == b["other"]
    # sold to a consumer: own_sales for oneself, downline_sales for an upline
    assert classify(b["other"], True, SOLD, False, False)[0] == b["own_sales"]
    assert classify(b["own_sales"], False, SOLD, False, False)[0] == b["downline_sales"]
    # the precedence: a fee before a purchase
    assert classify(b["other"], False, PAID_FEE | BOUGHT, False, False)[0] == b["fee_share"]
