"""The charter's rule 10, "No induced sharing": share copy never pays for, unlocks anything for, or
pressures people into sharing. The patterns are data (``induced_sharing.toml``), each with its
source; this module folds a text and matches them."""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PATTERNS_FILE = Path(__file__).with_name("induced_sharing.toml")


@dataclass(frozen=True)
class InducedPattern:
    match: re.Pattern[str]
    example: str
    source: str


@functools.cache
def induced_patterns() -> tuple[InducedPattern, ...]:
    data = tomllib.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    return tuple(
        InducedPattern(re.compile(entry["match"]), entry["example"], entry["source"])
        for entry in data["pattern"]
    )


def fold(text: str) -> str:
    """Lower case, full-width folded (NFKC), with every space, punctuation mark and symbol
    removed: what is left is letters and digits, so spacing cannot hide a phrase."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def induced_sharing_found(text: str) -> InducedPattern | None:
    """The first pattern the text matches, or None for neutral copy."""
    folded = fold(text)
    return next((p for p in induced_patterns() if p.match.search(folded)), None)
