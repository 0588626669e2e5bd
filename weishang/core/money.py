"""Money: integer minor units with the currency beside them, never floats.

Every amount in the database is an integer count of the currency's minor unit (fen for CNY,
cents for USD, yen for JPY). This module is the one place that converts between what a person
types or reads and those integers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor-unit exponents and the symbol a buyer expects to see.
CURRENCIES: dict[str, tuple[int, str]] = {
    "CNY": (2, "¥"),
    "HKD": (2, "HK$"),
    "TWD": (2, "NT$"),
    "USD": (2, "$"),
    "EUR": (2, "€"),
    "GBP": (2, "£"),
    "JPY": (0, "¥"),
}
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]

MAX_PRICE_MINOR = 10**10  # 100 million in a two-decimal currency: no real product costs more


class MoneyError(ValueError):
    """A money amount a person typed that cannot be a price."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def exponent(currency: str) -> int:
    try:
        return CURRENCIES[currency][0]
    except KeyError:
        raise MoneyError("unknown_currency", f"Unknown currency {currency!r}") from None


def parse_amount(text: str | Decimal | int, currency: str) -> int:
    """Parse a typed amount ("12.5", "12.50") to minor units; reject more decimals than the
    currency has."""
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise MoneyError("not_a_number", "not a number") from None
    if not value.is_finite():
        raise MoneyError("not_a_number", "not a number")
    exp = exponent(currency)
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise MoneyError("too_many_decimals", f"at most {exp} decimal places")
    return int(scaled)


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def round_minor(value: Decimal) -> int:
    """Round a computed amount (a percentage of a price, say) to whole minor units, half up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(minor: int, currency: str) -> str:
    """``¥12.50``; ``-¥3.00``; ``¥1,280`` for a currency without minor units."""
    exp, symbol = CURRENCIES.get(currency, (2, currency + " "))
    sign = "-" if minor < 0 else ""
    amount = Decimal(abs(minor)).scaleb(-exp)
    return f"{sign}{symbol}{amount:,.{exp}f}"
