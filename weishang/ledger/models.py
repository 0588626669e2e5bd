"""A double-entry ledger: accounts, and journal entries whose postings sum to zero.

Entries are never changed or deleted: a correction is a new entry (``reverses`` names the one it
undoes). An account's balance is the sum of its postings, in minor units of its one currency;
a debit is positive, a credit negative, so the postings of every entry, and the balances of all
accounts of one currency, sum to zero. Held money (a commission inside the return window) is an
account of its own; releasing or voiding it is an entry that moves it on, as TigerBeetle's
pending, then posted or voided, transfers do.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from weishang.core.money import CURRENCY_CHOICES


class LedgerImmutable(Exception):
    """Raised on any attempt to change or delete what the ledger has written."""


class _WriteOnceQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def update(self, **kwargs: Any) -> int:
        raise LedgerImmutable("the ledger is written once: post a correcting entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerImmutable("the ledger is never deleted from")


class _WriteOnce(models.Model):
    objects = _WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutable(f"{type(self).__name__} {self.pk} is written once, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerImmutable(f"{type(self).__name__} {self.pk} is never deleted")


class LedgerAccount(_WriteOnce):
    # What the account is, as a path: "channel:3:reseller:42:held", "platform:fees", ...
    key = models.CharField(max_length=120, unique=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.currency})"


class JournalEntry(_WriteOnce):
    kind = models.CharField(max_length=40)  # "sale", "commission_hold", "release", "payout", ...
    reference = models.CharField(max_length=80, blank=True, db_index=True)  # e.g. "order:17"
    memo = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.reference}"


class Posting(_WriteOnce):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField()  # a debit is positive, a credit negative

    class Meta:
        indexes = [models.Index(fields=["account", "entry"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="posting_not_zero")
        ]
