"""Rate limits see the real client, and a forged X-Forwarded-For never moves them."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from weishang.core.clientip import client_ip


def _request(peer: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings: object) -> None:
    settings.TRUSTED_PROXIES = []  # type: ignore[attr-defined]
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),  # one proxy in front
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client forged a first hop
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two trusted proxies
        ("10.0.0.2", "not-an-ip, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not from a trusted proxy
        ("10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client(
    settings: object, peer: str, forwarded: str, client: str
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # type: ignore[attr-defined]
    assert client_ip(_request(peer, forwarded)) == client


def test_a_network_key_names_no_address_and_loopback_is_not_counted() -> None:
    from weishang.core.clientip import client_network_key

    one, same_net, other = (
        client_network_key(a) for a in ("203.0.113.9", "203.0.113.200", "203.0.114.9")
    )
    assert one == same_net != other and len(one) == 32 and "203" not in one
    assert client_network_key("127.0.0.1") == "" == client_network_key("::1")
    assert client_network_key("not an address") == ""
