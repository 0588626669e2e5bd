"""Account services: a seller signs up with a phone number or an e-mail address."""

from __future__ import annotations

from enum import Enum

from django.contrib.auth import password_validation
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from weishang.core.errors import UserError

from .models import User


class AccountErrorCode(Enum):
    LOGIN_TAKEN = "login_taken"


class AccountError(UserError):
    pass


def _taken() -> AccountError:
    return AccountError(
        AccountErrorCode.LOGIN_TAKEN,
        _("An account with this phone number or e-mail already exists. Please log in."),
    )


def password_check(
    password: str, *, email: str | None, phone: str | None, display_name: str = ""
) -> None:
    """Django's password rules for a new account (too short, too common, too like the login);
    raises ``ValidationError`` with every reason."""
    probe = User(email=email, phone=phone, display_name=display_name)
    password_validation.validate_password(password, probe)


def user_create(
    *, password: str, display_name: str, email: str | None = None, phone: str | None = None
) -> User:
    """A new seller account. ``phone`` is E.164 (``core.phones.normalize_phone``)."""
    if email and User.objects.filter(email__iexact=email).exists():
        raise _taken()
    if phone and User.objects.filter(phone=phone).exists():
        raise _taken()
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email or None,
                phone=phone or None,
                password=password,
                display_name=display_name.strip(),
            )
    except IntegrityError:
        raise _taken() from None
