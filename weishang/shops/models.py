from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from weishang.core.money import CURRENCY_CHOICES, format_money

# Addresses a shop may not take: they are, or will be, the platform's own pages.
RESERVED_SLUGS = frozenset(
    {
        "about", "accounts", "account", "admin", "api", "app", "assets", "audit", "auth",
        "brand", "brands", "cart", "channel", "channels", "checkout", "dashboard", "demo",
        "docs", "help", "i18n", "login", "logout", "media", "new", "o", "order", "orders",
        "pay", "payments", "platform", "s", "sell", "seller", "settings", "shop", "shops",
        "signup", "static", "support", "terms", "privacy", "weishang", "www", "healthz", "verify",
    }
)  # fmt: skip

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$",
    _("Use 3–40 lowercase letters, digits or hyphens, starting and ending with a letter or digit."),
    code="invalid_slug",
)


class Shop(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shops"
    )
    name = models.CharField(_("shop name"), max_length=60)
    slug = models.SlugField(_("address"), max_length=40, unique=True, validators=[slug_validator])
    story = models.TextField(_("story"), max_length=2000, blank=True)
    logo = models.ImageField(_("logo"), upload_to="shops/logos/", blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CNY"
    )
    payment_qr = models.ImageField(_("payment QR code"), upload_to="shops/payment-qr/", blank=True)
    accepts_cash_on_delivery = models.BooleanField(_("accept cash on delivery"), default=True)
    notify_email = models.EmailField(_("order e-mails go to"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def money(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def accepts_manual_transfer(self) -> bool:
        return bool(self.payment_qr)
