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


def masked_name(name: str) -> str:
    """ "王小明" → "王*明", "Li" → "L*": enough to recognise yourself, not to find a stranger."""
    name = name.strip()
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


def masked_address(address: str) -> str:
    """The start of an address (province and city, usually) and no more: "浙江省杭州市…"."""
    address = address.strip()
    return address[:6] + ("…" if len(address) > 6 else "")
