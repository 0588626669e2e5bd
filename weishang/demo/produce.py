"""The goods themselves: jujubes, jujube slices, tofu, tea leaves, tofu skin, bamboo shoots.

Round things are shaded ellipsoids (normal, diffuse, specular, a wrinkle bump from the canvas);
tofu is a soft-edged block sprite. All sizes are on the 1200-pixel design grid.
"""

from __future__ import annotations

import math

import numpy as np

from .paint import Array, Canvas, Color, F, blur, mix, noise, rounded_mask, shade

JUJUBE_RED: Color = (0.50, 0.07, 0.05)
JUJUBE_DARK: Color = (0.36, 0.04, 0.04)


def ellipsoid(
    cv: Canvas,
    cx: float,
    cy: float,
    a: float,
    b: float,
    angle: float,
    color: Color | Array,
    *,
    height: float = 0.8,
    gloss: float = 0.5,
    shine: float = 28.0,
    wrinkle: float = 0.0,
    ambient: float = 0.28,
    lift: float = 0.0,
    shadow: float = 0.5,
    stem: Color | None = None,
    taper: float = 0.0,
    blunt: float = 2.0,
    grooves: float = 0.0,
) -> None:
    """A shaded ellipsoid (semi-axes ``a`` along ``angle`` radians, ``b`` across) in place."""
    ca, sa = math.cos(angle), math.sin(angle)
    pad = lift * 1.6 + 3
    half_w = math.sqrt((a * ca) ** 2 + (b * sa) ** 2) + pad
    half_h = math.sqrt((a * sa) ** 2 + (b * ca) ** 2) + pad
    box = cv.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    if box is None:
        return
    dx, dy = box.x - cx, box.y - cy
    u = (dx * ca + dy * sa) / a
    # ``taper`` narrows one end, as an olive or a tea leaf narrows to its tip.
    width = b * (1.0 - taper * np.clip(u, 0, 1) ** 2) if taper else b
    v = (-dx * sa + dy * ca) / width
    # ``blunt`` > 2 squares off the ends: a rod (tofu skin, a bamboo shoot strip), not an egg.
    au = np.abs(u)
    r2 = (au**blunt if blunt != 2.0 else u * u) + v * v
    r = np.sqrt(r2)
    alpha = np.clip((1.0 - r) * min(a, b) + 0.5, 0, 1).astype(F)
    if lift > 0 and shadow > 0:
        cv.shadow(box, alpha, lift=lift, strength=shadow)
    inside = alpha > 0
    if not inside.any():
        return
    c = height * b
    w = np.sqrt(np.clip(1.0 - r2, 0.0, 1.0))
    slope = u if blunt == 2.0 else np.sign(u) * (blunt / 2) * au ** (blunt - 1)
    nxl, nyl, nz = slope / a, v / b, w / c + 1e-4
    nx = nxl * ca - nyl * sa
    ny = nxl * sa + nyl * ca
    norm = np.sqrt(nx * nx + ny * ny + nz * nz) + 1e-6
    nx, ny, nz = nx / norm, ny / norm, nz / norm
    if wrinkle:
        bx, by = cv.bump
        fade = np.clip(w * 3.0, 0, 1)
        nx = nx + wrinkle * bx[box.ys, box.xs] * fade
        ny = ny + wrinkle * by[box.ys, box.xs] * fade
    if grooves:
        # Drying shrinks the skin into folds that run from end to end.
        wander = cv.mottle[box.ys, box.xs] * 2.2 + u * 0.6
        phase = 2 * math.pi * (v * grooves + wander)
        tilt = np.cos(phase) * 0.45 * np.clip(w * 2.5, 0, 1)
        nx = nx - tilt * sa
        ny = ny + tilt * ca
    diffuse, spec = shade(nx, ny, nz)
    mottle = cv.mottle[box.ys, box.xs]
    base: Array = np.asarray(color, F) * (0.82 + 0.36 * mottle)[..., None]
    if stem is not None:
        spot = ((u - 0.9) / 0.16) ** 2 + (v / 0.22) ** 2
        base = mix(base, stem, np.clip(1.2 - spot, 0, 1))
    occlusion = 0.55 + 0.45 * np.sqrt(w)
    light = ambient + (1.0 - ambient) * diffuse
    rgb = base * (light * occlusion)[..., None]
    highlight = gloss * spec**shine + gloss * 0.25 * spec ** (shine / 6)
    rgb = rgb + (highlight * occlusion)[..., None] * np.array([1.0, 0.96, 0.92], F)
    cv.blend(box, rgb, alpha)


