"""Acceptance: every real camera file in ../shared/corpus/ imports with the facts its MANIFEST
lists (read there by Pillow / ffprobe), or fails for the reason the manifest expects."""
import csv
from datetime import datetime

import pytest

from library.importing.pipeline import ImportPipeline
from library.models import ImportSource, OutcomeStatus, Photo

pytestmark = [pytest.mark.corpus, pytest.mark.django_db]
TRANSPOSING = {"5", "6", "7", "8", "90", "-90", "270", "-270"}


def manifest_rows(corpus_dir):
    with open(corpus_dir / "MANIFEST.tsv", newline="", encoding="utf-8", errors="replace") as manifest:
        return list(csv.DictReader(manifest, delimiter="\t"))


def test_every_corpus_file_imports_as_its_manifest_says(library_root, corpus_dir):
    # given
    rows = manifest_rows(corpus_dir)
    pipeline = ImportPipeline.start(ImportSource.CLI)
    # when
    results = {row["path"]: pipeline.import_path(corpus_dir / row["path"]) for row in rows}
    # then
    for row in rows:
        result = results[row["path"]]
        if row["kind"] == "no video stream":
            assert result.status == OutcomeStatus.FAILED and "no video stream" in result.error
            continue
        assert result.status in (OutcomeStatus.IMPORTED, OutcomeStatus.DUPLICATE), (row["path"], result.error)
        photo = Photo.objects.get(pk=result.photo_id)
        assert photo.kind == row["kind"].split(":")[0], row["path"]
        expected = (int(row["width"]), int(row["height"]))
        if row["orientation"] in TRANSPOSING:
            expected = expected[::-1]
        assert (photo.width, photo.height) == expected, row["path"]
        if row["datetime_original"] and row["kind"].startswith("photo") and result.status == OutcomeStatus.IMPORTED:
            taken = datetime.strptime(row["datetime_original"][:19], "%Y:%m:%d %H:%M:%S")
            assert photo.taken_at_source == "exif" and photo.path.startswith(taken.strftime("%Y-%m-%d/")), row["path"]
    assert not list((library_root / ".import_temp").iterdir())
