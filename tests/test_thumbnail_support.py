"""Small helpers shared by the thumbnail tests."""
import io

from PIL import Image

RED = (255, 0, 0)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def is_red(pixel, tolerance=40):
    return all(abs(channel - target) <= tolerance for channel, target in zip(pixel[:3], RED, strict=True))


def import_file(path):
    """A Photo row for a real file, brought in by the real import pipeline."""
    from library.importing.pipeline import ImportPipeline
    from library.models import Photo

    result = ImportPipeline.start("cli").import_path(path)
    assert result.photo_id, f"import failed: {result.error}"
    return Photo.objects.get(pk=result.photo_id)
