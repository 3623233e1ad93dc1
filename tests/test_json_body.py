"""The one reader of JSON request bodies (photosite.json_body): what it refuses, with which
status, and that it refuses a body nested 100,000 deep before json.loads would recurse."""
import pytest
from django.test import RequestFactory

from photosite.json_body import MAX_JSON_BODY_BYTES, JsonBodyError, nesting_exceeds, parse_json_body

DEEP = 100_000


def request_with(body: bytes):
    return RequestFactory().post("/api", data=body, content_type="application/json")


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"sizes": [1, 2]}', {"sizes": [1, 2]}),
    (b'{"files": [{"name": "a\\"[[[[b", "sha256": "x"}]}', {"files": [{"name": 'a"[[[[b', "sha256": "x"}]}),
    (b'["\\\\", [[]]]', ["\\", [[]]]),
    ('{"name": "\u00e9t\u00e9"}'.encode(), {"name": "\u00e9t\u00e9"}),
])
def test_json_within_the_limits_is_read(body, expected):
    assert parse_json_body(request_with(body)) == expected


@pytest.mark.parametrize(("body", "status", "reason"), [
    (b"[" * DEEP + b"]" * DEEP, 400, "nested more than"),
    (b'{"a":' * DEEP + b"1" + b"}" * DEEP, 400, "nested more than"),
    (b'["\\\\", ' + b"[" * DEEP + b"]" * DEEP + b"]", 400, "nested more than"),  # an escaped backslash, then brackets
    (b'"' + b"a" * MAX_JSON_BODY_BYTES + b'"', 413, "at most"),
    (b"", 400, "not JSON"),
    (b"\xff\xfe{", 400, "not JSON"),
    (b"9" * 5000, 400, "not JSON"),
    (b'{"name": "\\ud800"}', 400, "lone surrogate"),
    (b'{"\\u0000": 1}', 400, "NUL"),
], ids=["arrays", "objects", "after-an-escaped-backslash", "too-large", "empty", "not-utf-8", "long-int",
        "surrogate", "nul"])
def test_a_hostile_body_is_a_4xx_with_a_reason(body, status, reason):
    with pytest.raises(JsonBodyError, match=reason) as refused:
        parse_json_body(request_with(body))
    assert refused.value.status == status


def test_brackets_inside_strings_do_not_count():
    assert not nesting_exceeds(b'["' + b"[" * DEEP + b'"]', 16)
    assert nesting_exceeds(b"[" * 17 + b"]" * 17, 16)
    assert not nesting_exceeds(b"[" * 16 + b"]" * 16, 16)
