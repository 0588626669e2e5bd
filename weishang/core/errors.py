"""Errors a user can cause: a code and a message a person understands.

Services raise ``UserError`` subclasses carrying a member of an app's ``Enum`` of codes; views
turn them into a page or a form error, and ``UserErrorMiddleware`` makes sure one that escapes a
view becomes a 400 page, never a 500.
"""

from __future__ import annotations

from enum import Enum


class UserError(Exception):
    status = 400

    def __init__(self, code: Enum, message: str) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
