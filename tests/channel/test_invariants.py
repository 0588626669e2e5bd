"""The channel's money invariants, on random sequences of orders, payments, deliveries, refunds,
releases and payout requests (Hypothesis stateful testing), and under concurrent payout requests
on a real database:

- every journal entry balances, and all balances sum to zero;
- no commission is ever payable or held on a refunded, unpaid or participant order;
- what a reseller earned is what their orders pay them now, and the yearly figures kept beside
  the ledger say the same;
- no payout exceeds the payable balance, even when many are requested at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.channel.helpers import buy_from, deliver, make_brand, make_reseller, pay, window_passes
from weishang.channel.commissions import commissions_release_due
from weishang.channel.models import Commission, CommissionState, EarningsYear, Payout
from weishang.channel.payouts import payout_request, statement
from weishang.channel.services import ChannelError
from weishang.ledger.models import JournalEntry, Posting
from weishang.orders.models import Order, OrderStatus
from weishang.payments.services import refund_create


class ChannelMoney(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.brand = make_brand("US", seller_rate="0.20", override_rate="0.05")
        sponsor = make_reseller(self.brand)
        self.resellers = [
            sponsor,
            make_reseller(self.brand, sponsor=sponsor),
            make_reseller(self.brand),
        ]
        self.orders: list[Order] = []
        self.requested: dict[int, int] = {m.pk: 0 for m in self.resellers}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(who=st.integers(0, 2), quantity=st.integers(1, 3), participant=st.booleans())
    def place(self, who: int, quantity: int, participant: bool) -> None:
        seller = self.resellers[who]
        buyer_phone = self.resellers[(who + 1) % 3].user.phone if participant else None
        self.orders.append(buy_from(seller, self.brand, quantity=quantity, phone=buyer_phone))

    def _pick(self, i: int, *statuses: str) -> Order | None:
        found = [o for o in self.orders if Order.objects.get(pk=o.pk).status in statuses]
        return Order.objects.get(pk=found[i % len(found)].pk) if found else None

    @precondition(lambda self: self.orders)
    @rule(i=st.integers(0, 50))
    def pay(self, i: int) -> None:
        order = self._pick(i, OrderStatus.AWAITING_PAYMENT)
        if order is not None:
            pay(order)

    @precondition(lambda self: self.orders)
    @rule(i=st.integers(0, 50))
    def deliver(self, i: int) -> None:
        order = self._pick(i, OrderStatus.AWAITING_SHIPMENT)
        if order is not None:
            deliver(order)

    @precondition(lambda self: self.orders)
    @rule(i=st.integers(0, 50), units=st.integers(0, 3))
    def refund(self, i: int, units: int) -> None:
        order = self._pick(i, OrderStatus.AWAITING_SHIPMENT, OrderStatus.COMPLETED)
        if order is None:
            return
        line = order.lines.get()
        left = line.quantity - line.refunded_quantity
        quantities = {line.pk: min(units, left)} if units else None  # 0: refund the rest
        if quantities and not quantities[line.pk]:
            return
        refund_create(
            shop=order.shop, order_id=order.pk, actor=self.brand.owner, quantities=quantities
        )

    @rule()
    def window_passes(self) -> None:
        window_passes()

    @rule(who=st.integers(0, 2), amount=st.integers(1, 12000))
    def request_payout(self, who: int, amount: int) -> None:
        membership = self.resellers[who]
        before = statement(membership).payable
        try:
            payout_request(membership=membership, actor=membership.user, amount=amount)
        except ChannelError:
            assert amount > before or amount < 1000
        else:
            assert amount <= before
            assert statement(membership).payable == before - amount

    @invariant()
    def every_entry_balances_and_all_balances_sum_to_zero(self) -> None:
        for entry in JournalEntry.objects.prefetch_related("postings"):
            assert sum(p.amount_minor for p in entry.postings.all()) == 0
        assert (Posting.objects.aggregate(t=Sum("amount_minor"))["t"] or 0) == 0

    @invariant()
    def nothing_is_owed_on_a_refunded_unpaid_or_participant_order(self) -> None:
        for c in Commission.objects.select_related("order"):
            owed = c.seller_minor + c.override_minor
            if c.participant or c.order.refunded_minor == c.order.total_minor:
                assert owed == 0
            if c.order.paid_at is None:
                assert c.state in (CommissionState.PENDING, CommissionState.VOID)
            if c.state == CommissionState.PAYABLE:
                assert c.order.status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED)

    @invariant()
    def earned_is_what_the_orders_pay_now_and_the_yearly_figures_agree(self) -> None:
        for m in self.resellers:
            paid = Commission.objects.exclude(state__in=["pending", "void"])
            as_seller = paid.filter(seller=m).aggregate(t=Sum("seller_minor"))["t"] or 0
            as_sponsor = paid.filter(sponsor=m).aggregate(t=Sum("override_minor"))["t"] or 0
            s = statement(m)
            assert s.earned == as_seller + as_sponsor
            assert s.held >= 0 and s.requested >= 0
            kept = EarningsYear.objects.filter(membership=m).aggregate(t=Sum("earned_minor"))
            assert (kept["t"] or 0) == s.earned


@pytest.mark.django_db
def test_channel_money_invariants_on_random_sequences() -> None:
    ChannelMoney.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    ChannelMoney.TestCase().runTest()


@pytest.mark.usefixtures("postgres_only")
@pytest.mark.django_db(transaction=True)
def test_concurrent_payout_requests_never_exceed_the_payable_balance() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    for _ in range(5):  # ¥20 each: ¥100 payable
        order = buy_from(reseller, brand)
        pay(order)
        deliver(order)
    commissions_release_due(now=timezone.now() + timedelta(days=8))
    assert statement(reseller).payable == 10000
    start = threading.Barrier(12)

    def request(_: int) -> bool:
        start.wait()
        try:
            payout_request(membership=reseller, actor=reseller.user, amount="30")
            return True
        except ChannelError:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        granted = sum(pool.map(request, range(12)))
    assert granted == 3  # 3 x ¥30 of ¥100; the other nine were refused
    assert Payout.objects.filter(membership=reseller).count() == 3
    assert statement(reseller).payable == 1000
