"""Resellers' authorization certificates, signed by the platform with Ed25519 (pyca/cryptography).

A certificate is a small JSON document: ``payload``, the canonical JSON (sorted keys, no spaces,
UTF-8) of who authorizes whom (brand, reseller, channel, code, validity), and ``signature``, the
platform's Ed25519 signature over exactly those bytes, base64url without padding. Anyone holding
the platform's public key (``/verify/platform-key.pem``) can check one offline:

    weishang certificate-verify certificate.json --key platform-key.pem

Offline, a signature proves who issued the certificate and until when; whether it has since been
revoked (the reseller left, or was removed) is what the public verification page says.

The signing key is ``CERTIFICATE_KEY_FILE`` (PEM, PKCS#8), made on first use; keep it with the
database's backups: a new key cannot sign what the old one did.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from weishang.core.phones import normalize_phone

from .models import Certificate, Membership, MembershipStatus

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # read aloud and typed: no 0/O, 1/I/L
CODE_LENGTH = 10
FORMAT = "weishang-certificate/1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the platform's key ----------------------------------------------------------------------


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        try:
            os.write(fd, pem)
            os.close(fd)
            os.chmod(tmp, 0o600)
            os.link(tmp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


@cache
def _signing_key(path: str) -> Ed25519PrivateKey:
    return _load_or_create(Path(path))


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(str(settings.CERTIFICATE_KEY_FILE))


def public_key_pem() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


# --- issuing and revoking --------------------------------------------------------------------


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _payload(
    membership: Membership, code: str, issued: datetime, until: datetime
) -> dict[str, Any]:
    brand = membership.channel.shop
    user = membership.user
    shop = user.shops.order_by("id").first()  # type: ignore[attr-defined]
    return {
        "format": FORMAT,
        "code": code,
        "brand": {"name": brand.name, "shop": brand.slug},
        "reseller": {
            "name": user.display_name or (shop.name if shop else ""),
            "shop": shop.slug if shop else "",
            "shop_name": shop.name if shop else "",
        },
        "channel": membership.channel_id,
        "policy": membership.channel.policy,
        "valid_from": issued.replace(microsecond=0).isoformat(),
        "valid_until": until.replace(microsecond=0).isoformat(),
    }


def certificate_issue(membership: Membership) -> Certificate:
    """A new certificate for an active reseller (any live one is revoked first)."""
    now = timezone.now()
    until = now + timedelta(days=settings.CERTIFICATE_VALID_DAYS)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    payload = canonical(_payload(membership, code, now, until))
    with transaction.atomic():
        Certificate.objects.filter(membership=membership, revoked_at__isnull=True).update(
            revoked_at=now
        )
        return Certificate.objects.create(
            membership=membership,
            code=code,
            payload=payload.decode(),
            signature=_b64(signing_key().sign(payload)),
            issued_at=now,
            valid_until=until,
        )


def certificate_revoke(membership: Membership) -> int:
    return Certificate.objects.filter(membership=membership, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def certificate_current(membership: Membership) -> Certificate | None:
    """The reseller's live certificate, issued again when it has run out; None unless active."""
    if membership.status != MembershipStatus.ACTIVE:
        return None
    live = Certificate.objects.filter(membership=membership, revoked_at__isnull=True).first()
    if live is None or live.valid_until <= timezone.now():
        live = certificate_issue(membership)
    return live


def certificate_code(membership_id: int) -> str:
    """The code of the reseller's live certificate, or "" (a read, never an issue)."""
    code = (
        Certificate.objects.filter(membership_id=membership_id, revoked_at__isnull=True)
        .values_list("code", flat=True)
        .first()
    )
    return code or ""


def certificate_by_code(code: str) -> Certificate | None:
    return (
        Certificate.objects.filter(code=code.strip().upper())
        .select_related("membership__channel__shop", "membership__user")
        .first()
    )


def certificate_document(certificate: Certificate) -> bytes:
    """The certificate as the file a buyer or an auditor keeps and verifies offline."""
    return (
        json.dumps(
            {"payload": certificate.payload, "signature": certificate.signature},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    ).encode()


# --- checking ---------------------------------------------------------------------------------


class CertificateInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Verified:
    payload: dict[str, Any]
    expired: bool


def certificate_verify(
    document: bytes, public_key: bytes, *, at: datetime | None = None
) -> Verified:
    """Check a certificate file's signature with the platform's public key (PEM), offline.
    Raises ``CertificateInvalid`` with the reason."""
    try:
        data = json.loads(document)
        payload_text, signature = data["payload"], _unb64(data["signature"])
        payload = json.loads(payload_text)
    except (ValueError, KeyError, TypeError) as exc:
        raise CertificateInvalid(f"not a weishang certificate: {exc}") from None
    key = serialization.load_pem_public_key(public_key)
    if not isinstance(key, Ed25519PublicKey):
        raise CertificateInvalid("the key is not an Ed25519 public key")
    try:
        key.verify(signature, payload_text.encode())
    except InvalidSignature:
        raise CertificateInvalid("the signature does not match: altered, or not ours") from None
    if payload.get("format") != FORMAT:
        raise CertificateInvalid(f"unknown format {payload.get('format')!r}")
    until = datetime.fromisoformat(payload["valid_until"])
    return Verified(payload=payload, expired=until <= (at or timezone.now()))


def certificates_find(query: str, *, limit: int = 10) -> list[Certificate]:
    """Certificates matching a code, a reseller's phone, or a reseller's (or their shop's) exact
    name, newest first: what the public verification page shows."""
    query = query.strip()[:60]
    if not query:
        return []
    match = Q(code=query.upper())
    phone = normalize_phone(query)
    if phone:
        match |= Q(membership__user__phone=phone)
    match |= Q(membership__user__display_name__iexact=query) | Q(
        membership__user__shops__name__iexact=query
    )
    found = (
        Certificate.objects.filter(match)
        .select_related("membership__channel__shop", "membership__user")
        .order_by("membership_id", "-issued_at")
        .distinct()
    )
    newest: dict[int, Certificate] = {}
    for cert in found[: limit * 4]:
        newest.setdefault(cert.membership_id, cert)
    return sorted(newest.values(), key=lambda c: c.issued_at, reverse=True)[:limit]
