"""Shrinking a decoded picture to its thumbnail's size without a second full-size copy.

Pillow resizes 8-bit grey, RGB and CMYK as they are, but a palette is resized by nearest
neighbour, 16-bit values would be clipped to white, and alpha is premultiplied first: each of
those needs a conversion, and converting the whole picture copies it at full size, several times
over for 16-bit pictures (docs/measured-choices.md). So those pictures are converted and
box-reduced a tile at a time (a few megabytes each) into a picture about three times the
target's size, the same `reduce` step `resize(reducing_gap=3.0)` takes, and only that is
resized to the target. Tiles are multiples of the reduction factor, so every output pixel
averages the same source pixels as a whole-picture reduce would."""
from collections.abc import Callable, Iterator

from PIL import Image

# Modes Pillow resizes smoothly without converting the picture first.
RESIZABLE_AS_IS = {"L", "RGB", "CMYK"}
# Tiles are about this many pixels on a side (rounded to the reduction factor).
TILE_SIDE = 1024
# The same gap as `resize(reducing_gap=…)`: the box reduction stops at about 3x the target.
REDUCING_GAP = 3.0


def shrunk(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """A new picture of `target` size in a mode `to_srgb` turns into RGB (L, LA, RGB, RGBA, CMYK).
    `image` is decoded; it may be closed afterwards."""
    if image.mode in RESIZABLE_AS_IS:
        return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    reduced = reduced_in_tiles(image, reduction_factor(image.size, target), tile_conversion(image))
    return reduced.resize(target, Image.Resampling.LANCZOS)


def reduction_factor(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The box reduction Pillow's resize would make first (as `resize` computes it)."""
    return (max(1, int(size[0] / target[0] / REDUCING_GAP)),
            max(1, int(size[1] / target[1] / REDUCING_GAP)))


def reduced_in_tiles(image: Image.Image, factor: tuple[int, int],
                     convert: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """`image` converted and reduced by `factor`, one tile at a time."""
    width, height = image.size
    reduced = None
    for (left, top), tile in tiles(image, factor):
        small = convert(tile)
        small = small.reduce(factor) if factor != (1, 1) else small
        if reduced is None:
            reduced = Image.new(small.mode, (-(-width // factor[0]), -(-height // factor[1])))
        reduced.paste(small, (left // factor[0], top // factor[1]))
    return reduced


def tiles(image: Image.Image, factor: tuple[int, int]) -> Iterator[tuple[tuple[int, int], Image.Image]]:
    """((left, top), a copy of the tile there) of `image`'s tiles, about TILE_SIDE on a side and
    multiples of `factor`."""
    width, height = image.size
    step_x, step_y = (max(1, TILE_SIDE // f) * f for f in factor)
    for top in range(0, height, step_y):
        for left in range(0, width, step_x):
            yield (left, top), image.crop((left, top, min(left + step_x, width), min(top + step_y, height)))


def tile_conversion(image: Image.Image) -> Callable[[Image.Image], Image.Image]:
    """How a tile of `image` becomes a mode that reduces smoothly: palettes and bilevel become
    colour or grey, 16-bit and float become 8-bit grey; alpha stays (reduce premultiplies it)."""
    if image.mode == "P":
        mode = "RGBA" if "transparency" in image.info else "RGB"
        return lambda tile: tile.convert(mode)
    if image.mode == "PA":
        return lambda tile: tile.convert("RGBA")
    if image.mode in ("1", "F"):
        return lambda tile: tile.convert("L")
    if image.mode.startswith("I"):
        return sixteen_bit_to_grey(image)
    return lambda tile: tile


def sixteen_bit_to_grey(image: Image.Image) -> Callable[[Image.Image], Image.Image]:
    """Scale 16-bit values down instead of clipping them (Pillow's convert would give white);
    a picture whose values all fit in 8 bits keeps them. Its highest value is found a tile at a
    time too (Pillow has no extrema of big-endian 16-bit pictures)."""
    highest = max(tile.convert("I").getextrema()[1] for _, tile in tiles(image, (1, 1)))
    if highest <= 255:
        return lambda tile: tile.convert("I").convert("L")
    return lambda tile: tile.convert("I").point(lambda value: value * (255 / 65535)).convert("L")