def jujube(
    cv: Canvas, cx: float, cy: float, size: float, angle: float, *, dark: float = 0.0
) -> None:
    """A dried red jujube: a glossy, wrinkled, slightly egg-shaped oval."""
    rng = cv.rng
    tone = rng.uniform(0, 1)
    blend = mix(JUJUBE_RED, JUJUBE_DARK, np.array(min(1.0, tone * 0.8 + dark), F))
    color = blend * F(1.0 + rng.uniform(-0.08, 0.12))
    ellipsoid(
        cv, cx, cy, size, size * rng.uniform(0.68, 0.8), angle, color,
        height=0.85, gloss=0.45, shine=26, wrinkle=0.2, grooves=2.2, ambient=0.22 - dark * 0.1,
        lift=size * 0.35, shadow=0.55, stem=(0.22, 0.1, 0.04), taper=0.12,
    )  # fmt: skip


def jujube_pile(
    cv: Canvas,
    cx: float,
    cy: float,
    radius: float,
    count: int,
    size: float,
    *,
    spread: float = 0.42,
    squash: float = 0.95,
) -> None:
    """A heap of jujubes: the first ones drawn are the lowest and the darkest."""
    rng = cv.rng
    for i in range(count):
        depth = i / max(count - 1, 1)
        rr = radius * math.sqrt(rng.uniform(0, 1)) * (1.0 - 0.35 * depth)
        t = rng.uniform(0, 2 * math.pi)
        x = cx + rr * math.cos(t)
        y = cy + rr * math.sin(t) * squash
        s = cv.px(size) * rng.uniform(0.85, 1.12)
        jujube(cv, x, y, s, rng.uniform(0, math.pi), dark=(1.0 - depth) * spread)


def jujube_slice(cv: Canvas, cx: float, cy: float, r: float, angle: float, tilt: float) -> None:
    """A dried jujube ring: dark red skin, cream flesh with radial wrinkles, a hole for the stone."""
    reach = r + r * 0.5 + 3
    box = cv.box(cx - reach, cy - reach, cx + reach, cy + reach)
    if box is None:
        return
    ca, sa = math.cos(angle), math.sin(angle)
    dx, dy = box.x - cx, box.y - cy
    u = (dx * ca + dy * sa) / r
    v = (-dx * sa + dy * ca) / (r * tilt)
    rho = np.sqrt(u * u + v * v)
    wobble = 1.0 + 0.03 * np.sin(np.arctan2(v, u) * 5 + cx)
    rho = rho / wobble
    alpha = np.clip((1.0 - rho) * r + 0.5, 0, 1) * np.clip((rho - 0.2) * r + 0.5, 0, 1)
    cv.shadow(box, alpha.astype(F), lift=r * 0.18, strength=0.45)
    theta = np.arctan2(v, u)
    ridges = 0.5 + 0.5 * np.sin(theta * 23 + 4 * cv.mottle[box.ys, box.xs])
    flesh = mix((0.86, 0.68, 0.42), (0.7, 0.46, 0.24), ridges * 0.6 + (rho - 0.2) * 0.4)
    skin = np.clip((rho - 0.84) * 12, 0, 1)
    rgb = mix(flesh, (0.45, 0.06, 0.05), skin)
    bx, by = cv.bump
    diffuse = 0.75 + 0.25 * np.clip(-bx[box.ys, box.xs] * 0.4 - by[box.ys, box.xs] * 0.4, -1, 1)
    rim = 1.0 - 0.35 * np.clip((rho - 0.9) * 10, 0, 1)
    rgb = rgb * (diffuse * rim)[..., None]
    cv.blend(box, rgb.astype(F), alpha.astype(F))


