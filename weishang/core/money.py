"""Money: an integer count of a currency's minor unit, always with its currency. Never a float.

``Money`` is the one money type of the platform. The database keeps each amount as an integer
column (``price_minor``, ``total_minor``, ...) beside a ``currency`` column on the same row, so
check constraints and conditional updates work on plain integers; models hand the pair out as
``Money``. Adding or comparing two amounts in different currencies is an error, not a guess.

Typed amounts are parsed here with a strict pattern before any arithmetic (an 8-character
``9e999990`` is refused at once, never expanded), and amounts are shown through Babel's
``format_currency`` in the reader's language: ``¥12.50`` and ``JP¥1,250`` for a Chinese reader,
``CN¥12.50`` and ``¥1,250`` for an English one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol
from django.utils import translation
from django.utils.translation import gettext as _

# The currencies a shop may sell in. Minor-unit digits come from Babel's (CLDR's) table.
CURRENCIES = ("CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY")
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]

MAX_PRICE_MINOR = 10**10  # 100 million in a two-decimal currency: no real product costs more
# A typed amount: digits with optional thousands commas, an optional fraction; nothing else.
_AMOUNT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,20})(?:\.\d{1,6})?")
MAX_AMOUNT_CHARS = 24


class MoneyError(ValueError):
    """A money amount a person typed that cannot be a price."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CurrencyMismatch(TypeError):
    """Two amounts in different currencies met in one sum or comparison."""


@cache
def exponent(currency: str) -> int:
    """Digits after the decimal point: 2 for CNY, 0 for JPY."""
    if currency not in CURRENCIES:
        raise MoneyError("unknown_currency", f"Unknown currency {currency!r}")
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:
            raise TypeError(f"Money takes whole minor units, not {type(self.minor).__name__}")
        exponent(self.currency)  # an unknown currency is refused here

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """A typed amount ("12.5", "1,280.00") in ``currency``; more decimals than the currency
        has, or anything that is not a plain number, is a ``MoneyError``."""
        cleaned = str(text).strip().replace(" ", "")
        if len(cleaned) > MAX_AMOUNT_CHARS:
            raise MoneyError("max_length", _("That is too long for a price."))
        if not _AMOUNT.fullmatch(cleaned):
            raise MoneyError("not_a_number", _("Enter the price as a number, like 28 or 28.50."))
        value = Decimal(cleaned.replace(",", ""))
        places = exponent(currency)
        scaled = value.scaleb(places)
        if scaled != scaled.to_integral_value():
            if places == 0:
                message = _("Prices in %(currency)s are whole numbers, without decimals.")
            else:
                message = _("Prices in %(currency)s have at most %(places)d decimal places.")
            raise MoneyError(
                "too_many_decimals", message % {"currency": currency, "places": places}
            )
        return cls(int(scaled), currency)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, exactly: ``Decimal("12.50")``."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not add up")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, times: int) -> Money:
        if type(times) is not int:
            raise TypeError("Money is multiplied by whole numbers only; use .share() for a rate")
        return Money(self.minor * times, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def share(self, rate: Decimal) -> Money:
        """``rate`` of this amount (a commission, say), rounded half up to a whole minor unit."""
        if not isinstance(rate, Decimal):
            raise TypeError("a rate is a Decimal, never a float")
        product = Decimal(self.minor) * rate
        return Money(int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.currency)

    def format(self, language: str | None = None) -> str:
        """The amount as a reader of ``language`` (default: the active one) expects it."""
        return format_currency(
            self.amount, self.currency, locale=_locale(language or translation.get_language())
        )

    def __str__(self) -> str:
        return self.format()


def typed_amount(text: str) -> str:
    """What a person typed as an amount, bounded and without a leading currency sign ("¥20" is
    "20"), for ``Money.parse``."""
    return str(text)[: MAX_AMOUNT_CHARS * 2].strip().lstrip("¥￥$").strip()


def zero(currency: str) -> Money:
    return Money(0, currency)


@lru_cache(maxsize=32)
def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language or "zh-hans"))
    except (ValueError, LookupError):
        return Locale.parse("zh_Hans")


def to_decimal(minor: int, currency: str) -> Decimal:
    return Money(minor, currency).amount


def format_money(minor: int, currency: str) -> str:
    """``Money(minor, currency)`` as the active language shows it."""
    return Money(int(minor), currency).format()


def currency_symbol(currency: str, language: str | None = None) -> str:
    """The symbol a reader sees before an amount in this currency: ``¥``, ``JP¥``, ``US$``."""
    return str(
        get_currency_symbol(currency, locale=_locale(language or translation.get_language()))
    )
