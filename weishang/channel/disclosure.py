"""A channel's public earnings disclosure (the charter's rule 8), from the ledger.

For a calendar year: how many resellers the channel had (anyone active at some time in that
year), the share who earned nothing, the quartiles and median of what they earned, and the share
of all earnings taken by the top tenth. A reseller's earnings are their net commission (as
seller, and as direct sponsor where the policy allows) on sales paid in that year, after every
refund so far: ``EarningsYear``, which the ledger's own entries keep in step (a test derives it
from the ledger again). Two queries whatever the channel's size: a count, and one figure per
reseller who earned anything.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q

from weishang.core.money import exponent

from .models import Channel, EarningsYear, Membership


@dataclass(frozen=True)
class Bracket:
    low: int  # minor units, inclusive
    high: int | None  # exclusive; None: no upper end
    resellers: int


@dataclass(frozen=True)
class Disclosure:
    year: int
    currency: str
    resellers: int
    earned_nothing: int
    median: int
    lower_quartile: int
    upper_quartile: int
    mean: int
    total: int
    top_tenth_share: float | None  # of all earnings, the share the top 10% took
    brackets: tuple[Bracket, ...]

    @property
    def earned_nothing_share(self) -> float | None:
        return self.earned_nothing / self.resellers if self.resellers else None


def _active_in(year: int, prefix: str = "") -> Q:
    """Memberships (or, with ``prefix``, rows pointing to one) active at some time in ``year``."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return Q(**{f"{prefix}approved_at__lt": end}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gte": start})
    )


def disclosure(channel: Channel, year: int) -> Disclosure:
    currency = channel.shop.currency
    resellers = Membership.objects.filter(_active_in(year), channel=channel).count()
    earned = list(
        EarningsYear.objects.filter(year=year, membership__channel=channel)
        .filter(_active_in(year, "membership__"))
        .exclude(earned_minor=0)
        .values_list("earned_minor", flat=True)
    )
    values = sorted([0] * max(0, resellers - len(earned)) + earned)
    n = len(values)
    if n == 0:
        return Disclosure(year, currency, 0, 0, 0, 0, 0, 0, 0, None, ())
    if n == 1:
        q1 = median = q3 = values[0]
    else:
        q1, median, q3 = (round(q) for q in statistics.quantiles(values, n=4, method="inclusive"))
    total = sum(values)
    positive = sum(v for v in values if v > 0)
    top = values[-max(1, math.ceil(n / 10)) :]
    return Disclosure(
        year=year,
        currency=currency,
        resellers=n,
        earned_nothing=sum(1 for v in values if v <= 0),
        median=int(median),
        lower_quartile=int(q1),
        upper_quartile=int(q3),
        mean=round(total / n),
        total=total,
        top_tenth_share=(sum(v for v in top if v > 0) / positive) if positive else None,
        brackets=_brackets(values, currency),
    )


def _brackets(values: list[int], currency: str) -> tuple[Bracket, ...]:
    """Resellers by what they earned: nothing, then under 100, 1,000, 10,000, and above."""
    unit = 10 ** exponent(currency)  # one yuan, one dollar, one yen
    edges = [1, 100 * unit, 1000 * unit, 10000 * unit]
    counts = [0] * (len(edges) + 1)
    for v in values:
        counts[sum(1 for edge in edges if v >= edge)] += 1
    lows = [None, *edges]
    highs = [*edges, None]
    return tuple(
        Bracket(low=lows[i] or 0, high=highs[i], resellers=counts[i]) for i in range(len(counts))
    )
