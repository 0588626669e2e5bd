"""The earnings disclosure against a reference written from its definition, on random channels:
every reseller active in the year counts, at zero when they earned nothing; the quartiles are
``statistics.quantiles(..., method="inclusive")``; the top tenth is the largest earners, rounded
up, at least one."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.channel.helpers import make_brand
from tests.factories import make_user
from weishang.channel.disclosure import disclosure
from weishang.channel.models import EarningsYear, Membership

YEAR = 2026
# One reseller: when they joined and left (None: still in), and what they earned in the year.
RESELLER = st.tuples(
    st.sampled_from(["before", "during", "after"]),
    st.sampled_from([None, "before", "during", "after"]),
    st.one_of(st.just(0), st.integers(-5000, 2_000_000)),
)
WHEN = {
    "before": datetime(YEAR - 1, 6, 1, tzinfo=UTC),
    "during": datetime(YEAR, 6, 1, tzinfo=UTC),
    "after": datetime(YEAR + 1, 2, 1, tzinfo=UTC),
}


def reference(rows: list[tuple[str, str | None, int]]) -> tuple[int, int, list[int], float | None]:
    active = [
        earned
        for joined, left, earned in rows
        if (
            WHEN[joined] < WHEN["after"]
            and (left is None or WHEN[left] >= datetime(YEAR, 1, 1, tzinfo=UTC))
        )
        or earned != 0
    ]
    values = sorted(active)
    if not values:
        return 0, 0, [], None
    quartiles = (
        [values[0]] * 3
        if len(values) == 1
        else statistics.quantiles(values, n=4, method="inclusive")
    )
    top = values[-max(1, math.ceil(len(values) / 10)) :]
    positive = sum(v for v in values if v > 0)
    share = sum(v for v in top if v > 0) / positive if positive else None
    return len(values), sum(1 for v in values if v <= 0), [round(q) for q in quartiles], share


class TestDisclosureAgainstTheDefinition(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(RESELLER, max_size=25))
    def test_random_channels(self, rows: list[tuple[str, str | None, int]]) -> None:
        # Nobody earns before they are approved (a reseller who left before the year may still
        # be paid in it, for a cash-on-delivery sale delivered later).
        rows = [(j, left, 0 if j == "after" else e) for j, left, e in rows]
        brand = make_brand()
        for joined, left, earned in rows:
            if left is not None and WHEN[left] < WHEN[joined]:
                left = joined  # a reseller leaves after joining
            membership = Membership.objects.create(
                channel=brand.channel,
                user=make_user(),
                status="left" if left else "active",
                approved_at=WHEN[joined],
                ended_at=WHEN[left] if left else None,
            )
            if earned:
                EarningsYear.objects.create(
                    membership=membership, channel=brand.channel, year=YEAR, earned_minor=earned
                )
        fixed = [
            (j, (j if left is not None and WHEN[left] < WHEN[j] else left), e)
            for j, left, e in rows
        ]
        n, nothing, quartiles, share = reference(fixed)
        found = disclosure(brand.channel, YEAR)
        assert (found.resellers, found.earned_nothing) == (n, nothing)
        if n:
            assert [found.lower_quartile, found.median, found.upper_quartile] == quartiles
            assert found.top_tenth_share == share
            assert sum(b.resellers for b in found.brackets) == n
