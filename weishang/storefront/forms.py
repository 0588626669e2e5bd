from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from weishang.core.errors import UserError
from weishang.orders.choices import PaymentMethod
from weishang.orders.services import ADDRESS_MAX, BUYER_NAME_MAX, NOTE_MAX, buyer_phone_check

if TYPE_CHECKING:
    from weishang.shops.models import Shop


def payment_choices(shop: Shop) -> list[tuple[str, str]]:
    """The ways this shop takes money, in the order the checkout offers them."""
    choices = []
    if shop.accepts_manual_transfer:
        choices.append((PaymentMethod.MANUAL_TRANSFER.value, str(_("Transfer by QR code"))))
    if shop.accepts_cash_on_delivery:
        choices.append((PaymentMethod.CASH_ON_DELIVERY.value, str(_("Cash on delivery"))))
    return choices


class CheckoutForm(forms.Form):
    name = forms.CharField(label=_("Recipient"), max_length=BUYER_NAME_MAX)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32)
    address = forms.CharField(
        label=_("Delivery address"), max_length=ADDRESS_MAX, widget=forms.Textarea
    )
    note = forms.CharField(
        label=_("Note to the seller"), max_length=NOTE_MAX, required=False, widget=forms.Textarea
    )
    payment_method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)
    # Issued when the checkout page renders; the same key always yields the same order.
    checkout_key = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")],
    )
    # What the page showed (orders.services.prices_fingerprint): a price that changed since
    # refuses the order, never charges it. Rendered by the page itself, from its own lines.
    prices_seen = forms.RegexField(regex=r"^[0-9a-f]{24}$", widget=forms.HiddenInput)

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = payment_choices(shop)
        field = self.fields["payment_method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if choices:
            field.initial = choices[0][0]  # the shop's first way of paying, preselected
        field.error_messages["invalid_choice"] = _(
            "This shop does not take that way of paying. Please choose another."
        )
        field.error_messages["required"] = _("Choose how you will pay.")

    def clean_phone(self) -> str:
        try:
            return buyer_phone_check(self.cleaned_data["phone"])
        except UserError as exc:
            raise forms.ValidationError(exc.message, code="invalid_phone") from None
