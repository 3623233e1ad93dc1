"""`manage.py import takeout-001.zip`: a Google Takeout export imported as it is, member by member,
with the pipeline's dedupe and outcomes; a bad member fails alone, and no member's name can
reach outside the library."""
import struct
import zipfile
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from library.models import ImportSession, OutcomeStatus, Photo

import factories

pytestmark = pytest.mark.django_db(transaction=True)

ALBUM = "Takeout/Google Photos/Photos from 2019/"


def jpeg_bytes(tmp_path, name, day, width=320):
    return factories.make_jpeg(tmp_path / name, width, 240, taken=datetime(2019, 6, day, 9, 0)).read_bytes()


def make_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """`members`: (name in the archive, bytes)."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2019, 6, 1, 12, 0, 0)), data)
    return path


def run_import(*args):
    out = StringIO()
    try:
        call_command("import", "--no-progress", *map(str, args), stdout=out, stderr=StringIO())
    except CommandError as error:
        return out.getvalue() + f"CommandError: {error}"
    return out.getvalue()


def test_a_takeout_archive_is_imported_member_by_member(library_root, tmp_path):
    # given two Takeout zips, as Google splits a big export, with photos and a video
    video = factories.make_video(tmp_path / "VID_20190603_101010.mp4", seconds=0.5).read_bytes()
    first = make_zip(tmp_path / "takeout-001.zip", [
        (ALBUM + "IMG_0001.jpg", jpeg_bytes(tmp_path, "1.jpg", 1)),
        (ALBUM + "IMG_0002.jpg", jpeg_bytes(tmp_path, "2.jpg", 2, width=300)),
    ])
    second = make_zip(tmp_path / "takeout-002.zip", [(ALBUM + "VID_20190603_101010.mp4", video)],
                      compression=zipfile.ZIP_STORED)
    # when both are imported
    output = run_import(first, second)
    # then every member is in the library, dated and placed as a file would be
    assert "3 imported, 0 duplicate, 0 failed" in output, output
    assert sorted(p.path[:10] for p in Photo.objects.all()) == ["2019-06-01", "2019-06-02", "2019-06-03"]
    assert sorted(Photo.objects.values_list("original_name", flat=True)) == [
        "IMG_0001.jpg", "IMG_0002.jpg", "VID_20190603_101010.mp4"]
    # and nothing is left unpacked, the archives are untouched
    assert not [p for p in (library_root / ".import_temp").iterdir()]
    assert zipfile.ZipFile(first).testzip() is None
    # and a second import finds them all known
    assert "0 imported, 3 duplicate, 0 failed" in run_import(first, second)


def test_members_named_to_escape_are_only_names(library_root, tmp_path):
    # given members whose names climb out of any folder they would be unpacked into
    source = tmp_path / "source"
    source.mkdir()
    archive = make_zip(source / "hostile.zip", [
        ("../../escape.jpg", jpeg_bytes(tmp_path, "a.jpg", 1)),
        ("/tmp/absolute.jpg", jpeg_bytes(tmp_path, "b.jpg", 2, width=300)),
        ("..\\..\\windows.jpg", jpeg_bytes(tmp_path, "c.jpg", 3, width=280)),
    ])
    before = sorted(p for p in tmp_path.rglob("*") if library_root not in p.parents)
    # when
    output = run_import(archive)
    # then they are imported under the library's own names, and nothing appeared anywhere else
    assert "3 imported" in output, output
    assert sorted(Photo.objects.values_list("original_name", flat=True)) == ["absolute.jpg", "escape.jpg",
                                                                               "windows.jpg"]
    assert sorted(p for p in tmp_path.rglob("*") if library_root not in p.parents) == before
    assert all(p.path.startswith("2019-06-0") for p in Photo.objects.all())


def corrupt_member_data(path, member_name):
    """Flips bytes in the middle of a member's compressed data (its CRC no longer matches)."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(member_name)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    for offset in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def declare_size(path, member_name, declared):
    """Rewrites the member's uncompressed size in both its headers: the archive lies about it."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info, directory = archive.getinfo(member_name), archive.start_dir
    data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", declared)
    position = directory
    while data[position:position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[position + 28:position + 34])
        if data[position + 46:position + 46 + name_length].decode() == member_name:
            data[position + 24:position + 28] = struct.pack("<I", declared)
        position += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, reason", [
    (lambda path: corrupt_member_data(path, ALBUM + "IMG_0002.jpg"), "cannot be read from"),
    (lambda path: declare_size(path, ALBUM + "IMG_0002.jpg", 1000), "Bad CRC-32"),
    (lambda path: declare_size(path, ALBUM + "IMG_0002.jpg", 10_000_000), "of the 10,000,000 bytes"),
])
def test_a_damaged_member_fails_alone(library_root, tmp_path, damage, reason):
    # given an archive one of whose members is damaged or misdescribed
    archive = make_zip(tmp_path / "takeout.zip", [
        (ALBUM + "IMG_0001.jpg", jpeg_bytes(tmp_path, "1.jpg", 1)),
        (ALBUM + "IMG_0002.jpg", jpeg_bytes(tmp_path, "2.jpg", 2, width=300)),
        (ALBUM + "IMG_0003.jpg", jpeg_bytes(tmp_path, "3.jpg", 3, width=280)),
    ], compression=zipfile.ZIP_DEFLATED if "cannot" in reason else zipfile.ZIP_STORED)
    damage(archive)
    # when
    output = run_import(archive)
    # then that member failed with its reason, and the others are in
    assert "2 imported, 0 duplicate, 1 failed" in output, output
    failed = ImportSession.objects.latest("pk").outcomes.get(status=OutcomeStatus.FAILED)
    assert failed.original_name == "IMG_0002.jpg" and reason in failed.error
    assert sorted(Photo.objects.values_list("original_name", flat=True)) == ["IMG_0001.jpg", "IMG_0003.jpg"]
    assert not [p for p in (library_root / ".import_temp").iterdir()]


def test_a_cut_off_archive_is_one_failure(library_root, tmp_path):
    # given an archive whose end (the directory of its members) was never downloaded
    archive = make_zip(tmp_path / "takeout-003.zip", [(ALBUM + "IMG_0001.jpg", jpeg_bytes(tmp_path, "1.jpg", 1))])
    archive.write_bytes(archive.read_bytes()[:200])
    # when / then
    output = run_import(archive)
    assert "0 imported, 0 duplicate, 1 failed" in output and "not a readable zip archive" in output, output


def test_a_photo_named_zip_is_still_a_photo(library_root, tmp_path):
    photo = tmp_path / "not-an-archive.zip"
    photo.write_bytes(jpeg_bytes(tmp_path, "1.jpg", 1))
    assert "1 imported" in run_import(photo)


def test_move_leaves_an_archive_whole(library_root, tmp_path):
    archive = make_zip(tmp_path / "takeout.zip", [(ALBUM + "IMG_0001.jpg", jpeg_bytes(tmp_path, "1.jpg", 1))])
    assert "1 imported" in run_import("--move", archive)
    assert zipfile.ZipFile(archive).namelist() == [ALBUM + "IMG_0001.jpg"]
