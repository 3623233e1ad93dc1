"""Reading a file named like a sidecar (`.xmp`, `.json`, `.aae`) for the import: its facts, or why it
is passed by (SidecarError when it cannot be read as the sidecar its name says it is)."""
from pathlib import Path

from library.media.not_media import APPLE_EDITS_EXTENSION, NOT_MEDIA, XMP_EXTENSION, sidecar_extension
from library.media.sidecar_facts import MAX_SIDECAR_BYTES, ParsedSidecar, PassedByError, SidecarError
from library.media.takeout_sidecar import read_takeout
from library.media.xmp_sidecar import read_xmp


def read_sidecar(path: Path, name: str, size: int) -> ParsedSidecar:
    """Raises PassedByError for sidecars that carry nothing for the library, SidecarError for one
    that is not what its name says or too big to be one."""
    kind = sidecar_extension(name)
    if kind == APPLE_EDITS_EXTENSION:
        raise PassedByError(f"{NOT_MEDIA}: iPhone edit settings (.AAE); the photo is kept as it was taken")
    if size > MAX_SIDECAR_BYTES:
        raise SidecarError(f"sidecar not read: {size:,} bytes, more than the {MAX_SIDECAR_BYTES:,} a sidecar may have")
    data = path.read_bytes()[:MAX_SIDECAR_BYTES]
    return read_xmp(data) if kind == XMP_EXTENSION else read_takeout(data)