def tea_leaf(
    cv: Canvas, cx: float, cy: float, length: float, angle: float, color: Color, *, curl: float
) -> None:
    """A dry tea leaf: slender and pointed; ``curl`` makes it a rolled, rounder pellet."""
    rng = cv.rng
    tone = rng.uniform(0.75, 1.2)
    col: Color = (min(1.0, color[0] * tone), min(1.0, color[1] * tone), min(1.0, color[2] * tone))
    ellipsoid(
        cv, cx, cy, length, length * (0.16 + 0.3 * curl), angle, col,
        height=0.5 + curl, gloss=0.22 + 0.1 * curl, shine=18, wrinkle=0.3 * curl,
        ambient=0.3, lift=length * 0.12, shadow=0.45, taper=0.55,
    )  # fmt: skip


def tea_heap(
    cv: Canvas,
    cx: float,
    cy: float,
    radius: float,
    count: int,
    length: float,
    color: Color,
    *,
    curl: float = 0.0,
    squash: float = 0.9,
) -> None:
    rng = cv.rng
    for i in range(count):
        depth = i / max(count - 1, 1)
        # Denser in the middle, as a heap poured from a packet is.
        rr = radius * rng.uniform(0, 1) ** 0.8 * (1.0 - 0.45 * depth)
        t = rng.uniform(0, 2 * math.pi)
        shade_ = 0.55 + 0.45 * depth
        col: Color = (color[0] * shade_, color[1] * shade_, color[2] * shade_)
        tea_leaf(
            cv, cx + rr * math.cos(t), cy + rr * math.sin(t) * squash,
            cv.px(length) * rng.uniform(0.7, 1.25), rng.uniform(0, math.pi), col, curl=curl,
        )  # fmt: skip


def fresh_leaf(
    cv: Canvas, cx: float, cy: float, length: float, angle: float, color: Color = (0.2, 0.42, 0.12)
) -> None:
    """A fresh leaf with a midrib and veins, folded a little along the rib, with a gloss."""
    reach = length + length * 0.4 + 3
    box = cv.box(cx - reach, cy - reach, cx + reach, cy + reach)
    if box is None:
        return
    ca, sa = math.cos(angle), math.sin(angle)
    dx, dy = box.x - cx, box.y - cy
    u = (dx * ca + dy * sa) / length
    v = (-dx * sa + dy * ca) / length
    t = np.clip((u + 1.0) / 2.0, 0, 1)
    half = 0.36 * np.clip(np.sin(np.pi * t), 0, 1) ** 0.75 * (1.0 - 0.25 * t)
    inside = (np.abs(u) < 1.0) & (np.abs(v) < half)
    edge = np.clip((half - np.abs(v)) * length * 0.8, 0, 1) * inside
    alpha = edge.astype(F)
    cv.shadow(box, alpha, lift=length * 0.15, strength=0.4)
    side = np.sign(v)
    fold = 0.35 * side * (1.0 - np.abs(v) / (half + 1e-3))
    nx_l, ny_l = np.zeros_like(u), fold
    nx = nx_l * ca - ny_l * sa
    ny = nx_l * sa + ny_l * ca
    diffuse, spec = shade(nx, ny, np.ones_like(nx))
    veins = np.abs(np.sin((t * 9.0 - np.abs(v) * 7.0) * math.pi))
    rib = np.clip(1.0 - np.abs(v) * length / 2.2, 0, 1)
    base = mix(color, (0.5, 0.62, 0.25), np.clip(rib + 0.12 * (veins < 0.12), 0, 1))
    rgb = base * (0.35 + 0.75 * diffuse)[..., None] + (0.35 * spec**30)[..., None]
    cv.blend(box, rgb.astype(F), alpha)


