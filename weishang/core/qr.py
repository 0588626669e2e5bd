"""QR codes, made here with qrcode (nothing leaves the machine): SVG for print, PNG for phones."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from PIL import Image


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url: str) -> bytes:
    """A QR code as one SVG path, scalable for print."""
    image = _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def qr_image(url: str, side: int) -> Image.Image:
    image = _qr(url).make_image(fill_color="black", back_color="white").get_image()
    return image.convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def qr_png(url: str, side: int = 512) -> bytes:
    out = io.BytesIO()
    qr_image(url, side).save(out, "PNG", optimize=True)
    return out.getvalue()
