"""A channel's public earnings disclosure (the charter's rule 8), from the ledger.

For a calendar year: how many resellers the channel had (anyone active at some time in that
year, or paid a commission in it: a cash-on-delivery sale can be paid after its seller left), the share who earned nothing, the quartiles and median of what they earned, and the share
of all earnings taken by the top tenth. A reseller's earnings are their net commission (as
seller, and as direct sponsor where the policy allows) on sales paid in that year, after every
refund so far: ``EarningsYear``, which the ledger's own entries keep in step (a test derives it
from the ledger again). Two queries whatever the channel's size: a count, and one figure per
reseller who earned anything (plain SQL: for 100,000 resellers the ORM's rows cost more than the
query). Quartiles interpolate between the nearest values, as ``statistics.quantiles`` does with
``method="inclusive"`` (a test holds the two equal on random channels).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
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


def _active_in(year: int) -> Q:
    """Memberships active at some time in ``year``."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return Q(approved_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))


_EARNED = f"""
SELECT earned_minor FROM {EarningsYear._meta.db_table}
 WHERE channel_id = %s AND year = %s AND earned_minor <> 0
"""


def disclosure(channel: Channel, year: int) -> Disclosure:
    currency = channel.shop.currency
    resellers = Membership.objects.filter(_active_in(year), channel=channel).count()
    # ... and those paid in the year for a sale made before they left in an earlier one (a
    # cash-on-delivery order delivered later): few, found through the index on ended_at.
    resellers += (
        EarningsYear.objects.filter(
            channel=channel,
            year=year,
            membership__ended_at__lt=datetime(year, 1, 1, tzinfo=UTC),
        )
        .exclude(earned_minor=0)
        .count()
    )
    # One figure per reseller who earned anything: plain SQL, as the rows are many and small.
    with connection.cursor() as cursor:
        cursor.execute(_EARNED, [channel.pk, year])
        earned = sorted(row[0] for row in cursor.fetchall())
    # ... and a zero for every other reseller, in its place in the order.
    at = bisect.bisect_left(earned, 0)
    values = earned[:at] + [0] * max(0, resellers - len(earned)) + earned[at:]
    n = len(values)
    if n == 0:
        return Disclosure(year, currency, 0, 0, 0, 0, 0, 0, 0, None, ())
    q1, median, q3 = (_quantile(values, q) for q in (0.25, 0.5, 0.75))
    total = sum(values)
    positive = sum(values[bisect.bisect_right(values, 0) :])
    top = values[-max(1, math.ceil(n / 10)) :]
    return Disclosure(
        year=year,
        currency=currency,
        resellers=n,
        earned_nothing=bisect.bisect_right(values, 0),
        median=median,
        lower_quartile=q1,
        upper_quartile=q3,
        mean=round(total / n),
        total=total,
        top_tenth_share=(sum(v for v in top if v > 0) / positive) if positive else None,
        brackets=_brackets(values, currency),
    )


def _quantile(ordered: list[int], q: float) -> int:
    """The ``q`` quantile of sorted values, interpolated between the two nearest (the
    "inclusive" method of ``statistics.quantiles``), rounded to a minor unit."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _brackets(values: list[int], currency: str) -> tuple[Bracket, ...]:
    """Resellers by what they earned (``values`` sorted): nothing, then under 100, 1,000,
    10,000, and above, in the currency's major unit."""
    unit = 10 ** exponent(currency)  # one yuan, one dollar, one yen
    edges = [1, 100 * unit, 1000 * unit, 10000 * unit]
    cuts = [0, *(bisect.bisect_left(values, edge) for edge in edges), len(values)]
    lows = [0, *edges]
    highs: list[int | None] = [*edges, None]
    return tuple(
        Bracket(low=lows[i], high=highs[i], resellers=cuts[i + 1] - cuts[i])
        for i in range(len(lows))
    )
