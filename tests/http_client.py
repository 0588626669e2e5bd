"""A small HTTP client for tests that talk to a real server process: one cookie jar per buyer,
redirects not followed (a test asserts where they point), the CSRF token carried along."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Response:
    status: int
    text: str
    location: str


class Browser:
    def __init__(self, base: str, *, language: str = "en") -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        self.language = language

    def _send(self, request: urllib.request.Request) -> Response:
        request.add_header("Accept-Language", self.language)
        try:
            with self.opener.open(request, timeout=60) as raw:
                return Response(raw.status, raw.read().decode(), raw.headers.get("Location", ""))
        except urllib.error.HTTPError as raw:
            return Response(raw.code, raw.read().decode(), raw.headers.get("Location", ""))

    def get(self, path: str) -> Response:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str | int]) -> Response:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf_token(), **data}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Referer", self.base + path)
        return self._send(request)

    def csrf_token(self) -> str:
        return next((c.value or "" for c in self.jar if c.name == "csrftoken"), "")


def hidden_input(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden input {name!r} on the page"
    return match.group(1)
