"""The raw families the library keeps: every one LibRaw reads that cameras still hand people, by
the extension it is kept under, with what tells them apart. Apart from detection (which also
knows the models) so that the thumbnail generators, which must not load Django's models, can ask
which extensions are raw."""

# Extension → MIME type.
RAW_MIME_TYPES = {
    "dng": "image/x-adobe-dng", "cr2": "image/x-canon-cr2", "cr3": "image/x-canon-cr3", "crw": "image/x-canon-crw",
    "nef": "image/x-nikon-nef", "nrw": "image/x-nikon-nrw", "arw": "image/x-sony-arw", "srf": "image/x-sony-srf",
    "sr2": "image/x-sony-sr2", "raf": "image/x-fuji-raf", "rw2": "image/x-panasonic-rw2", "rwl": "image/x-leica-rwl",
    "orf": "image/x-olympus-orf", "pef": "image/x-pentax-pef", "srw": "image/x-samsung-srw",
    "3fr": "image/x-hasselblad-3fr", "fff": "image/x-hasselblad-fff", "erf": "image/x-epson-erf",
    "dcr": "image/x-kodak-dcr", "kdc": "image/x-kodak-kdc", "mef": "image/x-mamiya-mef", "mos": "image/x-leaf-mos",
    "mrw": "image/x-minolta-mrw", "x3f": "image/x-sigma-x3f", "gpr": "image/x-gopro-gpr",
    "iiq": "image/x-phaseone-iiq", "raw": "image/x-panasonic-raw",
}
RAW_EXTENSIONS = frozenset(RAW_MIME_TYPES)
# Raw formats in a plain TIFF container: only the extension (or the maker) tells them apart.
TIFF_BASED_RAW = {"dng", "cr2", "nef", "nrw", "arw", "srf", "sr2", "pef", "srw", "3fr", "fff", "erf", "dcr", "kdc",
                  "mef", "mos", "gpr", "iiq"}
# A TIFF-like raw under a name that says nothing: kept under its maker's usual extension.
MAKER_EXTENSIONS = {"canon": "cr2", "nikon": "nef", "sony": "arw", "pentax": "pef", "ricoh": "pef",
                    "samsung": "srw", "hasselblad": "3fr", "kodak": "dcr", "mamiya": "mef", "leaf": "mos",
                    "epson": "erf", "phase one": "iiq", "phaseone": "iiq", "gopro": "gpr"}
# Makers' own raw signatures (first bytes) → the family and the other extensions it may be kept under.
MAKER_SIGNATURES = (
    (b"FUJIFILMCCD-RAW", "raf", ()),
    (b"II\x1a\x00\x00\x00HEAPCCDR", "crw", ()),
    (b"\x00MRM", "mrw", ()),
    (b"FOVb", "x3f", ()),
    (b"IIRO", "orf", ()), (b"IIRS", "orf", ()), (b"MMOR", "orf", ()),
    (b"IIU\x00", "rw2", ("rwl", "raw")),
)
