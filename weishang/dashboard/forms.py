"""Seller forms: they parse and check what a person typed; services do the writing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from weishang.catalog.services import (
    MAX_STOCK,
    MAX_VARIANTS,
    PRODUCT_DESCRIPTION_MAX,
    PRODUCT_NAME_MAX,
    PRODUCT_SUBTITLE_MAX,
    VARIANT_NAME_MAX,
    VariantInput,
    photo_count_check,
    price_check,
    stock_check,
    variant_count_check,
)
from weishang.core.errors import UserError, service_check
from weishang.core.images import upload_size_check
from weishang.core.money import (
    CURRENCY_CHOICES,
    MAX_AMOUNT_CHARS,
    Money,
    MoneyError,
    to_decimal,
    typed_amount,
)
from weishang.core.phones import normalize_phone
from weishang.orders.lifecycle import refund_check
from weishang.shops.services import EDITABLE_FIELDS, shop_slug_check

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from weishang.orders.models import Order

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


def required(message: StrOrPromise) -> dict[str, Any]:
    return {"required": message}


def check_upload_size(upload: UploadedFile | None) -> None:
    if upload is not None:
        service_check(upload_size_check, upload.size or 0)


class PhotoInput(forms.ClearableFileInput):
    template_name = "django/forms/widgets/file.html"  # no "clear" checkbox: removal is a button

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": IMAGE_ACCEPT, **(attrs or {})})


class MultiplePhotoInput(PhotoInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one file input; each is checked for size here and by content later."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultiplePhotoField, self).clean(f, initial) for f in files]
        cleaned = [f for f in cleaned if f]
        service_check(photo_count_check, 0, len(cleaned))
        for upload in cleaned:
            check_upload_size(upload)
        return cleaned


class PriceField(forms.CharField):
    """A price typed in the shop's currency, cleaned to integer minor units."""

    def __init__(self, *, currency: str = "CNY", **kwargs: Any) -> None:
        self.currency = currency
        kwargs.setdefault("error_messages", required(_("Enter a price.")))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "maxlength": str(MAX_AMOUNT_CHARS)}
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return str(to_decimal(value, self.currency))
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        text = typed_amount(str(text))
        try:
            price = Money.parse(text, self.currency)
        except MoneyError as exc:
            raise ValidationError(str(exc), code=exc.code) from None
        service_check(price_check, price)
        return price.minor


class StockField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Enter how many you have in stock (0 if none)."),
                "invalid": _("Enter stock as a whole number, like 20."),
            },
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "min": "0", "max": str(MAX_STOCK)})

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            service_check(stock_check, value)


# --- Shop -----------------------------------------------------------------------------------


