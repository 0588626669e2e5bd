"""What the goods lie on and in: table surfaces, baskets, bowls, boards, cloth, glass, packets.

Surfaces fill the whole canvas; containers and packages are painted in place with their shadow.
Sizes are on the 1200-pixel design grid (multiply by ``cv.k``).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from weishang.core.fonts import cjk_font

from .paint import Array, Canvas, Color, F, blur, fbm, mix, noise, rounded_mask

# --- Surfaces ---------------------------------------------------------------------------------


def linen(cv: Canvas, color: Color = (0.86, 0.8, 0.7)) -> None:
    """Undyed linen: crossing threads, slubs, and a few soft folds."""
    rng, h, w = cv.rng, cv.h, cv.w
    t = max(1.5, cv.px(3.0))
    warp = noise(rng, h, w, t, cv.px(70))
    weft = noise(rng, h, w, cv.px(70), t)
    y, x = np.mgrid[0:h, 0:w].astype(F)
    period = max(2.5, cv.px(5.0))
    weave = 0.5 + 0.25 * np.sin(x * 2 * math.pi / period) * np.sin(y * 2 * math.pi / period)
    folds = fbm(rng, h, w, cv.px(420), 3)
    tone = 0.86 + 0.1 * (warp + weft) / 2 + 0.06 * weave + 0.14 * (folds - 0.5)
    cv.rgb[:] = np.asarray(color, F) * tone[..., None]


def wood(
    cv: Canvas,
    light: Color = (0.74, 0.55, 0.36),
    dark: Color = (0.52, 0.34, 0.2),
    *,
    ring: float = 26.0,
    angle: float = 0.0,
) -> Array:
    """Wood grain along x: growth rings bent by noise, fine pores, plank seams. Returns it."""
    rng, h, w = cv.rng, cv.h, cv.w
    y, x = np.mgrid[0:h, 0:w].astype(F)
    if angle:
        x, y = x * math.cos(angle) + y * math.sin(angle), -x * math.sin(angle) + y * math.cos(angle)
    bend = noise(rng, h, w, cv.px(260), cv.px(500)) * cv.px(90)
    bend += noise(rng, h, w, cv.px(60), cv.px(220)) * cv.px(14)
    rings = 0.5 + 0.5 * np.sin((y + bend) * 2 * math.pi / cv.px(ring))
    rings = rings**2.2
    pores = noise(rng, h, w, max(1.2, cv.px(1.6)), cv.px(90))
    t = np.clip(0.55 * rings + 0.35 * pores + 0.25 * fbm(rng, h, w, cv.px(300), 2) - 0.05, 0, 1)
    grain = mix(light, dark, t)
    return grain


def table(cv: Canvas, *, style: str) -> None:
    """Fill the canvas with a table top: ``walnut``, ``oak``, ``slate`` or ``bamboo``."""
    if style == "walnut":
        cv.rgb[:] = wood(cv, (0.42, 0.27, 0.16), (0.24, 0.14, 0.08), ring=30)
        _plank_seams(cv, cv.px(300))
    elif style == "oak":
        cv.rgb[:] = wood(cv, (0.8, 0.64, 0.45), (0.62, 0.45, 0.28), ring=22)
        _plank_seams(cv, cv.px(260))
    elif style == "slate":
        rng, h, w = cv.rng, cv.h, cv.w
        clouds = fbm(rng, h, w, cv.px(260), 5)
        speck = np.clip((noise(rng, h, w, max(1.2, cv.px(1.5))) - 0.8) * 4, 0, 1)
        tone = 0.2 + 0.1 * clouds + 0.05 * speck
        cv.rgb[:] = tone[..., None] * np.array([1.0, 1.04, 1.1], F)
    elif style == "bamboo":
        _bamboo_mat(cv)
    else:
        raise ValueError(style)


def _plank_seams(cv: Canvas, pitch: float) -> None:
    y = np.arange(cv.h, dtype=F)
    offset = cv.rng.uniform(0, pitch)
    d = np.abs(((y + offset) % pitch) - pitch / 2) - (pitch / 2 - cv.px(2.5))
    seam = np.clip(d / max(1.0, cv.px(2.5)), 0, 1)
    cv.rgb *= (1.0 - 0.55 * seam)[:, None, None]


def _bamboo_mat(cv: Canvas) -> None:
    rng, h, w = cv.rng, cv.h, cv.w
    y, x = np.mgrid[0:h, 0:w].astype(F)
    pitch = cv.px(34)
    frac = (y % pitch) / pitch
    slat = np.sin(np.pi * frac) ** 0.45
    row = (y // pitch).astype(np.int32)
    tones = rng.uniform(0.88, 1.08, int(h / pitch) + 2).astype(F)
    fibre = noise(rng, h, w, max(1.2, cv.px(1.8)), cv.px(90))
    base = mix((0.82, 0.7, 0.46), (0.66, 0.5, 0.28), fibre * 0.7 + (1 - slat) * 0.4)
    base *= tones[row][..., None]
    # Nodes: a darker band across each slat at irregular places.
    nodes = np.zeros((h, w), F)
    for r in range(int(h / pitch) + 1):
        for _ in range(2):
            nx_ = rng.uniform(0, w)
            band = np.exp(-(((x[0] - nx_) / cv.px(5)) ** 2))
            nodes[int(r * pitch) : int((r + 1) * pitch)] += band
    base *= (1.0 - 0.25 * np.clip(nodes, 0, 1))[..., None]
    base *= (0.35 + 0.65 * slat)[..., None]
    cv.rgb[:] = base


def backdrop(cv: Canvas, *, horizon: float, wall: Color, style: str) -> None:
    """A side-view set: a table receding to a softly lit wall, the far edge out of focus."""
    top = Canvas(cv.w, cv.h, seed=int(cv.rng.integers(1 << 30)), design=cv.w / cv.k)
    table(top, style=style)
    horizon_px = int(cv.h * horizon)
    depth_h = cv.h - horizon_px
    # Foreshorten the table top: squeeze the texture into the lower part of the frame.
    squeezed = Image.fromarray(np.clip(top.rgb * 255, 0, 255).astype(np.uint8), "RGB").resize(
        (cv.w, depth_h), Image.Resampling.BILINEAR
    )
    surf = np.asarray(squeezed, dtype=F) / 255.0
    t = np.linspace(0, 1, depth_h, dtype=F)[:, None, None]
    surf = surf * (0.7 + 0.3 * t)
    y = np.arange(cv.h, dtype=F)[:, None]
    x = np.arange(cv.w, dtype=F)[None, :]
    glow = np.exp(-(((x - cv.w * 0.35) / (cv.w * 0.6)) ** 2) - ((y / cv.h) / 0.9) ** 2)
    wall_rgb = np.asarray(wall, F) * (0.7 + 0.4 * glow)[..., None]
    cv.rgb[:] = wall_rgb
    cv.rgb[horizon_px:] = surf
    soft = blur(cv.rgb, cv.px(14))
    fade = np.clip(1.0 - (y - horizon_px) / (depth_h * 0.55), 0, 1) ** 1.5
    fade = np.where(y < horizon_px, 1.0, fade).astype(F)
    cv.rgb += (soft - cv.rgb) * np.broadcast_to(fade, (cv.h, cv.w))[..., None]


# --- Containers -------------------------------------------------------------------------------


def basket(cv: Canvas, cx: float, cy: float, radius: float) -> None:
    """A round woven willow basket seen from above: a rope rim around a plaited floor."""
    reach = radius * 1.2
    box = cv.box(cx - reach, cy - reach, cx + reach, cy + reach)
    if box is None:
        return
    dx, dy = box.x - cx, box.y - cy
    r = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx)
    alpha = np.clip((radius - r) + 0.5, 0, 1).astype(F)
    cv.shadow(box, alpha, lift=radius * 0.12, strength=0.6, softness=1.2)
    straw = mix((0.78, 0.6, 0.36), (0.58, 0.4, 0.2), cv.mottle[box.ys, box.xs])
    strip = cv.px(22)
    a_ = theta * r / strip
    b_ = r / strip
    checker = (np.floor(a_) + np.floor(b_)) % 2
    along = np.where(checker > 0, a_ % 1, b_ % 1)
    floor_light = np.sin(np.pi * along) ** 0.6 * 0.5 + 0.5
    floor_light *= 0.55 + 0.35 * (dx * 0.3 + dy * 0.3) / radius + 0.2
    rim_in = radius * 0.82
    rim_t = np.clip((r - rim_in) / (radius - rim_in), 0, 1)
    # The rim is a twisted rope: round in section, with diagonal strands.
    section = np.sin(np.pi * rim_t)
    strands = 0.5 + 0.5 * np.sin(theta * radius / cv.px(6) + rim_t * 6.0)
    normal_x = -np.cos(np.pi * rim_t) * dx / (r + 1e-3)
    normal_y = -np.cos(np.pi * rim_t) * dy / (r + 1e-3)
    rim_light = 0.45 + 0.5 * np.clip(-(normal_x * -0.45 + normal_y * -0.55) + section * 0.7, 0, 1)
    rim_light *= 0.75 + 0.3 * strands
    on_rim = rim_t > 0
    light = np.where(on_rim, rim_light, floor_light * 0.8)
    # The inside wall near the rim is in the rim's shadow.
    inner_shade = np.clip((r - rim_in * 0.8) / (rim_in * 0.2), 0, 1) * (r < rim_in)
    light = light * (1.0 - 0.35 * inner_shade)
    cv.blend(box, straw * light[..., None], alpha)


def bowl(
    cv: Canvas,
    cx: float,
    cy: float,
    radius: float,
    *,
    glaze: Color = (0.93, 0.92, 0.88),
    band: Color | None = (0.16, 0.25, 0.5),
) -> None:
    """A glazed bowl seen from above: a bright rim, the inside lit on the far side."""
    reach = radius * 1.25
    box = cv.box(cx - reach, cy - reach, cx + reach, cy + reach)
    if box is None:
        return
    dx, dy = (box.x - cx) / radius, (box.y - cy) / radius
    r = np.sqrt(dx * dx + dy * dy)
    alpha = np.clip((1 - r) * radius + 0.5, 0, 1).astype(F)
    cv.shadow(box, alpha, lift=radius * 0.18, strength=0.55, softness=1.1)
    inner = 0.86
    inside = r < inner
    # Concave inside: the wall facing the light (lower right) is bright, the near wall darker.
    facing = np.clip((dx * 0.45 + dy * 0.55) / inner, -1, 1)
    depth = np.clip(r / inner, 0, 1) ** 2
    in_light = 0.72 + 0.22 * facing * depth + 0.1 * (1 - depth)
    rim_t = np.clip((r - inner) / (1 - inner), 0, 1)
    rim_light = 0.95 + 0.1 * np.sin(np.pi * rim_t) - 0.12 * np.clip(dx * 0.45 + dy * 0.55, 0, 1)
    light = np.where(inside, in_light, rim_light)
    rgb: Array = np.asarray(glaze, F) * light[..., None]
    if band is not None:
        ring = np.exp(-(((r - (inner - 0.05)) / 0.012) ** 2))
        ring += 0.6 * np.exp(-(((r - (inner - 0.09)) / 0.006) ** 2))
        rgb = mix(rgb, np.asarray(band, F) * light[..., None], np.clip(ring, 0, 1))
    gloss = np.exp(-(((dx + 0.3) / 0.16) ** 2 + ((dy + 0.42) / 0.08) ** 2))
    rgb = rgb + (0.25 * gloss * inside)[..., None]
    cv.blend(box, rgb.astype(F), alpha)


def board(cv: Canvas, cx: float, cy: float, w: float, h: float, angle: float = 0.0) -> None:
    """A thick wooden chopping board with rounded corners and a lit front edge."""
    W, H = int(w), int(h)
    edge = int(cv.px(26))
    grain_cv = Canvas(W, H + edge, seed=int(cv.rng.integers(1 << 30)), design=W / cv.k)
    grain = wood(grain_cv, (0.82, 0.64, 0.44), (0.64, 0.46, 0.29), ring=18)
    alpha = rounded_mask(W, H + edge, cv.px(40), soft=1.0)
    top = np.zeros((H + edge, W), F)
    top[:H] = rounded_mask(W, H, cv.px(40), soft=1.0)
    y = np.arange(H + edge, dtype=F)[:, None]
    light = np.where(top > 0.5, 1.0 - 0.12 * (y / H), 0.68 - 0.2 * np.clip((y - H) / edge, 0, 1))
    rgb = grain * light[..., None]
    cv.place(rgb.astype(F), alpha, cx, cy, angle=angle, lift=cv.px(26), shadow=0.6)


def cloth(
    cv: Canvas,
    cx: float,
    cy: float,
    w: float,
    h: float,
    angle: float,
    *,
    color: Color = (0.16, 0.24, 0.46),
    pattern: str = "indigo",
) -> None:
    """A folded napkin: indigo with white dots (蓝印花布) or a plain stripe, soft folds."""
    W, H = int(w), int(h)
    rng = cv.rng
    y, x = np.mgrid[0:H, 0:W].astype(F)
    folds = noise(rng, H, W, cv.px(120)) - 0.5
    gy, gx = np.gradient(folds * cv.px(60))
    light = 0.85 + 0.6 * np.clip(-(gx * 0.45 + gy * 0.55), -0.4, 0.4)
    base = np.broadcast_to(np.asarray(color, F), (H, W, 3)).copy()
    if pattern == "indigo":
        p = cv.px(46)
        u, v = (x % p) / p - 0.5, (y % p) / p - 0.5
        dot = np.clip(1.0 - np.sqrt(u * u + v * v) / 0.14, 0, 1) * 4
        u2, v2 = ((x + p / 2) % p) / p - 0.5, ((y + p / 2) % p) / p - 0.5
        dot += np.clip(1.0 - np.sqrt(u2 * u2 + v2 * v2) / 0.07, 0, 1) * 4
        base = mix(base, (0.9, 0.9, 0.86), np.clip(dot, 0, 1) * 0.9)
    else:
        stripe = (np.abs(((y + x * 0.0) % cv.px(60)) - cv.px(30)) < cv.px(5)).astype(F)
        base = mix(base, (0.95, 0.93, 0.88), blur(stripe, 1.0) * 0.85)
    weave = noise(rng, H, W, max(1.2, cv.px(1.8)))
    rgb = base * (light * (0.92 + 0.12 * weave))[..., None]
    alpha = rounded_mask(W, H, cv.px(6), soft=1.2)
    cv.place(rgb.astype(F), alpha, cx, cy, angle=angle, lift=cv.px(6), shadow=0.35)


# --- Standing things, for side-view photos ------------------------------------------------------


def glass(
    cv: Canvas,
    cx: float,
    base_y: float,
    w: float,
    h: float,
    *,
    liquid: Color,
    level: float,
    clarity: float = 0.55,
    leaves: Color | None = None,
) -> None:
    """A straight glass (tea, soy milk) seen from a little above: liquid, rims, reflections."""
    rng = cv.rng
    e = w * 0.16  # half-height of the rim ellipse
    top_y = base_y - h
    box = cv.box(cx - w * 0.75, top_y - e - 4, cx + w * 1.6, base_y + e * 2)
    if box is None:
        return
    u = (box.x - cx) / (w / 2)
    yb = box.y
    body = (np.abs(u) <= 1) & (yb >= top_y) & (yb <= base_y)
    bottom_cap = (u * u + ((yb - base_y) / e) ** 2) <= 1
    top_cap = (u * u + ((yb - top_y) / e) ** 2) <= 1
    shape = body | bottom_cap | top_cap
    alpha = np.clip(blur(shape.astype(F), 0.8), 0, 1)
    # The shadow and the coloured light the liquid throws on the table.
    floor = ((box.x - cx - w * 0.55) / (w * 0.85)) ** 2 + ((yb - base_y - e * 0.3) / (e * 1.3)) ** 2
    sh = np.clip(1.0 - floor, 0, 1)
    cv.darken(box, blur(sh, cv.px(10)) * 0.35)
    caustic = np.clip(
        1.0
        - (((box.x - cx - w * 0.5) / (w * 0.35)) ** 2 + ((yb - base_y - e * 0.2) / (e * 0.6)) ** 2),
        0,
        1,
    )
    cv.blend(
        box,
        np.broadcast_to(np.asarray(liquid, F) * 1.3, (*alpha.shape, 3)),
        blur(caustic, cv.px(8)) * 0.35,
    )
    behind = cv.rgb[box.ys, box.xs].copy()
    refracted = blur(behind, cv.px(4)) * 0.92 + 0.05
    liquid_top = base_y - h * level
    in_liquid = (((np.abs(u) <= 1) & (yb >= liquid_top) & (yb <= base_y)) | bottom_cap) | (
        (u * u + ((yb - liquid_top) / e) ** 2) <= 1
    )
    path = np.sqrt(np.clip(1 - u * u, 0, 1))  # light crosses more liquid in the middle
    lc = np.asarray(liquid, F)
    liquid_rgb = lc * (0.62 + 0.5 * path - 0.15 * (yb - liquid_top) / max(h, 1))[..., None]
    liquid_rgb = liquid_rgb * (1 - clarity) + refracted * lc * 1.6 * clarity
    if leaves is not None:
        for _ in range(5):
            lx = cx + rng.uniform(-0.6, 0.6) * w / 2
            ly = liquid_top + rng.uniform(0.15, 0.9) * (base_y - liquid_top)
            la = rng.uniform(0, math.pi)
            d = (((box.x - lx) * math.cos(la) + (yb - ly) * math.sin(la)) / (w * 0.14)) ** 2
            d += ((-(box.x - lx) * math.sin(la) + (yb - ly) * math.cos(la)) / (w * 0.045)) ** 2
            leaf_a = np.clip(1 - d, 0, 1) * 0.75
            liquid_rgb = mix(liquid_rgb, leaves, leaf_a)
    surface = (u * u + ((yb - liquid_top) / e) ** 2) <= 1
    liquid_rgb = np.where(surface[..., None], lc * 1.15 + 0.08, liquid_rgb)
    rgb = np.where(in_liquid[..., None], liquid_rgb, refracted * 1.04 + 0.03)
    # Glass: bright edges, two tall reflections, a thick base, a thin bright rim.
    edge = np.clip((np.abs(u) - 0.9) / 0.1, 0, 1) * body
    streak = np.exp(-(((u + 0.62) / 0.07) ** 2)) * 0.55 + np.exp(-(((u - 0.74) / 0.04) ** 2)) * 0.35
    streak *= np.clip((yb - top_y) / (h * 0.1), 0, 1) * (yb <= base_y)
    rim = np.abs(np.sqrt(u * u + ((yb - top_y) / e) ** 2) - 1.0) < 0.06
    base_ring = bottom_cap & (yb > base_y - e * 0.2)
    rgb = rgb + (0.22 * edge + streak)[..., None] + (0.5 * blur(rim.astype(F), 0.7))[..., None]
    rgb = np.where(base_ring[..., None], rgb * 0.9 + 0.12, rgb)
    cv.blend(box, np.clip(rgb, 0, 1.2).astype(F), alpha)


def jar(
    cv: Canvas, cx: float, base_y: float, w: float, h: float, *, honey: Color, label: str = ""
) -> None:
    """A jar of honey: amber glass-full, a gingham cloth cap tied over the lid, a paper label."""
    glass(cv, cx, base_y, w, h, liquid=honey, level=0.97, clarity=0.35)
    e = w * 0.16
    top_y = base_y - h
    # Cloth cap: a red-and-white checked square gathered under a string.
    cap_w, cap_h = int(w * 1.12), int(h * 0.2)
    y, x = np.mgrid[0:cap_h, 0:cap_w].astype(F)
    p = cv.px(16)
    checks = ((x // p) % 2 + (y // p) % 2) / 2
    base = mix((0.72, 0.1, 0.08), (0.95, 0.92, 0.86), checks)
    drape = 0.75 + 0.3 * np.sin(x / cap_w * math.pi * 5) * (y / cap_h)
    shape = np.clip(
        1 - ((x - cap_w / 2) / (cap_w / 2)) ** 2 - 0.9 * ((cap_h - y) / cap_h) ** 6, 0, 1
    )
    alpha = np.clip(shape * 6, 0, 1) * (y < cap_h * (0.85 + 0.15 * np.sin(x / cap_w * math.pi * 7)))
    cv.place(
        (base * drape[..., None]).astype(F),
        alpha.astype(F),
        cx,
        top_y - e * 0.1,
        lift=cv.px(6),
        shadow=0.3,
    )
    if label:
        paper_label(
            cv,
            cx,
            base_y - h * 0.45,
            w * 0.7,
            h * 0.36,
            label,
            paper=(0.95, 0.9, 0.78),
            ink=(0.5, 0.12, 0.08),
        )


def paper_label(
    cv: Canvas, cx: float, cy: float, w: float, h: float, text: str, *, paper: Color, ink: Color
) -> None:
    W, H = int(w), int(h)
    img = Image.new("L", (W, H), 0)
    font = cjk_font(int(min(H * 0.6, W * 0.8 / max(len(text), 1))))
    if font is not None:
        draw = ImageDraw.Draw(img)
        draw.text((W / 2, H / 2), text, font=font, fill=255, anchor="mm")
    else:
        ImageDraw.Draw(img).rectangle((W * 0.2, H * 0.4, W * 0.8, H * 0.6), fill=255)
    ink_a = np.asarray(img, dtype=F) / 255.0
    y = np.arange(H, dtype=F)[:, None]
    x = np.arange(W, dtype=F)[None, :]
    curve = 0.85 + 0.2 * np.cos((x / W - 0.4) * math.pi) + 0.0 * y
    rgb = mix(paper, ink, ink_a) * curve[..., None]
    cv.place(rgb.astype(F), rounded_mask(W, H, 3, soft=0.7), cx, cy)


def package(
    cv: Canvas,
    cx: float,
    base_y: float,
    w: float,
    h: float,
    *,
    color: Color,
    text: str,
    ink: Color,
    kind: str = "pouch",
    sub: str = "",
) -> None:
    """A standing package: a kraft ``pouch``, a round ``tin`` or a gift ``box``, with its name."""
    W, H = int(w), int(h)
    rng = cv.rng
    y, x = np.mgrid[0:H, 0:W].astype(F)
    u = x / W
    if kind == "tin":
        light = 0.55 + 0.55 * np.clip(np.cos((u - 0.38) * math.pi), 0, 1) ** 1.5
        light += 0.45 * np.exp(-(((u - 0.3) / 0.04) ** 2))
        alpha = rounded_mask(W, H, cv.px(8), soft=0.8)
        band = (y < H * 0.12) | (y > H * 0.92)
        base = np.where(band[..., None], np.asarray((0.78, 0.66, 0.38), F), np.asarray(color, F))
    elif kind == "box":
        light = 0.92 - 0.15 * u + 0.05 * (1 - y / H)
        alpha = rounded_mask(W, H, cv.px(4), soft=0.8)
        base = np.broadcast_to(np.asarray(color, F), (H, W, 3)).copy()
        ribbon = np.abs(u - 0.5) < 0.04
        base = np.where(ribbon[..., None], np.asarray((0.85, 0.68, 0.3), F), base)
    else:
        crinkle = noise(rng, H, W, cv.px(120), cv.px(36)) - 0.5
        light = 0.82 + 0.25 * np.cos((u - 0.42) * math.pi) + 0.14 * crinkle
        light += 0.08 * (noise(rng, H, W, max(1.2, cv.px(2))) - 0.5)
        top_fold = y < H * 0.1
        light = np.where(top_fold, light * 0.85 + 0.1 * np.sin(x / cv.px(6)), light)
        shape = 1.0 - (np.abs(u - 0.5) > 0.5 - 0.03 * (y / H))
        alpha = blur(shape.astype(F), 0.8) * rounded_mask(W, H, cv.px(5), soft=0.8)
        base = np.broadcast_to(np.asarray(color, F), (H, W, 3)).copy()
    rgb = base * light[..., None]
    # The name printed vertically, as tea and dried-fruit packets are.
    font = cjk_font(int(min(W * 0.34, H * 0.7 / max(len(text), 1))))
    label = Image.new("L", (W, H), 0)
    draw = ImageDraw.Draw(label)
    if font is not None:
        step = font.size * 1.08
        y0 = H * (0.46 if sub else 0.5) - step * len(text) / 2 + step / 2
        for i, ch in enumerate(text):
            draw.text((W * 0.5, y0 + i * step), ch, font=font, fill=255, anchor="mm")
        if sub:
            small = cjk_font(max(8, int(font.size * 0.32)))
            if small is not None:
                draw.text(
                    (W * 0.5, H * 0.93 if kind != "tin" else H * 0.885),
                    sub,
                    font=small,
                    fill=200,
                    anchor="mm",
                )
    else:
        draw.rectangle((W * 0.4, H * 0.25, W * 0.6, H * 0.75), fill=255)
    ink_a = np.asarray(label, dtype=F) / 255.0
    if kind == "pouch":
        # A white paper window behind the characters.
        window = rounded_mask(int(W * 0.5), int(H * 0.72), cv.px(6), soft=0.6)
        pad = np.zeros((H, W), F)
        oy, ox = int(H * 0.16), int(W * 0.25)
        pad[oy : oy + window.shape[0], ox : ox + window.shape[1]] = window
        rgb = mix(rgb, np.asarray((0.95, 0.93, 0.88), F) * light[..., None], pad * 0.95)
    rgb = mix(rgb, np.asarray(ink, F) * light[..., None], ink_a)
    cy = base_y - H / 2
    cv.place(rgb.astype(F), alpha.astype(F), cx, cy, lift=cv.px(18), shadow=0.5, softness=1.4)
