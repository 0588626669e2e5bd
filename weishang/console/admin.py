"""Every model of the platform in Django's admin: visible, searchable, and read-only where it
holds money or state. What an operator may change goes through the services (the actions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from weishang.accounts.models import User
from weishang.catalog.models import Product, ProductImage, Variant
from weishang.catalog.services import product_publish
from weishang.channel.models import (
    Certificate,
    Channel,
    ChannelOffer,
    Commission,
    EarningsYear,
    Listing,
    Membership,
    Payout,
)
from weishang.channel.payouts import payout_cancel
from weishang.channel.self_audit import channel_audit
from weishang.core.errors import UserError
from weishang.core.money import Money
from weishang.ledger.models import JournalEntry, LedgerAccount, Posting
from weishang.orders.models import Customer, Order, OrderEvent, OrderLine
from weishang.orders.services import order_cancel, order_complete
from weishang.payments.models import Refund, RefundLine
from weishang.payments.services import payment_confirm, refund_create
from weishang.reviews.models import Review, ReviewPhoto
from weishang.sharing.models import ShareLink, ShareVisit
from weishang.shops.models import Shop


def console_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's own login form is not throttled; the platform's is (accounts.views), so
    everyone signs in there. A signed-in account that is not staff is refused."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    if not request.user.is_staff:
        raise PermissionDenied
    return redirect("admin:index")


admin.site.login = console_login  # type: ignore[assignment]
admin.site.site_header = _("weishang console")
admin.site.site_title = _("weishang console")


class MoneyColumns:
    """Amounts shown as money in their currency, never as raw minor units."""

    @admin.display(description=_("price"))
    def price(self, row: Any) -> str:
        return str(row.price)

    @admin.display(description=_("unit price"))
    def unit_price(self, row: Any) -> str:
        return str(row.unit_price)

    @admin.display(description=_("amount"))
    def amount(self, row: Any) -> str:
        return str(row.amount)

    @admin.display(description=_("amount"))
    def moved(self, event: OrderEvent) -> str:
        """What an order event moved, in its order's currency."""
        return str(Money(event.amount_minor, event.order.currency))


class ReadOnly(MoneyColumns, admin.ModelAdmin):  # type: ignore[type-arg]
    """Shown and searched, never edited, added or deleted through a form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(MoneyColumns, admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _each(
    request: HttpRequest, queryset: QuerySet[Any], change: Callable[[Any], object], done: str
) -> None:
    """Apply a service to every chosen row; report what was done and what the service refused."""
    changed, refused = 0, []
    for row in queryset:
        try:
            change(row)
        except UserError as exc:
            refused.append(f"{row}: {exc.message}")
        else:
            changed += 1
    if changed:
        messages.success(request, f"{done}: {changed}")
    for line in refused:
        messages.error(request, line)


# --- Accounts, shops ------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Accounts: an operator may block one or make it staff; passwords are the owner's."""

    list_display = ("__str__", "email", "phone", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "phone", "display_name")
    fields = (
        "display_name",
        "email",
        "phone",
        "is_active",
        "is_staff",
        "date_joined",
        "last_login",
    )
    readonly_fields = ("email", "phone", "date_joined", "last_login")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are made by signing up, or `weishang createsuperuser`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # sellers' orders and shops point to them: block, never delete


@admin.register(Shop)
class ShopAdmin(ReadOnly):
    list_display = ("name", "slug", "owner", "currency", "created_at")
    list_filter = ("currency", "accepts_cash_on_delivery")
    search_fields = ("name", "slug", "owner__email", "owner__phone", "wechat_id", "phone")


# --- Catalog --------------------------------------------------------------------------------


class VariantInline(ReadOnlyInline):
    model = Variant
    fields = ("name", "price", "stock")
    readonly_fields = fields


@admin.register(Product)
class ProductAdmin(ReadOnly):
    list_display = ("name", "shop", "is_published", "updated_at")
    list_filter = ("is_published",)
    search_fields = ("name", "subtitle", "shop__name", "shop__slug")
    inlines = (VariantInline,)
    actions = ("take_off_sale",)

    @admin.action(description=_("Take off sale"))
    def take_off_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        _each(
            request,
            queryset,
            lambda product: product_publish(product=product, published=False),
            str(_("Taken off sale")),
        )