class ShopForm(forms.Form):
    name = forms.CharField(
        label=_("Shop name"),
        max_length=60,
        error_messages=required(_("Give your shop a name.")),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Grandma Li's Jujube Farm")}),
    )
    slug = forms.CharField(
        label=_("Shop address"),
        max_length=40,
        error_messages=required(_("Choose an address for your shop link.")),
        help_text=_("3–40 lowercase letters, digits or hyphens. It is your shop's link."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false", "placeholder": "li-jujubes"}
        ),
    )
    story = forms.CharField(
        label=_("Your story"),
        max_length=2000,
        required=False,
        help_text=_("A few lines: who you are, where your goods come from."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    logo = forms.FileField(label=_("Logo"), required=False, widget=PhotoInput())
    wechat_id = forms.CharField(label=_("WeChat ID"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="CNY")
    payment_qr = forms.FileField(
        label=_("Payment QR code"),
        required=False,
        widget=PhotoInput(),
        help_text=_(
            "Your WeChat Pay or Alipay collection code. Buyers scan it to pay you directly."
        ),
    )
    accepts_cash_on_delivery = forms.BooleanField(
        label=_("Accept cash on delivery"), required=False, initial=True
    )
    notify_email = forms.EmailField(
        label=_("Send new orders to"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter a valid e-mail address, like name@example.com.")},
        widget=forms.EmailInput(attrs={"placeholder": "name@example.com"}),
    )

    def __init__(
        self,
        *args: Any,
        shop_id: int | None = None,
        currency_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        self.shop_id = shop_id
        super().__init__(*args, **kwargs)
        if currency_locked:
            self.fields["currency"].disabled = True
            self.fields["currency"].help_text = _(
                "Fixed: this shop already has prices or orders in this currency."
            )

    def clean_slug(self) -> str:
        try:
            return shop_slug_check(self.cleaned_data["slug"], exclude_shop_id=self.shop_id)
        except UserError as exc:
            raise ValidationError(exc.message, code=exc.code.value) from None

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        phone = normalize_phone(text)
        if phone is None:
            raise ValidationError(
                _("Enter a valid phone number, like 138 0013 8000."), code="invalid_phone"
            )
        return phone

    def clean_logo(self) -> UploadedFile | None:
        check_upload_size(self.cleaned_data.get("logo"))
        return self.cleaned_data.get("logo")

    def clean_payment_qr(self) -> UploadedFile | None:
        check_upload_size(self.cleaned_data.get("payment_qr"))
        return self.cleaned_data.get("payment_qr")

    def shop_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


# --- Products -------------------------------------------------------------------------------


class ProductForm(forms.Form):
    name = forms.CharField(
        label=_("Product name"),
        max_length=PRODUCT_NAME_MAX,
        error_messages=required(_("Give the product a name.")),
    )
    subtitle = forms.CharField(
        label=_("One line under the name"),
        max_length=PRODUCT_SUBTITLE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Sun-dried, picked this October")}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=PRODUCT_DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_published = forms.BooleanField(label=_("On sale"), required=False, initial=True)
    photos = MultiplePhotoField(label=_("Photos"))


class VariantForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Variant"),
        max_length=VARIANT_NAME_MAX,
        error_messages=required(_("Name the variant, e.g. 500 g.")),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 500 g")}),
    )
    price = PriceField(label=_("Price"))
    # The stock shown when the page was opened rides along, so saving other changes never
    # overwrites what orders reserved in the meantime (see VariantInput.stock).
    stock = StockField(label=_("Stock"), show_hidden_initial=True)

    def __init__(self, *args: Any, currency: str = "CNY", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        price = self.fields["price"]
        assert isinstance(price, PriceField)
        price.currency = currency

    def variant_input(self, known_ids: set[int]) -> VariantInput:
        data = self.cleaned_data
        variant_id = data.get("id")
        if variant_id is not None and variant_id not in known_ids:
            variant_id = None  # an id from elsewhere is treated as a new variant, never adopted
        keep_stock = variant_id is not None and "stock" not in self.changed_data
        return VariantInput(
            id=variant_id,
            name=data["name"],
            price_minor=data["price"],
            stock=None if keep_stock else data["stock"],
        )


class BaseVariantFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, currency: str = "CNY", **kwargs: Any) -> None:
        self.currency = currency
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "currency": self.currency}

    def clean(self) -> None:
        # Like Django's own count for min_num: existing variants, and new ones that were filled
        # in, unless marked for deletion.
        kept = [
            form
            for i, form in enumerate(self.forms)
            if not getattr(form, "cleaned_data", {}).get("DELETE")
            and (i < self.initial_form_count() or form.has_changed())
        ]
        service_check(variant_count_check, len(kept))

    def variant_inputs(self, known_ids: set[int]) -> list[VariantInput]:
        return [
            form.variant_input(known_ids)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


VariantFormSet = cast(
    type[BaseVariantFormSet],
    formset_factory(
        VariantForm,
        formset=BaseVariantFormSet,
        extra=0,
        can_delete=True,
        min_num=1,
        max_num=MAX_VARIANTS,
        # Forms past this many are not even parsed (catalog.services refuses past MAX_VARIANTS).
        absolute_max=2 * MAX_VARIANTS,
    ),
)


class PhotoAddForm(forms.Form):
    photos = MultiplePhotoField(label=_("Add photos"))


# --- Orders ---------------------------------------------------------------------------------

CARRIERS = [
    "顺丰速运",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "京东物流",
    "EMS",
]


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=40,
        error_messages=required(_("Enter the carrier.")),
        widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        error_messages=required(_("Enter the tracking number.")),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class RefundForm(forms.Form):
    """Refund every remaining item, or some units of some lines."""

    everything = forms.BooleanField(required=False)
    restock = forms.BooleanField(
        label=_("The goods came back: put them back in stock"), required=False
    )
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.refundable = [
            line for line in order.lines.all() if line.quantity > line.refunded_quantity
        ]
        for line in self.refundable:
            left = line.quantity - line.refunded_quantity
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.product_name} · {line.variant_name}",
                initial=0,
                required=False,
                error_messages={"invalid": _("Enter a whole number.")},
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": "0", "max": str(left)}
                ),
            )

    def line_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.refundable]

    def quantities(self) -> dict[int, int] | None:
        """None for "refund everything"; else {order line id: units}."""
        if self.cleaned_data.get("everything"):
            return None
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0 for line in self.refundable}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = self.quantities()
        if not self.errors and chosen is not None:
            service_check(refund_check, self.order, chosen)
        return cleaned


