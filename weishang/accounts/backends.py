from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from weishang.core.phones import normalize_phone

from .models import User


def user_find_by_login(login: str) -> User | None:
    """The user an e-mail address or a phone number (in any common spelling) belongs to."""
    login = (login or "").strip()
    if not login:
        return None
    if "@" in login:
        return User.objects.filter(email__iexact=login).first()
    phone = normalize_phone(login)
    return User.objects.filter(phone=phone).first() if phone else None


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = user_find_by_login(username or kwargs.get("email") or "")
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if password and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
