"""The client's address, as rate limits must see it: never taken from a header anyone can send.

Behind a reverse proxy every request arrives from the proxy, so the client is in
``X-Forwarded-For``; but a client can write that header too. Only proxies named in
``TRUSTED_PROXIES`` (addresses or networks) are believed: the list is read from the right, each
hop added by a trusted proxy is skipped, and the first address a trusted proxy did not add is
the client. Without ``TRUSTED_PROXIES`` the header is ignored and the peer address is the client.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    proxies = _trusted(tuple(settings.TRUSTED_PROXIES))
    peer_address = _address(peer)
    if not proxies or peer_address is None or not any(peer_address in n for n in proxies):
        return peer
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a hop a trusted proxy would never write: stop believing the header here
        client = str(address)
        if not any(address in n for n in proxies):
            break
    return client


def client_network_key(address: str) -> str:
    """A key for the client's network (its /24, or /64 for IPv6) that names no address: an
    HMAC under the site's secret key. Orders keep it, never the address, so what unpaid orders
    hold can be counted per network without storing where anyone connects from. Empty for a
    loopback or unreadable address (nothing is counted then)."""
    parsed = _address(address)
    if parsed is None or parsed.is_loopback:
        # A loopback client is this machine: a local reverse proxy not named in TRUSTED_PROXIES
        # (every buyer would then be one "network") or a local test, never an outside buyer.
        return ""
    prefix = 24 if parsed.version == 4 else 64
    network = ipaddress.ip_network(f"{parsed}/{prefix}", strict=False)
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, str(network).encode(), hashlib.sha256).hexdigest()[:32]
