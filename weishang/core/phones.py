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
