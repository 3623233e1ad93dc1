"""Files imported for real, for the tests that need rows: the `live` and `raw_pair` fixtures
(tests/conftest.py) import their moments with `import_all`, as the import pairs a camera's files."""
from datetime import datetime

from library.importing.pipeline import ImportPipeline
from library.models import Photo

TAKEN = datetime(2024, 5, 1, 10, 0, 0)


def import_all(*paths):
    pipeline = ImportPipeline.start("cli")
    results = [pipeline.import_path(path) for path in paths]
    pipeline.finish()
    return [Photo.objects.get(pk=result.photo_id) for result in results]
