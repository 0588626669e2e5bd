"""Checks on text people type that every app shares."""

from __future__ import annotations

import unicodedata


def has_hidden_characters(text: str, *, lines: bool) -> bool:
    """Control characters, or the invisible ones that reverse how text reads (U+202E, ...);
    ``lines`` allows line breaks and tabs. The zero-width joiner stays (emoji need it)."""
    allowed = {"\n", "\r", "\t"} if lines else set()
    return any(
        (unicodedata.category(ch) in {"Cc", "Cf"} and ch not in allowed and ch != "\u200d")
        for ch in text
    )
