"""Errors a user can cause: a code and a message a person understands.

Services raise ``UserError`` subclasses carrying a member of an app's ``Enum`` of codes; views
turn them into a page or a form error, and ``UserErrorMiddleware`` makes sure one that escapes a
view becomes a 400 page, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import ParamSpec

from django.core.exceptions import ValidationError

P = ParamSpec("P")


class UserError(Exception):
    status = 400

    def __init__(self, code: Enum, message: str) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def service_check(check: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run a service's own check inside a form and show its message as the form's error, with
    its code: a rule and its message live once, in the service."""
    try:
        check(*args, **kwargs)
    except UserError as exc:
        raise ValidationError(exc.message, code=exc.code.value) from None
