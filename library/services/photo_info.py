"""What the viewer's info panel says about one photo: when (on the camera's clock), with what,
how exposed, how big, where, in which albums, and the other files of its moment. Facts only, as
numbers and names; the panel words them. Who may ask is `Photo.is_visible_to`, the one rule."""
from django.urls import reverse

from library.curation.albums import albums_for
from library.curation.moments import members
from library.models import MediaKind, Photo

PIXELS_PER_MEGAPIXEL = 1_000_000


class PhotoNotFoundError(LookupError):
    """No such photo, or one this user may not see: the same answer, so ids reveal nothing."""


def visible_photo(photo_id: int, user) -> Photo:
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.is_visible_to(user):
        raise PhotoNotFoundError(f"no photo {photo_id}")
    return photo


def albums_of(photo: Photo, user) -> list[dict]:
    """The albums holding the photo (its moment's face) that `user` may see, as {id, title, url}."""
    face_id = photo.shown_with_id or photo.pk
    held = albums_for(user).filter(entries__photo_id=face_id).order_by("title").values_list("pk", "title")
    return [{"id": pk, "title": title, "url": reverse("album", args=[pk])} for pk, title in held]


def photo_info(photo: Photo, user) -> dict:
    return {
        "id": photo.pk,
        "name": photo.original_name,
        "kind": photo.kind,
        "format": photo.format,
        "mime_type": photo.mime_type,
        "taken": taken(photo),
        "camera": {"make": photo.camera_make, "model": photo.camera_model},
        "lens": {"make": photo.lens_make, "model": photo.lens_model},
        "exposure": {"f_number": photo.f_number, "exposure_time": photo.exposure_time, "iso": photo.iso,
                     "focal_length": photo.focal_length, "focal_length_35mm": photo.focal_length_35mm},
        "dimensions": dimensions(photo),
        "file_size": photo.size,
        "duration": photo.duration,
        "place": place(photo),
        "albums": albums_of(photo, user),
        "moment": moment_files(photo, user),
    }


def taken(photo: Photo) -> dict:
    """The camera's wall clock and its zone (an offset, and the IANA zone where GPS gave one)."""
    return {"local": photo.taken_local.isoformat(), "zone": photo.taken_zone, "time_zone": photo.time_zone,
            "source": photo.get_taken_at_source_display()}


def dimensions(photo: Photo) -> dict | None:
    if not (photo.width and photo.height):
        return None
    return {"width": photo.width, "height": photo.height,
            "megapixels": round(photo.width * photo.height / PIXELS_PER_MEGAPIXEL, 1)}


def place(photo: Photo) -> dict | None:
    """Where it was taken, as names and coordinates (no map)."""
    if photo.latitude is None or photo.longitude is None:
        return None
    return {"name": photo.place, "city": photo.place_city, "region": photo.place_region,
            "country": photo.place_country, "country_code": photo.place_country_code,
            "latitude": photo.latitude, "longitude": photo.longitude, "altitude": photo.altitude}


def moment_files(photo: Photo, user) -> list[dict]:
    """The other files of its moment (a Live Photo's still or motion, a RAW+JPEG pair's other
    half) and a motion photo's embedded video, each with what it is to this one."""
    files = [{"id": member.pk, "name": member.original_name, "format": member.format, "file_size": member.size,
              "role": role(member), "url": reverse("photo", args=[member.pk])}
             for member in members(photo) if member.pk != photo.pk and member.is_visible_to(user)]
    if photo.has_embedded_video:
        files.append({"id": photo.pk, "name": photo.original_name, "format": "mp4",
                      "file_size": photo.embedded_video_length, "role": "embedded motion", "url": ""})
    return files


def role(member: Photo) -> str:
    if member.kind == MediaKind.VIDEO:
        return "motion"
    return "still" if member.shown_with_id is None else "raw"
