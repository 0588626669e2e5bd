"""Painting primitives for the demo photos.

A canvas holds float32 RGB values in 0..1. Objects are painted analytically inside their own
bounding box (a hundred jujubes cost a few milliseconds each), blurs and resizes go through
Pillow, which does them in C. Every random choice comes from the canvas's seeded generator, so
a photo is the same every time it is painted.

Coordinates are given on a 1200-pixel design grid and scaled by ``Canvas.k``, so a test can
paint the same scene small and fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

F = np.float32
Color = tuple[float, float, float]
Array = np.ndarray

# The key light comes from the upper left, a little in front: shadows fall down and right.
LIGHT = np.array([-0.42, -0.55, 0.72], dtype=F)
LIGHT /= np.linalg.norm(LIGHT)
HALFWAY = LIGHT + np.array([0.0, 0.0, 1.0], dtype=F)
HALFWAY /= np.linalg.norm(HALFWAY)
SHADOW_DIRECTION = (0.55, 0.8)


def to_l(a: Array) -> Image.Image:
    return Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def blur(a: Array, radius: float) -> Array:
    """Gaussian blur of a 0..1 array (2-D or RGB), through Pillow's 8-bit blur."""
    if radius < 0.4:
        return a
    if a.ndim == 3:
        img = Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8), "RGB")
        return np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), dtype=F) / 255.0
    return np.asarray(to_l(a).filter(ImageFilter.GaussianBlur(radius)), dtype=F) / 255.0


def noise(
    rng: np.random.Generator, h: int, w: int, cell_y: float, cell_x: float | None = None
) -> Array:
    """Smooth value noise in 0..1 with features about ``cell`` pixels across (bicubic cells)."""
    cell_x = cell_y if cell_x is None else cell_x
    gh, gw = int(h / cell_y) + 4, int(w / cell_x) + 4
    small = Image.fromarray(rng.random((gh, gw), dtype=F))
    # Fine grain needs no bicubic smoothness; bilinear is three times cheaper.
    method = Image.Resampling.BICUBIC if min(cell_x, cell_y) > 4 else Image.Resampling.BILINEAR
    big = small.resize((max(w, int(gw * cell_x)), max(h, int(gh * cell_y))), method)
    oy, ox = int(cell_y), int(cell_x)
    return np.asarray(big, dtype=F)[oy : oy + h, ox : ox + w]


def fbm(rng: np.random.Generator, h: int, w: int, cell: float, octaves: int = 4) -> Array:
    """Several octaves of noise, normalised to 0..1: clouds, stone, mottling."""
    total = np.zeros((h, w), F)
    weight = 1.0
    for i in range(octaves):
        total += weight * noise(rng, h, w, max(1.5, cell / 2**i))
        weight *= 0.5
    lo, hi = float(total.min()), float(total.max())
    return (total - lo) / max(hi - lo, 1e-6)


def mix(a: Color | Array, b: Color | Array, t: Array) -> Array:
    a_ = np.asarray(a, F)
    b_ = np.asarray(b, F)
    return a_ + (b_ - a_) * t[..., None]


@dataclass
class Box:
    """A clipped rectangle of the canvas and the pixel coordinates of its pixels."""

    ys: slice
    xs: slice
    x: Array = field(repr=False)
    y: Array = field(repr=False)


class Canvas:
    def __init__(self, width: int, height: int, *, seed: int, design: float = 1200) -> None:
        self.w, self.h = width, height
        self.k = width / design
        self.rng = np.random.default_rng(seed)
        self.rgb = np.zeros((height, width, 3), F)
        self._bump: tuple[Array, Array] | None = None
        self._mottle: Array | None = None

    def px(self, v: float) -> float:
        return v * self.k

    def box(self, x0: float, y0: float, x1: float, y1: float) -> Box | None:
        ix0, iy0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        ix1, iy1 = min(self.w, math.ceil(x1)), min(self.h, math.ceil(y1))
        if ix1 <= ix0 or iy1 <= iy0:
            return None
        y, x = np.mgrid[iy0:iy1, ix0:ix1].astype(F)
        return Box(slice(iy0, iy1), slice(ix0, ix1), x + 0.5, y + 0.5)

    # Shared fields, made once per photo: fine wrinkles and colour mottling for organic things.
    @property
    def bump(self) -> tuple[Array, Array]:
        if self._bump is None:
            cell = max(2.0, self.px(13))
            ridged = 1.0 - np.abs(2.0 * noise(self.rng, self.h, self.w, cell) - 1.0)
            ridged += 0.5 * (1.0 - np.abs(2.0 * noise(self.rng, self.h, self.w, cell * 0.45) - 1.0))
            grads = np.gradient(ridged)
            gx, gy = np.asarray(grads[1], F), np.asarray(grads[0], F)
            scale = F(1.0 / max(1e-6, float(np.percentile(np.abs(gx), 90))))
            self._bump = (gx * scale, gy * scale)
        return self._bump

    @property
    def mottle(self) -> Array:
        if self._mottle is None:
            self._mottle = fbm(self.rng, self.h, self.w, self.px(60), 3)
        return self._mottle

    def blend(self, b: Box, color: Array, alpha: Array) -> None:
        region = self.rgb[b.ys, b.xs]
        region += (color - region) * alpha[..., None]

    def darken(self, b: Box, amount: Array, tint: Color = (0.0, 0.0, 0.0)) -> None:
        region = self.rgb[b.ys, b.xs]
        amount = amount[..., None]
        region *= 1.0 - amount
        region += amount * np.asarray(tint, F)

    def shadow(
        self,
        b: Box,
        alpha: Array,
        *,
        lift: float,
        strength: float = 0.55,
        softness: float = 1.0,
        tint: Color = (0.05, 0.03, 0.02),
    ) -> None:
        """Two shadows under an object: a tight contact shadow and a soft cast one."""
        dx, dy = SHADOW_DIRECTION
        total = np.zeros_like(alpha)
        for offset, radius, weight in ((0.15, 0.12, 0.8), (1.0, 0.9 * softness, 0.5)):
            off_x = round(dx * lift * offset)
            off_y = round(dy * lift * offset)
            shifted = np.zeros_like(alpha)
            h, w = alpha.shape
            if off_y < h and off_x < w:
                shifted[off_y:, off_x:] = alpha[: h - off_y, : w - off_x]
            total += blur(shifted, max(0.5, radius * lift)) * weight
        self.darken(b, np.minimum(total, 1.0) * strength, tint)

    def place(
        self,
        rgb: Array,
        alpha: Array,
        cx: float,
        cy: float,
        *,
        angle: float = 0.0,
        lift: float = 0.0,
        shadow: float = 0.5,
        softness: float = 1.0,
    ) -> None:
        """Paste a painted sprite centred at (cx, cy), turned by ``angle`` degrees, with shadow."""
        if angle:
            rgb = np.dstack([_rotate(rgb[..., i], angle) for i in range(3)])
            alpha = _rotate(alpha, angle)
        h, w = alpha.shape
        pad = int(lift * 2.2 + 4)
        x0, y0 = round(cx - w / 2) - pad, round(cy - h / 2) - pad
        big_a = np.zeros((h + 2 * pad, w + 2 * pad), F)
        big_a[pad : pad + h, pad : pad + w] = alpha
        big_c = np.zeros((h + 2 * pad, w + 2 * pad, 3), F)
        big_c[pad : pad + h, pad : pad + w] = rgb
        b = self.box(x0, y0, x0 + w + 2 * pad, y0 + h + 2 * pad)
        if b is None:
            return
        cut = (slice(b.ys.start - y0, b.ys.stop - y0), slice(b.xs.start - x0, b.xs.stop - x0))
        a = big_a[cut]
        if lift > 0 and shadow > 0:
            self.shadow(b, a, lift=lift, strength=shadow, softness=softness)
        self.blend(b, big_c[cut], a)

    def image(self) -> Image.Image:
        return Image.fromarray(np.clip(self.rgb * 255.0 + 0.5, 0, 255).astype(np.uint8), "RGB")


def _rotate(a: Array, angle: float) -> Array:
    img = Image.fromarray(a.astype(F))
    return np.asarray(img.rotate(angle, Image.Resampling.BICUBIC, expand=True), dtype=F)


def shade(nx: Array, ny: Array, nz: Array) -> tuple[Array, Array]:
    """Lambert diffuse and Blinn specular terms for a normal field."""
    length = np.sqrt(nx * nx + ny * ny + nz * nz) + 1e-6
    nx, ny, nz = nx / length, ny / length, nz / length
    diffuse = np.clip(nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2], 0, 1)
    spec = np.clip(nx * HALFWAY[0] + ny * HALFWAY[1] + nz * HALFWAY[2], 0, 1)
    return diffuse, spec


def rounded_mask(w: int, h: int, radius: float, *, soft: float = 1.0) -> Array:
    img = Image.new("L", (w * 2, h * 2), 0)
    ImageDraw.Draw(img).rounded_rectangle(
        (0, 0, w * 2 - 1, h * 2 - 1), radius=max(1, int(radius * 2)), fill=255
    )
    small = img.resize((w, h), Image.Resampling.BOX)
    if soft > 0.4:
        small = small.filter(ImageFilter.GaussianBlur(soft))
    return np.asarray(small, dtype=F) / 255.0


def finish(
    cv: Canvas,
    *,
    light: tuple[float, float] = (0.3, 0.25),
    light_strength: float = 0.25,
    vignette: float = 0.35,
    warmth: float = 0.03,
    grain: float = 0.018,
    depth: tuple[float, float, float] | None = None,
) -> Image.Image:
    """The photographer's part: soft key light, vignette, shallow focus, a warm grade, grain.

    ``depth`` = (top, bottom, radius): rows above ``top`` (a fraction of the height) are fully
    out of focus, rows below ``bottom`` sharp.
    """
    h, w = cv.h, cv.w
    y, x = np.mgrid[0:h, 0:w].astype(F)
    u, v = x / w, y / h
    if depth is not None:
        top, bottom, radius = depth
        soft = blur(cv.rgb, cv.px(radius))
        t = np.clip((bottom - v) / max(bottom - top, 1e-3), 0, 1)
        t = t * t * (3 - 2 * t)
        cv.rgb += (soft - cv.rgb) * t[..., None]
    d2 = (u - light[0]) ** 2 + (v - light[1]) ** 2
    lit = 1.0 - light_strength * 0.6 + light_strength * np.exp(-d2 / 0.18)
    r2 = (u - 0.5) ** 2 + (v - 0.5) ** 2
    lit *= 1.0 - vignette * np.clip(r2 * 2.0, 0, 1) ** 1.6
    cv.rgb *= lit[..., None] * np.array([1.0 + warmth, 1.0, 1.0 - warmth * 1.5], F)
    c = np.clip(cv.rgb, 0, 1)
    cv.rgb = c + 0.35 * (c * c * (3 - 2 * c) - c)  # a gentle S-curve: film contrast
    cv.rgb += cv.rng.standard_normal((h, w, 1), dtype=F) * F(grain)
    return cv.image()
