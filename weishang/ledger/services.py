"""Writing to the ledger: ``entry_post`` is the only way money moves in it.

An entry is refused, with nothing written, unless it has at least two postings, none zero, all
in the entry's currency, summing to zero. ``entry_reverse`` undoes an entry with its mirror
image. Balances are read from the postings (``balance``), never kept beside them, so they cannot
drift from the entries that make them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from django.db import IntegrityError, transaction
from django.db.models import Sum

from weishang.core.errors import UserError
from weishang.core.money import CURRENCIES

from .models import JournalEntry, LedgerAccount, Posting


class LedgerErrorCode(Enum):
    UNBALANCED = "unbalanced"
    TOO_FEW_POSTINGS = "too_few_postings"
    ZERO_POSTING = "zero_posting"
    CURRENCY_MISMATCH = "currency_mismatch"
    ALREADY_REVERSED = "already_reversed"


class LedgerError(UserError):
    pass


def account_for(key: str, currency: str) -> LedgerAccount:
    """The account named ``key``, opened on first use; its currency never changes."""
    if currency not in CURRENCIES:
        raise LedgerError(LedgerErrorCode.CURRENCY_MISMATCH, f"unknown currency {currency!r}")
    account = LedgerAccount.objects.filter(key=key).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LedgerAccount.objects.create(key=key, currency=currency)
        except IntegrityError:  # opened by a concurrent entry
            account = LedgerAccount.objects.get(key=key)
    if account.currency != currency:
        raise LedgerError(
            LedgerErrorCode.CURRENCY_MISMATCH,
            f"account {key} is in {account.currency}, not {currency}",
        )
    return account


def entry_post(
    *,
    kind: str,
    currency: str,
    postings: Mapping[str, int],
    reference: str = "",
    memo: str = "",
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced entry: ``postings`` maps account keys to signed minor units (debits
    positive, credits negative) that must sum to zero."""
    if len(postings) < 2:
        raise LedgerError(LedgerErrorCode.TOO_FEW_POSTINGS, "an entry moves money between accounts")
    if any(not isinstance(v, int) or isinstance(v, bool) or v == 0 for v in postings.values()):
        raise LedgerError(LedgerErrorCode.ZERO_POSTING, "every posting is a non-zero integer")
    if sum(postings.values()) != 0:
        raise LedgerError(
            LedgerErrorCode.UNBALANCED,
            f"postings sum to {sum(postings.values())}, not zero",
        )
    with transaction.atomic():
        accounts = {key: account_for(key, currency) for key in sorted(postings)}
        entry = JournalEntry.objects.create(
            kind=kind, currency=currency, reference=reference, memo=memo, reverses=reverses
        )
        Posting.objects.bulk_create(
            Posting(entry=entry, account=accounts[key], amount_minor=amount)
            for key, amount in sorted(postings.items())
        )
    return entry


def entry_reverse(*, entry: JournalEntry, memo: str = "") -> JournalEntry:
    """Undo ``entry`` with its mirror image (once)."""
    mirror = {p.account.key: -p.amount_minor for p in entry.postings.select_related("account")}
    try:
        return entry_post(
            kind=f"reverse:{entry.kind}"[:40],
            currency=entry.currency,
            postings=mirror,
            reference=entry.reference,
            memo=memo,
            reverses=entry,
        )
    except IntegrityError:
        raise LedgerError(
            LedgerErrorCode.ALREADY_REVERSED, f"entry {entry.pk} is already reversed"
        ) from None


def balance(key: str) -> int:
    """The account's balance in minor units (0 for an account never used)."""
    total = Posting.objects.filter(account__key=key).aggregate(total=Sum("amount_minor"))["total"]
    return int(total or 0)


def balances(prefix: str) -> dict[str, int]:
    """The balances of every account whose key starts with ``prefix``."""
    rows = (
        Posting.objects.filter(account__key__startswith=prefix)
        .values("account__key")
        .annotate(total=Sum("amount_minor"))
    )
    return {row["account__key"]: int(row["total"]) for row in rows}
