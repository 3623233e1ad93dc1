"""Sidecars as the apps write them: Lightroom/darktable XMP, Google Takeout JSON, iPhone's AAE, and
the files systems leave in folders."""
import json
from pathlib import Path

XMP_TEMPLATE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/" {attributes}>
   {elements}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def xmp_text(*, rating=None, label=None, title=None, description=None, keywords=(), taken=None, gps=None) -> str:
    attributes = []
    if rating is not None:
        attributes.append(f'xmp:Rating="{rating}"')  # Lightroom writes simple values as attributes
    if label:
        attributes.append(f'xmp:Label="{label}"')
    if taken:
        attributes.append(f'exif:DateTimeOriginal="{taken}"')
    elements = []
    if title:
        elements.append(f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>')
    if description:
        elements.append(f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt>'
                        "</dc:description>")
    if keywords:
        items = "".join(f"<rdf:li>{word}</rdf:li>" for word in keywords)
        elements.append(f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
    if gps:
        elements.append(f"<exif:GPSLatitude>{gps[0]}</exif:GPSLatitude><exif:GPSLongitude>{gps[1]}</exif:GPSLongitude>")
    return XMP_TEMPLATE.format(attributes=" ".join(attributes), elements="\n   ".join(elements))


def make_xmp(path: Path, **facts) -> Path:
    path.write_text(xmp_text(**facts), encoding="utf-8")
    return path


def takeout_document(title, *, taken_timestamp=None, description="", favorited=None, latitude=0.0, longitude=0.0):
    document = {"title": title, "description": description, "imageViews": "3",
                "creationTime": {"timestamp": "1700000000", "formatted": "Nov 14, 2023, 10:13:20 PM UTC"},
                "geoData": {"latitude": latitude, "longitude": longitude, "altitude": 0.0,
                            "latitudeSpan": 0.0, "longitudeSpan": 0.0}}
    if taken_timestamp is not None:
        document["photoTakenTime"] = {"timestamp": str(taken_timestamp), "formatted": ""}
    if favorited is not None:
        document["favorited"] = favorited
    return document


def make_takeout_json(path: Path, title, **facts) -> Path:
    path.write_text(json.dumps(takeout_document(title, **facts), indent=2), encoding="utf-8")
    return path


ALBUM_METADATA = {"title": "Trip", "description": "", "access": "protected",
                  "date": {"timestamp": "1700000000", "formatted": ""}}
APPLE_EDITS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>adjustmentFormatIdentifier</key><string>com.apple.photo</string></dict></plist>
"""


def make_folder_litter(folder: Path) -> list[Path]:
    """What Windows, macOS and projects leave beside photos: none of it media."""
    litter = {"Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "desktop.ini": b"[.ShellClassInfo]\r\n",
              "README.md": b"# Holiday 2024\n\nPhotos from the trip.\n", "LICENSE": b"All rights reserved.\n"}
    paths = []
    for name, data in litter.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths
