from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .errors import UserError


class UserErrorMiddleware:
    """A ``UserError`` that escapes a view is the user's mistake: show it, with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UserError):
            response = TemplateResponse(
                request,
                "core/error.html",
                {"message": exception.message, "code": exception.code.value},
                status=exception.status,
            )
            return response.render()
        return None
