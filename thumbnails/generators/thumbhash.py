"""ThumbHash: a whole picture's likeness in at most 25 bytes, for the tile to show before its
thumbnail arrives (colours, light and shape, and transparency).

A port of `rgbaToThumbHash` from Evan Wallace's reference implementation
(https://github.com/evanw/thumbhash, MIT licence, Copyright (c) 2023 Evan Wallace), so any
ThumbHash decoder (the reference's JavaScript one in a browser) reads what this writes. Pure:
pixels in, bytes out. The one change is how the sums are done: the DCT is separable, so each
coefficient is a weighted sum of per-row sums rather than a sum over every pixel again, which
makes pure Python quick enough on a 100×100 image. Numbers round as JavaScript's Math.round does
(halves up), so the bytes are the reference's."""
import io
import math
from operator import mul

from PIL import Image

LARGEST_SIDE = 100  # the reference's limit: a larger image costs more and shows no more
# What a thumbnail is shrunk to before it is hashed. The hash keeps at most the seven lowest
# frequencies on a side, which 32 samples resolve as well as 100 do; the pure-Python sums cost
# a tenth as much, and they hold the interpreter while a thumbnail's other steps run in C.
HASHED_SIDE = 32


def js_round(value: float) -> int:
    return math.floor(value + 0.5)


def image_thumbhash(data: bytes) -> bytes:
    """The ThumbHash of an encoded image (a thumbnail we made: already upright)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (HASHED_SIDE, HASHED_SIDE))  # a JPEG decodes at a fraction of its size
        image.thumbnail((HASHED_SIDE, HASHED_SIDE))
        rgba = image.convert("RGBA")
    return rgba_to_thumbhash(rgba.width, rgba.height, rgba.tobytes())


def rgba_to_thumbhash(w: int, h: int, rgba: bytes) -> bytes:
    """Encodes `w`×`h` pixels of 8-bit RGBA (at most 100×100) as a ThumbHash."""
    if w > LARGEST_SIDE or h > LARGEST_SIDE:
        raise ValueError(f"{w}x{h} doesn't fit in {LARGEST_SIDE}x{LARGEST_SIDE}")
    reds, greens, blues, alphas = (rgba[band::4] for band in range(4))
    opacities = [alpha / 255 for alpha in alphas]
    total_alpha = sum(opacities)
    average = [sum(map(mul, opacities, band)) / 255 for band in (reds, greens, blues)]
    if total_alpha:
        average = [value / total_alpha for value in average]
    has_alpha = total_alpha < w * h
    l_limit = 5 if has_alpha else 7  # fewer luminance terms when alpha needs room
    lx = max(1, js_round(l_limit * w / max(w, h)))
    ly = max(1, js_round(l_limit * h / max(w, h)))
    lpqa = [[], [], [], opacities]
    for r, g, b, alpha in zip(reds, greens, blues, opacities, strict=True):
        # composited atop the average colour, then luminance, yellow-blue, red-green
        r = average[0] * (1 - alpha) + alpha / 255 * r
        g = average[1] * (1 - alpha) + alpha / 255 * g
        b = average[2] * (1 - alpha) + alpha / 255 * b
        lpqa[0].append((r + g + b) / 3)
        lpqa[1].append((r + g) / 2 - b)
        lpqa[2].append(r - g)
    l_dc, l_ac, l_scale = encode_channel(lpqa[0], w, h, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = encode_channel(lpqa[1], w, h, 3, 3)
    q_dc, q_ac, q_scale = encode_channel(lpqa[2], w, h, 3, 3)
    is_landscape = w > h
    header24 = (js_round(63 * l_dc) | js_round(31.5 + 31.5 * p_dc) << 6 | js_round(31.5 + 31.5 * q_dc) << 12
                | js_round(31 * l_scale) << 18 | has_alpha << 23)
    header16 = ((ly if is_landscape else lx) | js_round(63 * p_scale) << 3 | js_round(63 * q_scale) << 9
                | is_landscape << 15)
    hash_bytes = [header24 & 255, header24 >> 8 & 255, header24 >> 16, header16 & 255, header16 >> 8]
    factors = [l_ac, p_ac, q_ac]
    if has_alpha:
        a_dc, a_ac, a_scale = encode_channel(lpqa[3], w, h, 5, 5)
        hash_bytes.append(js_round(15 * a_dc) | js_round(15 * a_scale) << 4)
        factors.append(a_ac)
    nibbles = [js_round(15 * factor) for channel in factors for factor in channel]
    nibbles += [0] * (len(nibbles) % 2)
    hash_bytes += [low | high << 4 for low, high in zip(nibbles[::2], nibbles[1::2], strict=True)]
    return bytes(hash_bytes)


def encode_channel(channel: list[float], w: int, h: int, nx: int, ny: int) -> tuple[float, list[float], float]:
    """The channel's DCT as (constant term, varying terms scaled into 0..1, their scale), over the
    reference's triangle of terms (cx * ny < nx * (ny - cy))."""
    fx = [[math.cos(math.pi / w * cx * (x + 0.5)) for x in range(w)] for cx in range(nx)]
    row_sums = [[sum(map(mul, channel[y * w:(y + 1) * w], fx[cx])) for cx in range(nx)] for y in range(h)]
    dc, ac = 0.0, []
    for cy in range(ny):
        fy = [math.cos(math.pi / h * cy * (y + 0.5)) for y in range(h)]
        cx = 0
        while cx * ny < nx * (ny - cy):
            f = sum(fy[y] * row_sums[y][cx] for y in range(h)) / (w * h)
            if cx or cy:
                ac.append(f)
            else:
                dc = f
            cx += 1
    scale = max((abs(f) for f in ac), default=0.0)
    if scale:
        ac = [0.5 + 0.5 / scale * f for f in ac]
    return dc, ac, scale
