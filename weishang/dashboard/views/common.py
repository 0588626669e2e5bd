from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from weishang.core.errors import UserError


def add_user_error(form: forms.BaseForm, field: str | None, exc: UserError) -> None:
    """Show a service's error on the form, keeping its code (tests and scripts read it)."""
    form.add_error(field, ValidationError(exc.message, code=exc.code.value))