@admin.register(Variant)
class VariantAdmin(ReadOnly):
    list_display = ("__str__", "price", "stock")
    exclude = ("price_minor",)
    readonly_fields = ("price",)
    search_fields = ("name", "product__name", "product__shop__slug")


@admin.register(ProductImage)
class ProductImageAdmin(ReadOnly):
    list_display = ("product", "position", "width", "height")
    search_fields = ("product__name", "product__shop__slug")


# --- Orders, payments -----------------------------------------------------------------------


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("product_name", "variant_name", "unit_price", "quantity", "refunded_quantity")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("at", "action", "from_status", "to_status", "moved", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("order", "actor")

    show_change_link = False


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "reason", "created_by")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ("reference", "shop", "status", "total_shown", "buyer_name", "created_at")
    exclude = ("total_minor", "refunded_minor", "checkout_key")
    readonly_fields = ("total_shown", "refunded_shown")
    list_filter = ("status", "payment_method", "currency")
    search_fields = ("reference", "buyer_name", "buyer_phone", "shop__name", "shop__slug")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, RefundInline, OrderEventInline)
    actions = ("confirm_payment", "complete", "cancel", "refund_in_full")

    @admin.display(description=_("total"))
    def total_shown(self, order: Order) -> str:
        return str(order.total)

    @admin.display(description=_("refunded"))
    def refunded_shown(self, order: Order) -> str:
        return str(order.refunded)

    def _run(
        self,
        request: HttpRequest,
        queryset: QuerySet[Order],
        service: Callable[..., object],
        done: str,
        **extra: Any,
    ) -> None:
        actor = request.user
        _each(
            request,
            queryset.select_related("shop"),
            lambda order: service(shop=order.shop, order_id=order.pk, actor=actor, **extra),
            done,
        )

    @admin.action(description=_("Confirm payment received"))
    def confirm_payment(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(request, queryset, payment_confirm, str(_("Payment confirmed")))

    @admin.action(description=_("Mark as completed"))
    def complete(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(request, queryset, order_complete, str(_("Completed")))

    @admin.action(description=_("Cancel order"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        reason = str(_("Cancelled by the platform's operators"))
        self._run(request, queryset, order_cancel, str(_("Cancelled")), reason=reason)

    @admin.action(description=_("Refund in full"))
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        reason = str(_("Refunded by the platform's operators"))
        self._run(request, queryset, refund_create, str(_("Refunded in full")), reason=reason)


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnly):
    list_display = ("order", "product_name", "variant_name", "unit_price", "quantity")
    exclude = ("unit_price_minor",)
    readonly_fields = ("unit_price",)
    search_fields = ("order__reference", "product_name")


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnly):
    list_display = ("order", "action", "from_status", "to_status", "moved", "actor", "at")
    exclude = ("amount_minor",)
    readonly_fields = ("moved",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("order", "actor")

    list_filter = ("action",)
    search_fields = ("order__reference", "note")


@admin.register(Customer)
class CustomerAdmin(ReadOnly):
    list_display = ("name", "phone", "shop", "created_at")
    search_fields = ("name", "phone", "shop__slug")


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ("order", "amount", "created_by", "created_at")
    exclude = ("amount_minor",)
    readonly_fields = ("amount",)
    search_fields = ("order__reference", "reason")


@admin.register(RefundLine)
class RefundLineAdmin(ReadOnly):
    list_display = ("refund", "order_line", "quantity", "restocked")
    search_fields = ("refund__order__reference",)


# --- Sharing, reviews, the channel and its ledger: read here, written only by their services ----


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnly):
    list_display = ("code", "label", "owner", "shop", "created_at", "revoked_at")
    search_fields = ("code", "label", "shop__slug")


@admin.register(ShareVisit)
class ShareVisitAdmin(ReadOnly):
    list_display = ("link", "at")
    search_fields = ("link__code",)


@admin.register(Review)
class ReviewAdmin(ReadOnly):
    list_display = ("shop", "product", "rating", "author", "created_at", "replied_at")
    search_fields = ("shop__slug", "author", "text")


@admin.register(ReviewPhoto)
class ReviewPhotoAdmin(ReadOnly):
    list_display = ("review", "position")
    search_fields = ("review__shop__slug",)


@admin.register(Channel)
class ChannelAdmin(ReadOnly):
    """Operators audit any channel: the same engine and report as the brand's own page."""

    list_display = ("shop", "policy", "requires_approval", "is_open", "created_at", "audit_link")
    search_fields = ("shop__slug", "shop__name")

    @admin.display(description=_("audit"))
    def audit_link(self, channel: Channel) -> str:
        url = reverse("admin:channel_channel_audit", args=[channel.pk])
        return format_html('<a href="{}">{}</a>', url, _("audit report"))

    def get_urls(self) -> list[Any]:
        audit = self.admin_site.admin_view(self.audit_view)
        return [
            path("<int:channel_id>/audit/", audit, name="channel_channel_audit"),
            *super().get_urls(),
        ]

    def audit_view(self, request: HttpRequest, channel_id: int) -> HttpResponse:
        channel = Channel.objects.select_related("shop").filter(pk=channel_id).first()
        if channel is None:
            raise Http404
        _result, html = channel_audit(channel)
        return HttpResponse(html, content_type="text/html; charset=utf-8")


@admin.register(ChannelOffer)
class ChannelOfferAdmin(ReadOnly):
    """Offers are set only through ``channel.services.offer_set``, which applies the policy; the
    console cannot add a rate, let alone a third level (there is no field for one)."""

    list_display = ("channel", "product", "price_min_minor", "price_max_minor", "seller_rate")
    search_fields = ("channel__shop__slug", "product__name")


@admin.register(Membership)
class MembershipAdmin(ReadOnly):
    list_display = ("channel", "user", "sponsor", "status", "joined_at", "ended_at")
    list_filter = ("status",)
    search_fields = ("channel__shop__slug", "user__email", "user__phone")


@admin.register(Listing)
class ListingAdmin(ReadOnly):
    list_display = ("membership", "offer", "price_minor", "created_at")
    search_fields = ("membership__user__email", "offer__product__name")


@admin.register(Commission)
class CommissionAdmin(ReadOnly):
    """What each channel order pays: written only by the order's write path (the ledger)."""

    list_display = ("order", "seller", "sponsor", "state", "seller_minor", "override_minor")
    list_filter = ("state", "participant")
    search_fields = ("order__reference", "seller__user__email")


@admin.register(Payout)
class PayoutAdmin(ReadOnly):
    list_display = ("membership", "amount_minor", "currency", "state", "reference", "settled_at")
    list_filter = ("state",)
    search_fields = ("membership__user__email", "reference")
    actions = ["cancel_requests"]

    @admin.action(description=_("Cancel the requests (their amounts go back to the balances)"))
    def cancel_requests(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        _each(
            request,
            queryset.select_related("membership__channel__shop"),
            lambda payout: payout_cancel(payout=payout, actor=request.user),  # type: ignore[arg-type]
            str(_("Cancelled")),
        )


@admin.register(EarningsYear)
class EarningsYearAdmin(ReadOnly):
    list_display = ("membership", "year", "earned_minor")
    search_fields = ("membership__user__email",)


@admin.register(Certificate)
class CertificateAdmin(ReadOnly):
    list_display = ("code", "membership", "issued_at", "valid_until", "revoked_at")
    search_fields = ("code", "membership__user__email")


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnly):
    list_display = ("key", "currency", "created_at")
    search_fields = ("key",)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnly):
    list_display = ("pk", "kind", "reference", "currency", "reverses", "created_at")
    search_fields = ("kind", "reference", "memo")


@admin.register(Posting)
class PostingAdmin(ReadOnly):
    list_display = ("entry", "account", "amount_minor")
    search_fields = ("account__key", "entry__reference")
