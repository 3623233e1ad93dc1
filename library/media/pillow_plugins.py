"""Pillow reads HEIC/HEIF (pillow_heif) and JPEG XL (pillow_jxl) in every process, but their
libraries (libheif with its codecs, libjxl) load only when a file of theirs is first opened or
saved: a command that never meets one does not pay for them at start.

Each format is registered with a stand-in that knows the format's first bytes well enough to say
"perhaps". When Pillow calls it, the stand-in imports the real plugin, which registers itself in
the stand-in's place (same format name, so Pillow's order of formats is kept), and hands the file
to it; the real plugin's own test of the first bytes has the last word."""
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from .jxl_header import CODESTREAM_SIGNATURE

# How many first bytes Pillow hands a format's test.
PREFIX_BYTES = 16


@dataclass(frozen=True)
class DeferredFormat:
    format: str  # Pillow's name for it, the same as the real plugin's
    maybe: Callable[[bytes], bool]
    extensions: tuple[str, ...]
    mime: str
    load: Callable[[], None]  # imports the real plugin, which registers itself

    def register(self):
        Image.register_open(self.format, self.open, self.maybe)
        Image.register_save(self.format, self.save)
        Image.register_extensions(self.format, list(self.extensions))
        Image.register_mime(self.format, self.mime)

    def open(self, fp, filename=None):
        self.load()
        factory, accept = Image.OPEN[self.format]
        prefix = fp.read(PREFIX_BYTES)
        fp.seek(0)
        if accept and not accept(prefix):
            raise SyntaxError(f"not a {self.format} file")  # how Pillow expects a format to decline
        return factory(fp, filename)

    def save(self, image, fp, filename):
        self.load()
        save = Image.SAVE[self.format]
        if save == self.save:  # the plugin was built without an encoder and did not replace us
            raise OSError(f"this Pillow cannot write {self.format}")
        save(image, fp, filename)


def load_heif():
    import pillow_heif

    pillow_heif.register_heif_opener()


def load_jxl():
    import pillow_jxl  # noqa: F401 - importing it registers its JPEG XL plugin with Pillow


DEFERRED_FORMATS = (
    DeferredFormat("HEIF", lambda prefix: prefix[4:8] == b"ftyp", (".heic", ".heics", ".heif", ".heifs", ".hif"),
                   "image/heif", load_heif),
    DeferredFormat("JXL", lambda prefix: prefix.startswith(CODESTREAM_SIGNATURE) or prefix[4:7] == b"JXL", (".jxl",),
                   "image/jxl", load_jxl),
)


def register():
    for deferred in DEFERRED_FORMATS:
        deferred.register()