def sticks(
    cv: Canvas,
    cx: float,
    cy: float,
    count: int,
    length: float,
    thickness: float,
    color: Color,
    *,
    angle: float,
    spread: float,
    wrinkle: float = 0.6,
    gloss: float = 0.35,
    height: float = 0.7,
) -> None:
    """A bundle of long things lying side by side: tofu-skin sticks, bamboo shoot strips."""
    rng = cv.rng
    ca, sa = math.cos(angle + math.pi / 2), math.sin(angle + math.pi / 2)
    for i in range(count):
        off = (i / max(count - 1, 1) - 0.5) * 2 * spread + rng.normal(0, spread * 0.08)
        along = rng.normal(0, length * 0.08)
        x = cx + off * ca + along * math.cos(angle)
        y = cy + off * sa + along * math.sin(angle)
        tone = rng.uniform(0.8, 1.1)
        col = (color[0] * tone, color[1] * tone, color[2] * tone)
        ellipsoid(
            cv, x, y, length * rng.uniform(0.85, 1.05), thickness * rng.uniform(0.8, 1.2),
            angle + rng.normal(0, 0.04), col, height=height, blunt=8.0, gloss=gloss, shine=22,
            wrinkle=wrinkle, ambient=0.3, lift=thickness * 0.6, shadow=0.45,
        )  # fmt: skip


def block_sprite(
    cv: Canvas,
    w: float,
    h: float,
    depth: float,
    color: Color,
    *,
    corner: float,
    pores: float = 0.0,
    cloth: float = 0.0,
    bumps: float = 0.0,
    sheen: float = 0.3,
) -> tuple[Array, Array]:
    """A soft block seen from above and a little in front: a top face over a darker front face.

    Tofu (white, fine pores, the press cloth's weave on top, a wet sheen), dried tofu (brown,
    smooth) and fried tofu (golden, bumpy) are all this block with different surfaces.
    """
    rng = cv.rng
    W, H, D = int(w), int(h), int(depth)
    total_h = H + D
    y, x = np.mgrid[0:total_h, 0:W].astype(F)
    top = rounded_mask(W, H, corner, soft=1.0)
    top_full = np.zeros((total_h, W), F)
    top_full[:H] = top
    body = rounded_mask(W, total_h, corner, soft=1.0)
    alpha = np.maximum(body, top_full)
    base = np.asarray(color, F)
    # Top face: lit from the upper left, rounded edges fall off into shade.
    inner = blur(top_full, max(1.0, corner * 1.2))
    grad = 1.02 - 0.1 * (x / W) - 0.08 * (y / max(H, 1))
    top_light = (0.7 + 0.3 * inner) * grad
    tex = np.ones((total_h, W), F)
    if pores:
        fine = noise(rng, total_h, W, max(1.0, cv.px(1.6)))
        tex -= pores * np.clip((fine - 0.7) * 4, 0, 1)
        tex -= pores * 0.15 * noise(rng, total_h, W, cv.px(40))
    if cloth:
        period = max(3.0, cv.px(7.0))
        weave = np.sin(x * 2 * math.pi / period) * np.sin(y * 2 * math.pi / period)
        tex -= cloth * (0.5 + 0.5 * weave) * top_full
    if bumps:
        lumpy = noise(rng, total_h, W, cv.px(7)) * 0.5 + noise(rng, total_h, W, cv.px(16)) * 0.5
        tex *= 1.0 - bumps * 0.45 + bumps * 0.6 * lumpy
        tex *= 0.85 + 0.3 * noise(rng, total_h, W, cv.px(40))
    front_t = np.clip((y - H) / max(D, 1), 0, 1)
    front_light = 0.64 - 0.14 * front_t - 0.05 * (x / W)
    light = np.where(top_full > 0.5, top_light, front_light)
    rgb = base * (light * tex)[..., None]
    rgb = np.where((top_full > 0.5)[..., None], rgb, rgb * np.array([1.0, 0.97, 0.9], F))
    # The edge between the faces catches the light.
    seam = np.exp(-(((y - H + corner * 0.3) / max(1.5, corner * 0.35)) ** 2))
    rgb = rgb + (0.08 * seam)[..., None]
    if sheen:
        sx, sy = 0.3 * W, 0.3 * H
        glow = np.exp(-(((x - sx) / (0.32 * W)) ** 2 + ((y - sy) / (0.22 * H)) ** 2))
        rgb = rgb + (sheen * 0.35 * glow * top_full)[..., None]
        if sheen >= 0.25:
            _droplets(cv, rgb, top_full, count=int(sheen * 40))
    return rgb.astype(F), alpha


