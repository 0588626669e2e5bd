"""The ledger's invariants, on hand-picked cases and on random sequences of entries (Hypothesis):
every entry balances, all balances of a currency sum to zero, each balance equals a plain
reference sum, nothing written is ever changed or deleted, and a bad entry writes nothing."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from weishang.ledger.models import JournalEntry, LedgerAccount, LedgerImmutable, Posting
from weishang.ledger.services import (
    LedgerError,
    balance,
    balances,
    entry_post,
    entry_reverse,
)

pytestmark = pytest.mark.django_db

SALE = {"buyer:cash": 10000, "brand:3:revenue": -8000, "channel:3:reseller:42:held": -2000}


def test_a_balanced_entry_moves_money_and_balances_follow() -> None:
    entry = entry_post(kind="sale", currency="CNY", postings=SALE, reference="order:17")
    assert entry.postings.count() == 3
    assert balance("channel:3:reseller:42:held") == -2000
    assert balances("channel:3:") == {"channel:3:reseller:42:held": -2000}
    release = {"channel:3:reseller:42:held": 2000, "channel:3:reseller:42:payable": -2000}
    entry_post(kind="release", currency="CNY", postings=release, reference="order:17")
    assert balance("channel:3:reseller:42:held") == 0
    assert balance("channel:3:reseller:42:payable") == -2000
    assert balance("never:used") == 0


@pytest.mark.parametrize(
    "postings",
    [
        {"a": 100, "b": -99},  # unbalanced
        {"a": 100},  # one account
        {"a": 0, "b": 0},  # zero postings
        {"a": 100, "b": -100, "c": 0},
        {"a": 1.5, "b": -1.5},  # not minor units
        {"a": True, "b": -1},
    ],
)
def test_a_bad_entry_is_refused_and_writes_nothing(postings: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(LedgerError):
        entry_post(kind="x", currency="CNY", postings=postings)
    assert not JournalEntry.objects.exists() and not Posting.objects.exists()


def test_an_account_keeps_its_one_currency() -> None:
    entry_post(kind="x", currency="CNY", postings={"a": 1, "b": -1})
    with pytest.raises(LedgerError):
        entry_post(kind="x", currency="USD", postings={"a": 1, "c": -1})
    assert JournalEntry.objects.count() == 1


def test_nothing_written_is_ever_changed_or_deleted() -> None:
    entry = entry_post(kind="sale", currency="CNY", postings=SALE)
    posting = entry.postings.first()
    assert posting is not None
    posting.amount_minor = 1
    for attempt in (
        posting.save,
        posting.delete,
        entry.delete,
        lambda: Posting.objects.filter(pk=posting.pk).update(amount_minor=5),
        lambda: Posting.objects.all().delete(),
        lambda: JournalEntry.objects.all().update(kind="y"),
        lambda: LedgerAccount.objects.all().delete(),
    ):
        with pytest.raises(LedgerImmutable):
            attempt()
    assert balance("channel:3:reseller:42:held") == -2000


def test_a_correction_is_a_new_entry_and_happens_once() -> None:
    entry = entry_post(kind="commission", currency="CNY", postings={"a": 300, "b": -300})
    mirror = entry_reverse(entry=entry, memo="refunded")
    assert mirror.reverses == entry and balance("a") == 0 and balance("b") == 0
    with pytest.raises(LedgerError):
        entry_reverse(entry=entry)
    assert JournalEntry.objects.count() == 2


KEYS = st.sampled_from([f"acct:{n}" for n in range(6)])


@st.composite
def balanced_postings(draw: st.DrawFn) -> dict[str, int]:
    keys = draw(st.lists(KEYS, min_size=2, max_size=5, unique=True))
    amounts = [draw(st.integers(-(10**12), 10**12).filter(bool)) for _ in keys[:-1]]
    assume(sum(amounts) != 0)
    return dict(zip(keys, [*amounts, -sum(amounts)], strict=True))


STEP = st.one_of(
    st.tuples(st.just("post"), balanced_postings()),
    st.tuples(st.just("bad"), st.dictionaries(KEYS, st.integers(-1000, 1000), max_size=4)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
)


class TestInvariantsOnRandomSequences(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(STEP, max_size=12))
    def test_every_entry_balances_and_balances_match_a_plain_sum(self, steps: list) -> None:  # type: ignore[type-arg]
        reference: dict[str, int] = defaultdict(int)
        posted: list[tuple[JournalEntry, dict[str, int]]] = []
        reversed_ids: set[int] = set()
        for action, value in steps:
            if action == "post":
                posted.append((entry_post(kind="t", currency="CNY", postings=value), value))
                for key, amount in value.items():
                    reference[key] += amount
            elif action == "bad":
                valid = len(value) >= 2 and all(value.values()) and sum(value.values()) == 0
                if not valid:
                    with pytest.raises(LedgerError):
                        entry_post(kind="bad", currency="CNY", postings=value)
            elif posted:
                entry, postings = posted[value % len(posted)]
                if entry.pk in reversed_ids:
                    with pytest.raises(LedgerError):
                        entry_reverse(entry=entry)
                else:
                    entry_reverse(entry=entry)
                    reversed_ids.add(entry.pk)
                    for key, amount in postings.items():
                        reference[key] -= amount
        for entry in JournalEntry.objects.all():
            assert entry.postings.aggregate(s=Sum("amount_minor"))["s"] == 0
        assert (Posting.objects.aggregate(s=Sum("amount_minor"))["s"] or 0) == 0
        assert balances("acct:") == {
            k: v for k, v in reference.items() if v or k in balances("acct:")
        }
        for key, amount in reference.items():
            assert balance(key) == amount
