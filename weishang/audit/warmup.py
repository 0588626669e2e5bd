"""Compile the loader's loops before the first audit.

The loader's compiled loops (numba) are compiled on their first call and cached beside their
modules (or under ``NUMBA_CACHE_DIR``), so the first audit after an install would spend a minute
compiling. ``python -m weishang.audit.warmup`` audits a small replica from CSV and from Parquet (the
loader's two ways of reading), each with its ids as they are (numbers: ``numbered.py``) and
with ids that are not numbers (the hash index of ``ids.py``), which compiles and caches every
loop; ``./dev install`` runs it.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from weishang.audit.api import audit
from weishang.audit.replicas import Replica, tea_farm

_IDS = {
    "member_id", "sponsor_id", "txn_id", "seller_id", "buyer_id", "ref_txn_id", "reward_id",
    "source_member_id",
}  # fmt: skip


def _not_numbers(replica: Replica) -> Replica:
    """The same replica, every id ending in a letter."""

    def renamed(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [
            row | {k: f"{v}x" for k, v in row.items() if k in _IDS and v is not None}
            for row in rows
        ]

    return replace(
        replica,
        members=renamed(replica.members),
        transactions=renamed(replica.transactions),
        rewards=renamed(replica.rewards),
    )


def warm_up() -> float:
    """Audit a small replica from CSV and from Parquet, by number and by hash; the seconds
    it took."""
    started = time.perf_counter()
    replica = tea_farm()
    with tempfile.TemporaryDirectory(prefix="weishang-warmup-") as folder:
        for ids, copy in (("numbers", replica), ("hashes", _not_numbers(replica))):
            for fmt in ("csv", "parquet"):
                audit(copy.write(Path(folder) / ids / fmt, fmt))
    return time.perf_counter() - started


def main() -> None:
    print(f"the audit's compiled loops are ready ({warm_up():.0f} s)")


if __name__ == "__main__":
    main()
