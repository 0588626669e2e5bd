"""Phone numbers: one parser, so a number typed as ``138 0013 8000`` or ``+86 13800138000``
is stored once, as E.164."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "CN"


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a valid number, or None when it is not a phone number."""
    text = (text or "").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str, region: str = DEFAULT_REGION) -> str:
    """``+8613800138000`` → ``138 0013 8000`` for a number of ``region``; international otherwise."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def masked_phone(e164: str) -> str:
    """``+8613800138000`` → ``138****8000``: the last four digits, enough to recognise."""
    digits = "".join(ch for ch in e164 if ch.isdigit())
    if len(digits) < 7:
        return "****"
    national = digits[2:] if e164.startswith("+86") else digits
    return f"{national[:3]}****{national[-4:]}"
