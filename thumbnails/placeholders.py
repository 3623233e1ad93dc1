"""The tiles' placeholders: a ThumbHash of each photo's tile thumbnail, kept on its rendition
row, for a grid to paint the photo's likeness before the thumbnail itself arrives. (Not
thumbnails.placeholder, the grey image served when a thumbnail cannot be made.)

It is computed from the thumbnail just made, never during an import: an import must not decode
pictures it has no need to, and the thumbnail is already small, upright and decoded cheaply."""
import base64

from .generators.thumbhash import image_thumbhash
from .models import Rendition
from .specs import DEFAULT_SIZE, SIZES, ThumbnailSpec


def placeholder_fields(spec: ThumbnailSpec, data: bytes) -> dict:
    """What the rendition row of a just-made thumbnail records of its placeholder: the tile size's
    thumbnails carry one (the larger ones would cost more to decode and show no more)."""
    if spec.height != SIZES[DEFAULT_SIZE][0]:
        return {}
    return {"placeholder": base64.b64encode(image_thumbhash(data)).decode("ascii")}


def for_photos(photo_ids) -> dict[int, str]:
    """{photo id: base64 ThumbHash} of those photos that have one, in one query (by the
    rendition rows' unique photo-and-spec index)."""
    rows = Rendition.objects.filter(photo_id__in=list(photo_ids)).exclude(placeholder="")
    return dict(rows.values_list("photo_id", "placeholder"))
