"""The one ranged response (photosite.ranged_responses): 200/206/416, If-Range by entity tag or
date, and reads of a whole file or of a byte window inside one (a motion photo's video)."""
from datetime import UTC, datetime
from functools import partial

import pytest
from asgiref.sync import async_to_sync
from django.test import RequestFactory
from django.utils.http import http_date

from photosite.ranged_responses import CHUNK_BYTES, Window, ranged_response

pytestmark = pytest.mark.outside_database

ETAG = '"abc"'
MODIFIED = datetime(2024, 1, 31, 10, 15, tzinfo=UTC)
PREFIX, PAYLOAD, SUFFIX = b"P" * 7, bytes(range(256)) * 4, b"S" * 5  # a 1 KiB window inside a file


@pytest.fixture
def window(tmp_path):
    path = tmp_path / "motion.jpg"
    path.write_bytes(PREFIX + PAYLOAD + SUFFIX)
    return Window(partial(open, path, "rb"), len(PAYLOAD), len(PREFIX))


def answer(window, **headers):
    request = RequestFactory().get("/", headers=headers)
    response = ranged_response(request, window, ETAG, "video/mp4", last_modified=MODIFIED)
    return response, body(response)


def body(response) -> bytes:
    if not response.streaming:
        return response.content

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])
    return async_to_sync(collect)()


@pytest.mark.parametrize(("headers", "status", "start", "end"), [
    ({}, 200, 0, 1023),
    ({"Range": "bytes=0-9"}, 206, 0, 9),
    ({"Range": "bytes=1000-"}, 206, 1000, 1023),
    ({"Range": "bytes=-24"}, 206, 1000, 1023),
    ({"Range": "bytes=1000-99999"}, 206, 1000, 1023),  # an end beyond the window is its end
    ({"Range": "bytes=0-9,20-29"}, 200, 0, 1023),  # several ranges: the whole window
    ({"Range": "lines=0-9"}, 200, 0, 1023),  # not a byte range: ignored
    ({"Range": "bytes=0-9", "If-Range": ETAG}, 206, 0, 9),
    ({"Range": "bytes=0-9", "If-Range": '"another-version"'}, 200, 0, 1023),
    ({"Range": "bytes=0-9", "If-Range": f"W/{ETAG}"}, 200, 0, 1023),  # If-Range compares strongly
    ({"Range": "bytes=0-9", "If-Range": http_date(MODIFIED.timestamp())}, 206, 0, 9),
    ({"Range": "bytes=0-9", "If-Range": http_date(MODIFIED.timestamp() + 1)}, 200, 0, 1023),
])
def test_the_window_is_served_whole_or_in_the_range_asked(window, headers, status, start, end):
    # when
    response, served = answer(window, **headers)
    # then: the bytes are the window's, never the file's around it
    assert (response.status_code, served) == (status, PAYLOAD[start:end + 1])
    assert int(response["Content-Length"]) == end - start + 1
    assert (response["Accept-Ranges"], response["ETag"]) == ("bytes", ETAG)
    assert response["Last-Modified"] == http_date(MODIFIED.timestamp())
    assert response.get("Content-Range") == (f"bytes {start}-{end}/1024" if status == 206 else None)


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0", f"bytes={'9' * 5000}-"])
def test_a_range_beyond_the_end_gets_416(window, header):
    response, _ = answer(window, Range=header)
    assert (response.status_code, response["Content-Range"]) == (416, "bytes */1024")


@pytest.mark.parametrize(("offset", "size"), [(0, 3 * CHUNK_BYTES + 1), (CHUNK_BYTES - 1, 2 * CHUNK_BYTES)])
def test_a_large_window_streams_a_chunk_at_a_time(tmp_path, offset, size):
    # given
    path = tmp_path / "large.bin"
    content = bytes(range(256)) * ((offset + size) // 256 + 1)
    path.write_bytes(content)
    request = RequestFactory().get("/")
    response = ranged_response(request, Window(partial(open, path, "rb"), size, offset), ETAG, "video/mp4")

    async def chunks():
        return [chunk async for chunk in response.streaming_content]
    # when
    received = async_to_sync(chunks)()
    # then
    assert b"".join(received) == content[offset:offset + size]
    assert max(len(chunk) for chunk in received) == CHUNK_BYTES and len(received) > 1
    assert "Last-Modified" not in response
