"""Which photo a sidecar is for, by names alone: the rules darktable, Lightroom, digiKam and Google
Takeout name their sidecars by.

- XMP: `IMG_0001.JPG.xmp` (darktable, digiKam) is for `IMG_0001.JPG`; `IMG_0001.xmp` (Lightroom)
  for the photo whose name without its extension is `IMG_0001`.
- Takeout: `IMG_0001.jpg.json`, `IMG_0001.json`, `IMG_0001.jpg.supplemental-metadata.json` (newer
  exports, cut anywhere to fit), `IMG_0001.jpg(1).json` for the second `IMG_0001(1).jpg`, and
  names cut to fit Takeout's 51 characters (the photo's own name cut to 47, its extension kept).

A waiting sidecar is found by a short key (`match_key`: the start of the photo's base name) on
an index; `SidecarName.fits` then decides exactly."""
import re
from dataclasses import dataclass

from .not_media import JSON_EXTENSION, MEDIA_EXTENSIONS

KEY_LENGTH = 32
COUNTER = re.compile(r"\(\d{1,3}\)$")
SUPPLEMENTAL = "supplemental-metadata"
# Takeout's names are at most 51 characters: one this long may have been cut.
TAKEOUT_CUT_NAME = 46
# A cut name still has this much of the photo's name, and no shorter start is taken as a match.
SHORTEST_CUT_STEM = 16


def split_media(name: str) -> tuple[str, str]:
    """('img_0001', 'jpg') for a media name, (name, '') when its last suffix is no media extension."""
    stem, dot, extension = name.rpartition(".")
    return (stem, extension) if dot and stem and extension in MEDIA_EXTENSIONS else (name, "")


def match_key(name: str) -> str:
    """The index key a photo and the sidecars for it share."""
    stem, _ = split_media(name.casefold())
    return COUNTER.sub("", stem)[:KEY_LENGTH]


@dataclass(frozen=True)
class SidecarName:
    target: str  # the photo's name (or base name) the sidecar names, casefolded
    counter: str = ""  # Takeout's "(1)" of a second photo of the same name
    may_be_cut: bool = False
    title: str = ""  # the photo's full name as the sidecar itself gives it (Takeout's `title`)

    @classmethod
    def parse(cls, file_name: str, title: str = "") -> "SidecarName":
        base, _, extension = file_name.casefold().rpartition(".")
        counter = ""
        if extension == JSON_EXTENSION:
            head, dot, tail = base.rpartition(".")
            word = tail.split("(")[0]
            if dot and head and word and SUPPLEMENTAL.startswith(word):
                base = head + tail[len(word):]  # the counter may follow the cut word
            if found := COUNTER.search(base):
                counter, base = found.group(), base[:found.start()]
        return cls(base, counter, extension == JSON_EXTENSION and len(file_name) >= TAKEOUT_CUT_NAME,
                   title.casefold())

    @property
    def key(self) -> str:
        return match_key(self.target)

    def fits(self, photo_name: str) -> bool:
        name = photo_name.casefold()
        stem, extension = split_media(name)
        target_stem, target_extension = split_media(self.target)
        if self.counter:
            return stem == target_stem + self.counter and extension == (target_extension or extension)
        if name in (self.target, self.title) or (not target_extension and stem == self.target):
            return True
        return self.may_be_cut and len(stem) >= SHORTEST_CUT_STEM and (
            self.target.startswith(stem) or name.startswith(self.target))
