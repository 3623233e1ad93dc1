"""Reading sidecars (no database): the real XMP and Takeout samples of the shared corpus, the name
rules that pair a sidecar with its photo, and what is not media at all."""
from datetime import UTC, datetime, timedelta

import pytest
import sidecar_factories

from library.media.not_media import document_reason, system_file_reason
from library.media.sidecar_facts import PassedByError, SidecarError, SidecarFacts
from library.media.sidecar_names import SidecarName, match_key
from library.media.takeout_sidecar import read_takeout
from library.media.xmp_sidecar import read_xmp


@pytest.fixture
def samples(corpus_dir):
    folder = corpus_dir / "sidecars"
    if not folder.is_dir():
        pytest.skip(f"the sidecar samples are absent ({folder})")
    return folder


def test_an_adobe_xmp_sidecar_gives_title_keywords_rating_date_and_gps(samples):
    facts = read_xmp((samples / "xmp" / "IMG_20200101_172822.xmp").read_bytes()).facts
    assert (facts.title, facts.description) == ("Night Shift / Berlin / 2020", "Example file for development")
    assert (facts.keywords, facts.rating) == (("desk", "coffee", "computer"), 4)
    assert facts.taken_at.replace(tzinfo=None) == datetime(2020, 1, 1, 17, 28, 23)  # DateTimeOriginal, no zone
    assert facts.latitude == pytest.approx(52 + 27.5814 / 60) and facts.longitude == pytest.approx(13 + 19.3099 / 60)


def test_an_iphone_style_xmp_has_decimal_gps_with_refs_and_a_zoned_date(samples):
    facts = read_xmp((samples / "xmp" / "date.heic.xmp").read_bytes()).facts
    assert (facts.latitude, facts.longitude) == (pytest.approx(47.675403), pytest.approx(-122.317392))
    assert facts.altitude == pytest.approx(63.63179)
    assert facts.taken_at.utcoffset() == timedelta(hours=-7)
    assert facts.taken_at.astimezone(UTC) == datetime(2022, 9, 4, 0, 48, 26, tzinfo=UTC)


def test_a_favourite_from_an_exiv2_sidecar(samples):
    assert read_xmp((samples / "xmp" / "fstop-favorite.xmp").read_bytes()).facts.favorite is True


def test_takeout_json_gives_the_taken_time_not_the_upload_time(samples):
    facts = read_takeout((samples / "takeout" / "gphotos-1.json").read_bytes()).facts
    assert facts.taken_at == datetime(2015, 12, 6, 16, 18, 30, tzinfo=UTC)
    assert (facts.description, facts.for_name) == ("hdrpl", "23481593101_ef7d55f39d_o.jpg")
    assert (facts.latitude, facts.longitude) == (pytest.approx(52.508522), pytest.approx(13.443206))


def test_takeout_prefers_geodata_and_knows_zero_zero_is_nowhere(samples):
    second = read_takeout((samples / "takeout" / "gphotos-2.json").read_bytes()).facts
    assert second.latitude is not None and second.taken_at == datetime.fromtimestamp(1558181205, UTC)
    third = read_takeout((samples / "takeout" / "gphotos-3.json").read_bytes()).facts
    assert (third.latitude, third.longitude, third.for_name) == (None, None, "Bei den Landungsbrücken.png")
    fourth = read_takeout((samples / "takeout" / "gphotos-4.json").read_bytes()).facts
    assert fourth.description == ""


def test_an_album_s_metadata_is_passed_by(samples):
    with pytest.raises(PassedByError, match="album's metadata"):
        read_takeout((samples / "takeout" / "gphotos-album.json").read_bytes())