def _droplets(cv: Canvas, rgb: Array, face: Array, *, count: int) -> None:
    """Beads of water on a fresh, wet surface: a bright glint over a faint dark rim."""
    rng = cv.rng
    h, w = face.shape
    for _ in range(count):
        r = min(w, h) * rng.uniform(0.01, 0.028)
        x0, y0 = rng.uniform(0.1, 0.9) * w, rng.uniform(0.08, 0.9) * h
        ys = slice(max(0, int(y0 - 2 * r)), min(h, int(y0 + 2 * r) + 1))
        xs = slice(max(0, int(x0 - 2 * r)), min(w, int(x0 + 2 * r) + 1))
        yy, xx = np.mgrid[ys, xs].astype(F)
        d = np.sqrt((xx - x0) ** 2 + (yy - y0) ** 2) / r
        rim = np.exp(-(((d - 1.0) / 0.25) ** 2)) * 0.1
        glint = np.exp(-(((xx - x0 + r * 0.35) ** 2 + (yy - y0 + r * 0.35) ** 2) / (r * 0.3) ** 2))
        rgb[ys, xs] += ((0.55 * glint - rim) * face[ys, xs])[..., None]


def tofu_block(
    cv: Canvas,
    cx: float,
    cy: float,
    w: float,
    h: float,
    angle: float = 0.0,
    *,
    silken: bool = False,
) -> None:
    rgb, alpha = block_sprite(
        cv, w, h, h * 0.3, (0.98, 0.96, 0.9),
        corner=cv.px(14 if silken else 10), pores=0.04 if silken else 0.07,
        cloth=0.0 if silken else 0.07, sheen=0.4 if silken else 0.3,
    )  # fmt: skip
    cv.place(rgb, alpha, cx, cy, angle=angle, lift=h * 0.22, shadow=0.5)


def dried_tofu(cv: Canvas, cx: float, cy: float, w: float, angle: float = 0.0) -> None:
    tone = cv.rng.uniform(0.9, 1.08)
    rgb, alpha = block_sprite(
        cv, w, w * 0.92, w * 0.2, (0.56 * tone, 0.36 * tone, 0.19 * tone),
        corner=cv.px(6), pores=0.08, cloth=0.09, sheen=0.12,
    )  # fmt: skip
    cv.place(rgb, alpha, cx, cy, angle=angle, lift=w * 0.12, shadow=0.55)


def tofu_puff(cv: Canvas, cx: float, cy: float, w: float, angle: float = 0.0) -> None:
    tone = cv.rng.uniform(0.9, 1.08)
    rgb, alpha = block_sprite(
        cv, w, w * 0.9, w * 0.45, (0.86 * tone, 0.55 * tone, 0.2 * tone),
        corner=w * 0.28, bumps=0.9, sheen=0.18,
    )  # fmt: skip
    cv.place(rgb, alpha, cx, cy, angle=angle, lift=w * 0.25, shadow=0.55)
