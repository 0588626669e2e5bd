"""``python -m weishang.audit.warmup``: every compiled loop of the loader compiled and cached."""

from __future__ import annotations

import importlib
import pkgutil

from numba.core.registry import CPUDispatcher

import weishang.audit
from weishang.audit.warmup import warm_up

# helpers the loops call out of line: compiled with each loop that calls them
_CALLED_BY_LOOPS = {"ids._trim"}


def _loops() -> dict[str, int]:
    """Each compiled loop of the audit (not the helpers inlined into them or called by them)
    and how many signatures it has been compiled for."""
    loops = {}
    for module in pkgutil.iter_modules(weishang.audit.__path__):
        found = importlib.import_module(f"weishang.audit.{module.name}")
        for name, value in vars(found).items():
            key = f"{module.name}.{name}"
            if (
                isinstance(value, CPUDispatcher)
                and value.targetoptions.get("inline") != "always"
                and key not in _CALLED_BY_LOOPS
            ):
                loops[key] = len(value.signatures)
    return loops


def test_the_warm_up_compiles_every_loop_of_the_loader() -> None:
    assert warm_up() > 0
    loops = _loops()
    assert {"ids._lookup", "numbered._lookup", "sums._add_transactions", "activity._insert"} <= set(
        loops
    )
    assert [name for name, signatures in loops.items() if not signatures] == []