def test_facts_survive_the_waiting_room():
    facts = read_xmp(sidecar_factories.xmp_text(rating=3, keywords=["a", "b"], taken="2024-01-31T10:15:00Z").encode()).facts
    kept = SidecarFacts.from_json(facts.as_json())
    assert kept == facts
    assert kept.taken_at.tzname() == facts.taken_at.tzname() == "UTC+00:00"  # the camera's clock, not a bare instant
    takeout = SidecarFacts(taken_at=datetime(2015, 12, 6, 16, 18, 30, tzinfo=UTC))
    assert SidecarFacts.from_json(takeout.as_json()).taken_at.tzname() == "UTC"


def test_sidecar_texts_are_bounded_and_cleaned():
    facts = read_xmp(sidecar_factories.xmp_text(title="t" * 1000, label="L" * 99).encode()).facts
    assert (len(facts.title), len(facts.label)) == (255, 32)
    takeout = read_takeout(b'{"title": "a.jpg", "imageViews": "1", "description": "a\\u001b[31mb' + b"x" * 5000 + b'"}')
    assert takeout.facts.description == ("a[31mb" + "x" * 5000)[:2000]


@pytest.mark.parametrize(("text", "reason"), [
    (sidecar_factories.xmp_text(rating=9), None),  # out of range: no rating, not an error
    ("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", "no XMP properties"),
    ("Dear diary", "not well-formed XML"),
])
def test_xmp_ratings_and_refusals(text, reason):
    if reason is None:
        assert read_xmp(text.encode()).facts.rating is None
    else:
        with pytest.raises(SidecarError, match=reason):
            read_xmp(text.encode())


@pytest.mark.parametrize("document", [
    b'{"title": "a.jpg", "photoTakenTime": {"timestamp": 1e300}}',
    b'{"title": ["a.jpg"], "photoTakenTime": {"timestamp": "1"}}',
    b'{"title": "a.jpg", "imageViews": "1", "favorited": "yes"}',
    b'{"title": "a.jpg", "geoData": [52, 13]}',
    b'{"title": "a.jpg", "geoData": {"latitude": 1e999, "longitude": 0}}',
])
def test_takeout_json_with_wrong_types_is_refused_whole(document):
    with pytest.raises(SidecarError, match="Takeout JSON not read"):
        read_takeout(document)


@pytest.mark.parametrize(("sidecar", "photo", "fits"), [
    ("IMG_0001.xmp", "IMG_0001.CR2", True),
    ("IMG_0001.CR2.xmp", "IMG_0001.CR2", True),
    ("IMG_0001.CR2.xmp", "IMG_0001.JPG", False),
    ("IMG_0001.xmp", "IMG_00010.jpg", False),
    ("IMG_0001.jpg.json", "IMG_0001.jpg", True),
    ("IMG_0001.json", "IMG_0001.jpg", True),
    ("IMG_0001.jpg(1).json", "IMG_0001(1).jpg", True),
    ("IMG_0001.jpg(1).json", "IMG_0001.jpg", False),
    ("IMG_0001.jpg.json", "IMG_0001(1).jpg", False),
    ("IMG_0001.jpg.supplemental-metadata(1).json", "IMG_0001(1).jpg", True),
    ("IMG_0001.jpg.suppl.json", "IMG_0001.jpg", True),
])
def test_which_photo_a_sidecar_names(sidecar, photo, fits):
    name = SidecarName.parse(sidecar)
    assert name.fits(photo) is fits
    if fits:
        assert name.key == match_key(photo)


@pytest.mark.parametrize(("name", "content", "skipped"), [
    ("Thumbs.db", "unrecognised binary content", True),
    ("desktop.ini", "content looks like text", True),
    ("._IMG_0001.JPG", "unrecognised binary content", True),
    ("README.md", "content looks like text", True),
    ("index.html", "content looks like HTML or XML", True),
    ("notes.jpg", "content looks like text", False),  # claims to be a photo: a broken one
    ("mystery.bin", "unrecognised binary content", False),
])
def test_what_is_not_media(name, content, skipped):
    assert bool(system_file_reason(name) or document_reason(name, content)) is skipped
