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
    examples: tuple[str, ...]
    source: str


@functools.cache
def induced_patterns() -> tuple[InducedPattern, ...]:
    data = tomllib.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
    return tuple(
        InducedPattern(re.compile(entry["match"]), tuple(entry["examples"]), entry["source"])
        for entry in data["pattern"]
    )


# Cyrillic and Greek letters that look like Latin ones, read as those ("shаre" with a Cyrillic а).
_LOOK_ALIKES = str.maketrans(
    "аеорсуххіјѕԁɡһӏոԛԝαεικνορτυχ",
    "aeopcyxxijsdghlnqwaeiknoptux",
)
# Symbols that stand for a word in share copy: kept, not removed with the other symbols.
_MEANINGFUL_SYMBOLS = {"👍"}


def fold(text: str) -> str:
    """Lower case, full-width folded (NFKC), look-alike letters read as Latin, and every space,
    punctuation mark and symbol removed but the few that stand for a word: what is left is
    letters and digits, so spacing and look-alikes cannot hide a phrase."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_LOOK_ALIKES)
    return "".join(
        ch for ch in folded if unicodedata.category(ch)[0] in "LN" or ch in _MEANINGFUL_SYMBOLS
    )


def induced_sharing_found(text: str) -> InducedPattern | None:
    """The first pattern the text matches, or None for neutral copy."""
    folded = fold(text)
    return next((p for p in induced_patterns() if p.match.search(folded)), None)