# --- The channel ------------------------------------------------------------------------------


class RateField(forms.DecimalField):
    """A commission typed as a percentage of the consumer price ("15" or "12.5"), as a share."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Enter a percentage, 0 for none."),
                "invalid": _("Enter a percentage, like 15 or 12.5."),
                "max_digits": _("Enter a percentage, like 15 or 12.5."),
                "max_decimal_places": _("At most two decimals of a per cent."),
            },
        )
        super().__init__(min_value=0, max_value=30, max_digits=5, decimal_places=2, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().rstrip("%").strip()[:12]
        return super().to_python(value)


class ChannelForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("Rules the channel runs under"),
        choices=[
            ("CN", _("China: only the seller of a sale is paid")),
            ("US", _("United States: the seller, and their direct sponsor's override")),
            ("EU", _("European Union: the seller, and their direct sponsor's override")),
        ],
        widget=forms.RadioSelect,
    )
    requires_approval = forms.BooleanField(
        label=_("Approve each reseller before they can sell"), required=False
    )


class OfferForm(forms.Form):
    """What a channel pays has two fields, the seller's rate and the direct sponsor's override:
    a form that carries any other rate (a third level, a recruiting bonus) is refused whole."""

    product = forms.TypedChoiceField(label=_("Product"), coerce=int)
    price_min = PriceField(label=_("Lowest consumer price"))
    price_max = PriceField(label=_("Highest consumer price (the same for a fixed price)"))
    seller_rate = RateField(label=_("Seller's commission, per cent of the consumer price"))
    override_rate = RateField(
        label=_("Direct sponsor's override, per cent (US and EU policies only)"), required=False
    )

    def __init__(self, *args: Any, products: list[tuple[int, str]], currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["product"]).choices = products
        for name in ("price_min", "price_max"):
            cast(PriceField, self.fields[name]).currency = currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Any field but the form's own is refused, whatever it is called: there is nothing
        # else a sale could pay, and a form that tries says so rather than being half-saved.
        extra = set(self.data) - set(self.fields) - {"csrfmiddlewaretoken"}
        if extra:
            raise ValidationError(
                _(
                    "A sale pays its seller and, where the policy allows, their direct sponsor: "
                    "nothing else can be paid (no third level, no reward for recruiting). "
                    "Refused: %(fields)s."
                )
                % {"fields": ", ".join(sorted(extra))},
                code="no_such_level",
            )
        return data


class ListingForm(forms.Form):
    price = PriceField(label=_("Your price"))

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PriceField, self.fields["price"]).currency = currency
