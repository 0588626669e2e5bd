"""A reseller's authorization certificate: issued when they become active, revoked when they
leave or are removed, signed with the platform's Ed25519 key and verifiable offline (our
command, and plain openssl), found by code, phone or name."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.channel.helpers import make_brand, make_reseller
from tests.factories import make_user
from weishang.channel.certificates import (
    CertificateInvalid,
    certificate_current,
    certificate_document,
    certificate_verify,
    certificates_find,
    public_key_pem,
)
from weishang.channel.models import Certificate
from weishang.channel.services import channel_open, member_approve, member_join, member_leave

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_an_active_reseller_has_a_signed_certificate_that_verifies() -> None:
    brand = make_brand()
    reseller = make_reseller(brand)
    cert = certificate_current(reseller)
    assert cert is not None and len(cert.code) == 10
    verified = certificate_verify(certificate_document(cert), public_key_pem())
    assert not verified.expired
    assert verified.payload["brand"]["name"] == "茶园"
    assert verified.payload["reseller"]["shop"] == reseller.user.shops.get().slug


def test_an_altered_certificate_or_another_key_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    reseller = make_reseller(make_brand())
    document = json.loads(certificate_document(certificate_current(reseller)))  # type: ignore[arg-type]
    forged = dict(document, payload=document["payload"].replace("CN", "US"))
    with pytest.raises(CertificateInvalid, match="does not match"):
        certificate_verify(json.dumps(forged).encode(), public_key_pem())
    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(CertificateInvalid):
        certificate_verify(json.dumps(document).encode(), other)
    with pytest.raises(CertificateInvalid, match="not a weishang certificate"):
        certificate_verify(b"{not json", public_key_pem())


def test_leaving_or_being_removed_revokes_it_and_approval_issues_it() -> None:
    brand = make_brand()
    shop = brand.shop
    channel = channel_open(shop=shop, actor=shop.owner, requires_approval=True)
    pending = member_join(channel=channel, user=make_user())
    assert certificate_current(pending) is None and not Certificate.objects.exists()
    member_approve(membership=pending, actor=shop.owner)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 1
    member_leave(membership=pending, actor=shop.owner)
    assert certificate_current(pending) is None
    assert Certificate.objects.get().revoked_at is not None


def test_a_buyer_finds_a_reseller_by_code_phone_or_name() -> None:
    reseller = make_reseller(make_brand())
    cert = certificate_current(reseller)
    assert cert is not None
    for query in (cert.code, cert.code.lower(), reseller.user.phone, reseller.user.display_name):
        assert certificates_find(query) == [cert], query
    assert certificates_find(reseller.user.shops.get().name) == [cert]
    assert certificates_find("nobody at all") == []
    assert certificates_find("") == []


def test_the_documented_command_verifies_offline(tmp_path: Path) -> None:
    reseller = make_reseller(make_brand())
    cert = certificate_current(reseller)
    assert cert is not None
    (tmp_path / "certificate.json").write_bytes(certificate_document(cert))
    (tmp_path / "platform-key.pem").write_bytes(public_key_pem())
    command = [sys.executable, "-m", "weishang.cli", "certificate-verify"]
    ok = subprocess.run(
        [*command, "certificate.json", "--key", "platform-key.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "WEISHANG_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("VALID") and cert.code in ok.stdout
    (tmp_path / "certificate.json").write_bytes(certificate_document(cert).replace(b"CN", b"US", 1))
    bad = subprocess.run(
        [*command, "certificate.json", "--key", "platform-key.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "WEISHANG_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert bad.returncode == 1 and "NOT VALID" in bad.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_plain_openssl_verifies_it_too(tmp_path: Path) -> None:
    """docs/channel.md shows how to check a certificate with nothing of ours installed."""
    cert = certificate_current(make_reseller(make_brand()))
    assert cert is not None
    document = json.loads(certificate_document(cert))
    (tmp_path / "payload").write_text(document["payload"], encoding="utf-8")
    signature = document["signature"] + "=" * (-len(document["signature"]) % 4)
    (tmp_path / "signature").write_bytes(base64.urlsafe_b64decode(signature))
    (tmp_path / "platform-key.pem").write_bytes(public_key_pem())
    result = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "platform-key.pem", "-rawin",
         "-in", "payload", "-sigfile", "signature"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "Success" in result.stdout, result.stderr
