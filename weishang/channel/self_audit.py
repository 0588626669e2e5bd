"""The channel audits itself: its data, written to the audit data contract
(``docs/audit-data.md``), run through the same engine as any operation's export.

- ``members``: everyone who was ever an active reseller (``M<id>``), their sponsor, when they
  were approved and when they left. The brand is the company (an empty seller).
- ``transactions``: every paid channel sale (``O<order>``), collected by the brand (dropship:
  ``seller_collects`` false), and every refund the ledger recorded against it. The buyer is the
  participant's member id when a participant bought (by account or phone, as the commission
  rule decides), else a pseudonymous consumer id (a keyed hash of the phone: no phone number
  leaves the platform).
- ``rewards``: what each sale pays now, after refunds: the seller's commission (``own_sales``)
  and, under a team-pay policy, the direct sponsor's override (``downline_sales``).

Amounts come from the ledger's entries (refunds) and the commissions it keeps in step; nothing
is computed from labels.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from weishang.audit.api import audit
from weishang.audit.report_html import render_report
from weishang.audit.result import AuditResult
from weishang.core.money import exponent
from weishang.core.phones import normalize_phone
from weishang.ledger.models import Posting

from .commissions import brand_cash
from .models import Channel, Commission, CommissionState, Membership


def _at(moment: datetime) -> str:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def _amount(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-exponent(currency)))


def _consumer(phone: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return "C" + digest[:16]


def channel_export(channel: Channel, folder: Path) -> Path:
    """Write the channel's data in the audit's contract into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    currency = channel.shop.currency
    members = list(
        Membership.objects.filter(channel=channel, approved_at__isnull=False)
        .select_related("user")
        .order_by("pk")
    )
    ids = {m.pk for m in members}
    by_user = {m.user_id: m.pk for m in members}
    by_phone = {m.user.phone: m.pk for m in members if m.user.phone}
    with (folder / "members.csv").open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["member_id", "sponsor_id", "joined_at", "left_at"])
        for m in members:
            sponsor = f"M{m.sponsor_id}" if m.sponsor_id in ids else ""
            left = _at(m.ended_at) if m.ended_at else ""
            w.writerow([f"M{m.pk}", sponsor, _at(m.approved_at), left])  # type: ignore[arg-type]

    sales = list(
        Commission.objects.filter(
            channel=channel, state__in=[CommissionState.HELD, CommissionState.PAYABLE]
        )
        .select_related("order")
        .order_by("order_id")
    )
    refunds = Posting.objects.filter(
        account__key=brand_cash(channel.pk), amount_minor__lt=0, entry__kind="refund"
    ).values_list("entry__reference", "entry_id", "entry__created_at", "amount_minor")
    refunds_by_order: dict[str, list[tuple[int, datetime, int]]] = {}
    for reference, entry_id, at, amount in refunds:
        refunds_by_order.setdefault(reference, []).append((entry_id, at, -amount))

    with (
        (folder / "transactions.csv").open("w", newline="", encoding="utf-8") as tx_out,
        (folder / "rewards.csv").open("w", newline="", encoding="utf-8") as rw_out,
    ):
        tx, rw = csv.writer(tx_out), csv.writer(rw_out)
        tx.writerow(["txn_id", "at", "kind", "seller_id", "buyer_id", "amount", "seller_collects"])
        rw.writerow(["reward_id", "at", "member_id", "amount", "basis", "source_member_id"])
        for c in sales:
            order = c.order
            buyer = _consumer(order.buyer_phone)
            if c.participant:
                member = by_user.get(order.placed_by_id) or by_phone.get(  # type: ignore[arg-type]
                    normalize_phone(order.buyer_phone) or order.buyer_phone
                )
                buyer = f"M{member}" if member else ""  # the brand itself: the company
            seller = f"M{c.seller_id}"
            paid = _at(c.sale_paid_at)  # type: ignore[arg-type]
            tx.writerow(
                [
                    f"O{c.order_id}",
                    paid,
                    "sale",
                    seller,
                    buyer,
                    _amount(c.base_minor, currency),
                    "false",
                ]
            )
            for entry_id, at, amount in refunds_by_order.get(f"order:{c.order_id}", []):
                tx.writerow(
                    [
                        f"R{entry_id}",
                        _at(at),
                        "refund",
                        seller,
                        buyer,
                        _amount(amount, currency),
                        "false",
                    ]
                )
            if c.seller_minor > 0:
                rw.writerow(
                    [
                        f"S{c.order_id}",
                        paid,
                        seller,
                        _amount(c.seller_minor, currency),
                        "own_sales",
                        seller,
                    ]
                )
            if c.sponsor_id is not None and c.override_minor > 0:
                rw.writerow(
                    [
                        f"T{c.order_id}", paid, f"M{c.sponsor_id}",
                        _amount(c.override_minor, currency), "downline_sales", seller,
                    ]
                )  # fmt: skip
    (folder / "dataset.json").write_text(
        json.dumps(
            {
                "name": f"{channel.shop.name} channel",
                "currency": currency,
                "timezone": settings.TIME_ZONE,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return folder


def channel_audit(channel: Channel) -> tuple[AuditResult, str]:
    """Audit the channel with the same engine as any export: the result and its HTML report."""
    with tempfile.TemporaryDirectory(prefix="weishang-channel-audit-") as tmp:
        folder = channel_export(channel, Path(tmp) / "export")
        result = audit(folder)
        return result, render_report(result)
