"""Compile the loader's loops before the first audit.

The loader's compiled loops (numba) are compiled on their first call and cached beside their
modules (or under ``NUMBA_CACHE_DIR``), so the first audit after an install would spend a minute
compiling. ``python -m weishang.audit.warmup`` audits a small replica once from CSV and once from
Parquet (the loader's two paths), which compiles and caches every loop; ``./dev install`` runs it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from weishang.audit.api import audit
from weishang.audit.replicas import tea_farm


def warm_up() -> float:
    """Audit a small replica from CSV and from Parquet; the seconds it took."""
    started = time.perf_counter()
    replica = tea_farm()
    with tempfile.TemporaryDirectory(prefix="weishang-warmup-") as folder:
        for fmt in ("csv", "parquet"):
            audit(replica.write(Path(folder) / fmt, fmt))
    return time.perf_counter() - started


def main() -> None:
    print(f"the audit's compiled loops are ready ({warm_up():.0f} s)")


if __name__ == "__main__":
    main()
