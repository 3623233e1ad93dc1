import pytest

from thumbnails.specs import GENERATOR_VERSION, InvalidSpecError, ThumbnailSpec, all_current_specs

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


@pytest.mark.parametrize(
    ("size", "image_format", "text", "box"),
    [
        ("400", "jpeg", f"h400-jpeg-v{GENERATOR_VERSION}", (1600, 400)),
        ("800", "webp", f"h800-webp-v{GENERATOR_VERSION}", (3200, 800)),
        ("preview", "jpeg", f"h1600-jpeg-v{GENERATOR_VERSION}", (2400, 1600)),
    ],
)
def test_spec_string_is_its_name_and_parses_back(size, image_format, text, box):
    # given
    spec = ThumbnailSpec.for_size(size, image_format)
    # when / then
    assert str(spec) == text
    assert ThumbnailSpec.from_string(text) == spec
    assert spec.box == box


@pytest.mark.parametrize("text", ["h401-jpeg-v1", "h400-png-v1", "400", "h400-jpeg", "../../etc-v1"])
def test_strings_outside_the_allow_list_are_refused(text):
    with pytest.raises(InvalidSpecError):
        ThumbnailSpec.from_string(text)


def test_unknown_size_names_are_refused():
    with pytest.raises(InvalidSpecError, match="choose one of"):
        ThumbnailSpec.for_size("4000", "jpeg")


def test_every_current_spec_has_a_distinct_name():
    names = [str(spec) for spec in all_current_specs()]
    assert len(names) == len(set(names)) == 6
