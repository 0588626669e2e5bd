from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from weishang.core.phones import normalize_phone

from .services import password_check

if TYPE_CHECKING:
    from .models import User


def split_login(text: str) -> tuple[str | None, str | None]:
    """(email, phone) from what a person typed in the one login box; raises ValidationError."""
    text = (text or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(
                _("Enter a valid e-mail address, like name@example.com."), code="invalid_email"
            ) from None
        return BaseUserManager.normalize_email(text), None
    phone = normalize_phone(text)
    if phone is None:
        raise ValidationError(
            _("Enter a valid phone number, like 138 0013 8000, or an e-mail address."),
            code="invalid_phone",
        )
    return None, phone


class LoginField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Phone number or e-mail"))
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault(
            "error_messages", {"required": _("Enter your phone number or e-mail address.")}
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )


class SignupForm(forms.Form):
    login = LoginField()
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=60,
        help_text=_("Buyers see it next to your shop."),
        error_messages={"required": _("Tell buyers your name.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits and not a common password."),
        error_messages={"required": _("Choose a password.")},
    )

    email: str | None = None
    phone: str | None = None

    def clean_login(self) -> str:
        login = self.cleaned_data["login"]
        self.email, self.phone = split_login(login)
        return login

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password and "login" in cleaned:
            try:
                password_check(
                    password,
                    email=self.email,
                    phone=self.phone,
                    display_name=cleaned.get("display_name", ""),
                )
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class LoginForm(forms.Form):
    login = LoginField()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password.")},
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        login, password = cleaned.get("login"), cleaned.get("password")
        if login and password:
            user = authenticate(self.request, username=login, password=password)
            if user is None:
                raise ValidationError(
                    _("That phone number or e-mail and password do not match an account."),
                    code="invalid_login",
                )
            self.user = user  # type: ignore[assignment]
        return cleaned
