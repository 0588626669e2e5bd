"""Demo data: filled in by the demo work."""

from __future__ import annotations


def demo_seed() -> list[dict[str, str]]:
    return []
