"""Product photos: accept only real images, and keep only clean re-encodings of them.

An upload is identified by its content (Pillow opens it and must find JPEG, PNG or WebP),
never by its name or declared type. The original is discarded: pages get JPEGs at the sizes they
use, re-encoded from pixels, so nothing of the file's metadata (a phone's GPS position, camera
serial numbers, embedded scripts in a crafted file) survives.
"""

from __future__ import annotations

import io
import secrets
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import IO

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from weishang.core.errors import UserError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What decoding one upload may cost. A JPEG is decoded at a reduced scale (its DCT allows 1/2,
# 1/4, 1/8), so even a 48 MP phone photo (8000×6000) costs little; PNG and WebP are decoded
# whole, so they get a lower cap (a 4000×3000 screenshot or scan is fine).
MAX_PIXELS = 50_000_000
MAX_LOSSLESS_PIXELS = 12_000_000
# The longest edge kept after decoding: the largest size a page uses (1200 px) with room for 2×.
WORKING_EDGE = 2400
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# One decode at a time per server process: eight uploads at once queue instead of adding up.
_DECODING = threading.BoundedSemaphore(1)

# name → (box, square crop?)
SIZES: dict[str, tuple[int, bool]] = {
    "large": (1200, False),
    "card": (600, True),
    "thumb": (160, True),
}

# WebP copies of the sizes pages show large, for ``srcset``: name → widths. Each is stored beside
# its JPEG as ``<jpeg stem>-<width>.webp`` (``webp_name``), so the names follow from the JPEG's.
WEBP_WIDTHS: dict[str, tuple[int, ...]] = {"large": (480, 800, 1200), "card": (300, 600)}


def webp_name(jpeg_name: str, width: int) -> str:
    return f"{jpeg_name.rsplit('.', 1)[0]}-{width}.webp"


def webp_copies(image: Image.Image, name: str) -> dict[int, bytes]:
    """The WebP copies of one rendition at each of its widths (never larger than it is)."""
    copies = {}
    for width in WEBP_WIDTHS.get(name, ()):
        copy = image.copy()
        if copy.width > width:
            copy.thumbnail((width, width * copy.height // copy.width + 1), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, "WEBP", quality=80, method=2)  # 2: a third faster than 4, barely larger
        copies[width] = buffer.getvalue()
    return copies


class ImageErrorCode(Enum):
    TOO_LARGE = "too_large"
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_MANY_PIXELS = "too_many_pixels"


class ImageRejected(UserError):
    pass


@dataclass(frozen=True)
class Rendition:
    name: str
    content: ContentFile
    width: int
    height: int
    webp: dict[int, bytes] = field(default_factory=dict)  # width → WebP copy (WEBP_WIDTHS)


def upload_size_check(size: int) -> None:
    """Refuse a photo larger than ``MAX_UPLOAD_BYTES`` before anything reads it."""
    if size > MAX_UPLOAD_BYTES:
        raise ImageRejected(ImageErrorCode.TOO_LARGE, _("The photo is larger than 10 MB."))


def image_open_checked(upload: IO[bytes], *, size: int | None = None) -> Image.Image:
    """Open an upload as an image, or raise ``ImageRejected`` with a message a person understands."""
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload_size_check(size)
    upload.seek(0)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with _DECODING:
            return _decoded(upload)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            ImageErrorCode.TOO_MANY_PIXELS, _("The photo has too many pixels.")
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            ImageErrorCode.NOT_AN_IMAGE, _("That file is not a photo we can read.")
        ) from None


def _decoded(upload: IO[bytes]) -> Image.Image:
    """Decode within the bounds above: the header is checked before any pixel is read."""
    image: Image.Image = Image.open(upload)
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(
            ImageErrorCode.UNSUPPORTED_FORMAT, _("Please upload a JPEG, PNG or WebP photo.")
        )
    limit = MAX_PIXELS if image.format == "JPEG" else MAX_LOSSLESS_PIXELS
    if image.width * image.height > limit:
        raise ImageRejected(ImageErrorCode.TOO_MANY_PIXELS, _("The photo has too many pixels."))
    if image.format == "JPEG":
        image.draft("RGB", (WORKING_EDGE, WORKING_EDGE))
    image.load()
    # Phones store "which way is up" as metadata; apply it to the pixels before it is dropped.
    image = ImageOps.exif_transpose(image)
    image.thumbnail((WORKING_EDGE, WORKING_EDGE), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def renditions(
    image: Image.Image, *, sizes: dict[str, tuple[int, bool]] = SIZES
) -> list[Rendition]:
    """JPEG re-encodings of ``image`` at each size, with no metadata at all, and the WebP
    copies of the sizes that ``WEBP_WIDTHS`` names."""
    stem = secrets.token_hex(8)
    out = []
    for name, (box, square) in sizes.items():
        if square:
            resized = ImageOps.fit(
                image, (box, box), Image.Resampling.LANCZOS, centering=(0.5, 0.5)
            )
        else:
            resized = image.copy()
            resized.thumbnail((box, box), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # A fresh image from raw pixels: no EXIF, XMP, ICC or comments can ride along.
        clean = Image.frombytes("RGB", resized.size, resized.tobytes())
        clean.save(buffer, "JPEG", quality=84, optimize=True, progressive=True)
        content = ContentFile(buffer.getvalue(), name=f"{stem}-{name}.jpg")
        out.append(Rendition(name, content, *clean.size, webp=webp_copies(clean, name)))
    return out


def logo_rendition(upload: IO[bytes]) -> ContentFile:
    """A shop logo: a 320 px square JPEG."""
    (rendition,) = renditions(image_open_checked(upload), sizes={"logo": (320, True)})
    return rendition.content


def qr_rendition(upload: IO[bytes]) -> ContentFile:
    """A payment QR code: kept whole (never cropped) and sharp, at most 800 px."""
    image = image_open_checked(upload)
    image.thumbnail((800, 800), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    Image.frombytes("RGB", image.size, image.tobytes()).save(buffer, "PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(8)}-qr.png")
