"""A request fuzzer over every route of a real server: hostile ids, query strings and headers,
sent by an anonymous visitor, an ordinary user and a staff user, must never get a 5xx nor put
a traceback in the server's log (bad input gets a 4xx with a short reason). Every route that
reads a JSON body (photosite.json_body) also gets hostile bodies: nested 100,000 deep, larger
than the limit, of every wrong type, with text the database cannot store.

The routes come from Django's resolver in this process, so a route added later is fuzzed
without touching this file; /static/ is added by hand (the ASGI handler serves it, not a
URL pattern). Hypothesis draws the requests; it is derandomized, so CI sends the same ones on
every run, and bounded, so the module stays within about a minute and a half."""
import hashlib
import json
import re
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from django.urls.resolvers import RegexPattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import a_date, make_jpeg
from live_site import running_site
from routes import ROUTE_PARAMETER, all_routes, json_body_routes

pytestmark = [pytest.mark.slow]

# Requests per route and visitor: the admin's sixty-odd routes share one code path (a stranger
# is only ever redirected to the login there), the site's own routes each parse their own input.
ADMIN_EXAMPLES = {"anonymous": 1, "ordinary": 1, "share-link": 1, "staff": 3}
SITE_EXAMPLES = 10
# "share-link": a visitor without an account who opened a password-protected share link.
ROLES = ["anonymous", "ordinary", "share-link", "staff"]
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
# A request whose answer streams (the import's event stream) is judged by its status alone.
READ_TIMEOUT_SECONDS = 10

# -- hostile values ----------------------------------------------------------------------------
BIGINT_MAX = 2**63 - 1
HUGE_INTS = [str(BIGINT_MAX), str(BIGINT_MAX + 1), "9" * 30, "1" * 4400, "0", "00000000000000000000001"]
HOSTILE_TEXT = [
    "", "x", "-1", "1.5", "1e309", "NaN", "%00", "%ff%fe", "%c0%ae%c0%ae", "..", "..%2f..%2fetc%2fpasswd",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%E2%80%AE", "%F0%9F%93%B7", "a" * 3000, "1" * 4400,
    "0001-01-01T00:00:00%2B14:00~1", "9999-12-31T23:59:59-14:00~1", "2024-01-01T00:00:00%2B00:00~" + "9" * 30,
    "%C2%B2", "%D9%A1", "1_0", "%20", "true", "[]", "{}", "'", '"', "\\", "*",
]
# Parameters the site's views and the admin read (and some nobody reads).
SITE_QUERY_NAMES = ["after", "year", "month", "fragment", "size", "v", "download", "lastEventId", "es-meta", "ids",
                    "recover", "channel", "next", "from", "to", "limit", "album", "favourites", "since", "until",
                    "date", "kind", "camera", "place", "name", "%00", "%ff"]
ADMIN_QUERY_NAMES = [
    "o", "q", "p", "e", "all", "_popup", "_to_field", "_changelist_filters", "next", "kind__exact", "id__exact",
    "pk__in", "taken_at__gte", "taken_at__year", "import_session__id__exact", "camera", "trash", "thumbnail",
    "source__exact", "status__exact", "session__id__exact", "%00",
]
# Arbitrary header values: any latin-1 character but controls, as HTTP allows in a field value.
header_text = st.text(
    st.characters(codec="latin-1", exclude_characters="\x7f", exclude_categories=("Cc",)), max_size=60,
).map(str.strip)
HEADER_VALUES = {
    "Range": ["bytes=" + "1" * 4400 + "-", "bytes=-" + "9" * 30, "bytes=0-0,1-1", "bytes=5-1", "bytes=-0",
              "bytes=--1", "bytes=0-" + "9" * 30, "pages=1-2", "bytes=0-10"],
    "If-None-Match": ["*", 'W/"x"', '"' + "a" * 3000 + '"', ",,,", 'W/', '"unterminated'],
    "If-Range": ['"x"', "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "garbage"],
    "If-Modified-Since": ["Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 0001 00:00:00 GMT", "-1", "x"],
    "Last-Event-ID": ["0", "-1", "1" * 4400, "x:y:z", "%00", "9" * 30],
    "Host": ["evil.example", "[::1", "a" * 300, "127.0.0.1:99999", "..", ":", "127.0.0.1:-1"],
    "Accept": ["image/webp", "*/*;q=x", "text/event-stream", ";;;"],
    "Cookie": ["sessionid=garbage", "csrftoken=" + "x" * 3000, "=;=;", "sessionid=%ff"],
    "Content-Type": ["multipart/form-data", "multipart/form-data; boundary=", "application/json", "text/plain"],
}


def hostile_value(known=()):
    """Half the time a real value (so the request gets past the 404), else a hostile one."""
    real = [st.sampled_from(known)] * 2 if known else []
    return st.one_of(*real, st.sampled_from(HUGE_INTS + HOSTILE_TEXT), st.text(max_size=20).map(quote))


# -- routes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """A URL pattern as text with its parameters, e.g. ("api/imports/", "session_id", "/files")."""

    text: str
    parts: tuple  # literal strings and Parameter, alternating as in the pattern

    def path_strategy(self, ids):
        pieces = [st.just(part) if isinstance(part, str) else part.strategy(ids) for part in self.parts]
        return st.tuples(*pieces).map(lambda values: "/" + "".join(values))


@dataclass(frozen=True)
class Parameter:
    name: str
    choices: tuple = ()  # a regex group's alternatives (the admin's app labels)

    def strategy(self, ids):
        return hostile_value([*self.choices, *ids.get(self.name, ids["object_id"])])


def is_admin(route):
    return route.text.startswith("admin/")


def fuzzed_routes():
    for text, entry in all_routes():
        yield as_route(text, isinstance(entry.pattern, RegexPattern))


def as_route(text, is_regex):
    parameter = NAMED_GROUP if is_regex else ROUTE_PARAMETER
    parts, position = [], 0
    for match in parameter.finditer(text):
        parts += [text[position:match.start()], Parameter(match["name"], choices_of(match, is_regex))]
        position = match.end()
    parts.append(text[position:])
    if is_regex:
        parts = [part.replace("^", "").replace("$", "") if isinstance(part, str) else part for part in parts]
    return Route(text, tuple(parts))


def choices_of(match, is_regex):
    return tuple(choice for choice in match["body"].split("|") if choice.isidentifier()) if is_regex else ()


ROUTES = [*fuzzed_routes(), Route("static/<path>", ("static/", Parameter("static_path")))]


# -- the site ----------------------------------------------------------------------------------
@dataclass
class Visitors:
    site: object
    clients: dict
    ids: dict


@pytest.fixture(scope="module")
def visitors(tmp_path_factory):
    # The rate limit of the import page's questions would answer most JSON bodies before they
    # are read; it has its own test (test_import_query_rates).
    with running_site(tmp_path_factory.mktemp("fuzz") / "library",
                      extra_env={"PHOTOSITE_IMPORT_QUERIES_PER_MINUTE": "1000000"}) as site:
        site.create_user("ordinary", "ordinary-password-1")
        with (closing(site.client()) as staff, closing(site.client("ordinary", "ordinary-password-1")) as ordinary,
              closing(httpx.Client(base_url=site.base_url)) as anonymous,
              closing(httpx.Client(base_url=site.base_url)) as share_link):
            ids = known_ids(staff, ordinary, tmp_path_factory.mktemp("fuzz-photo"))
            open_share_link(share_link, ids["token"][1])
            yield Visitors(site, {"anonymous": anonymous, "ordinary": ordinary, "share-link": share_link,
                                  "staff": staff}, ids)


def known_ids(staff, ordinary, folder):
    """Real ids for the parameters, so requests also reach the code behind the 404s."""
    picture = make_jpeg(folder / "fuzz.jpg", 64, 48, taken=a_date(2022)).read_bytes()
    session = staff.post("/api/imports/").json()["id"]
    photo = staff.post(f"/api/imports/{session}/files", files=[("file", ("fuzz.jpg", picture, "image/jpeg"))])
    photo_id = str(photo.json()["results"][0]["photo_id"])
    own_session = str(ordinary.post("/api/imports/").json()["id"])
    albums = [str(staff.post("/api/albums/", json={"title": "Fuzz", "ids": [int(photo_id)]}).json()["id"]),
              str(ordinary.post("/api/albums/", json={"title": "Own"}).json()["id"])]
    links = [staff.post("/api/shares/", json={"album": int(albums[0]), **options}).json()["url"].split("/")[-2]
             for options in ({"allow_download": True}, {"password": SHARE_PASSWORD})]
    return {
        "album_id": albums, "token": [*links, "A" * 43], "link_id": ["1"],
        "photo_id": [photo_id], "session_id": [str(session), own_session], "object_id": [photo_id, "1"],
        "id": ["1"], "content_type_id": ["1"], "url": ["library/", "nowhere/"],
        "sha256": [hashlib.sha256(picture).hexdigest()],
        "static_path": ["library/site.css", "library/gallery.js", "../x", "%2e%2e/x", "..%2f..%2fetc/passwd"],
    }


SHARE_PASSWORD = "fuzz-share-password"


def open_share_link(client, token):
    """Gives the share-link visitor's session the password-protected link (its form's CSRF token first)."""
    client.get(f"/s/{token}/")
    opened = client.post(f"/s/{token}/", data={"password": SHARE_PASSWORD, "csrfmiddlewaretoken":
                                               client.cookies["csrftoken"]}, headers={"Referer": str(client.base_url)})
    assert opened.status_code == 302, opened.text


def query_strings(route):
    names = ADMIN_QUERY_NAMES if is_admin(route) else SITE_QUERY_NAMES
    pair = st.tuples(st.sampled_from(names), hostile_value())
    return st.lists(pair, max_size=4).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))


def hostile_headers():
    """Some of the headers, each with a value known to be hard or an arbitrary one. A hostile
    Host is refused before any view runs, so it comes rarely (None keeps the real one)."""
    values = {name: st.one_of(st.sampled_from(known), st.sampled_from(known), header_text)
              for name, known in HEADER_VALUES.items() if name != "Host"}
    host = st.one_of(st.none(), st.none(), st.none(), st.sampled_from(HEADER_VALUES["Host"]), header_text)
    return st.fixed_dictionaries({"Host": host}, optional=values)


def send(client, method, target, headers):
    """The status of one request sent as written (no dot segments removed). A hostile Cookie
    comes after the client's own; an event stream is judged by its status and closed."""
    cookies = "; ".join(filter(None, [cookie_header(client), headers.pop("Cookie", "")]))
    headers = {name: value.encode("latin-1") for name, value in {**headers, "Cookie": cookies}.items()
               if value is not None}
    request = client.build_request(method, "/", headers=headers, extensions={"target": target.encode()},
                                   timeout=httpx.Timeout(READ_TIMEOUT_SECONDS))
    response = client.send(request, stream=True)
    try:
        if "text/event-stream" not in response.headers.get("Content-Type", ""):
            response.read()
        return response.status_code
    finally:
        response.close()


def cookie_header(client):
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies.jar)


def new_log_text(site, offset):
    with (site.log_dir / "web.log").open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def methods_for(route):
    # POST to a logout would end the fuzzing clients' sessions.
    return ["GET", "HEAD", "OPTIONS"] if "logout" in route.text else ["GET", "HEAD", "OPTIONS", "POST"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.text)
def test_no_route_answers_hostile_requests_with_a_server_error(visitors, route, role):
    log = visitors.site.log_dir / "web.log"
    examples = ADMIN_EXAMPLES[role] if is_admin(route) else SITE_EXAMPLES

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(
        method=st.sampled_from(methods_for(route)),
        path=route.path_strategy(visitors.ids),
        query=query_strings(route),
        headers=hostile_headers(),
    )
    def fuzz(method, path, query, headers):
        # given
        offset = log.stat().st_size
        target = f"{path}?{query}" if query else path
        # when
        status = send(visitors.clients[role], method, target, dict(headers))
        # then
        written = new_log_text(visitors.site, offset)
        assert status < 500, f"{method} {target[:300]} as {role} with {headers}: {status}\n{written[-3000:]}"
        assert "Traceback" not in written, f"{method} {target[:300]} as {role} with {headers}\n{written[-3000:]}"

    fuzz()


# -- hostile JSON bodies ----------------------------------------------------------------------
class Body(bytes):
    """A request body that Hypothesis and assertion messages show by its start and length."""

    def __repr__(self):
        return f"Body({bytes(self[:80])!r}… {len(self)} bytes)" if len(self) > 80 else f"Body({bytes(self)!r})"


DEEP = 100_000
NESTED_BODIES = [
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"sizes": [' + b"[" * DEEP + b"]" * DEEP + b"]}",
    b'{"files": [' + b'{"name": ' * DEEP + b'"x"' + b"}" * DEEP + b"]}",
    b"[" * DEEP,  # never closed
    b'["\\\\"' + b",[" * DEEP + b"]" * DEEP + b"]",  # an escaped backslash before the brackets
]
HUGE_BODIES = [
    b'"' + b"a" * (2 * 1024 * 1024) + b'"',  # over the size limit
    b'{"sizes": [' + b",".join([b"1"] * 300_000) + b"]}",  # under it, far over the list's length
    b'{"files": [' + b",".join([b'{"name": "x", "sha256": "' + b"a" * 64 + b'"}'] * 10_000) + b"]}",
    b'{"sizes": [' + b"9" * 5000 + b"]}",  # more digits than Python turns into an int
    b"9" * 5000,
]
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                         st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)), max_leaves=12)


def wrong_bodies(ids):
    """Bodies of the right shape with wrong parts, and of wrong shapes; some name the fuzzed
    photo's hash, so /known records them."""
    sha256 = ids["sha256"][0]
    names = st.sampled_from([r"\ud800", r"\udfff", r"\u0000", r"a\\\"b", "x" * 5000, "../../etc/passwd", ""])
    raw_name = names.map(lambda name: f'{{"files": [{{"name": "{name}", "sha256": "{sha256}"}}]}}'.encode())
    entry = st.fixed_dictionaries({"name": json_values, "sha256": st.one_of(st.just(sha256), json_values)})
    return st.one_of(
        raw_name,
        st.lists(entry, max_size=3).map(lambda files: json.dumps({"files": files}).encode()),
        json_values.map(lambda value: json.dumps({"files": value, "sizes": value}).encode()),
        json_values.map(lambda value: json.dumps(value).encode()),
        st.sampled_from([b"", b"NaN", b"-Infinity", b'{"sizes": [1e999, -0, NaN]}', b'{"sizes": [18446744073709551616]}',
                         b'{"sizes": [true, false, null]}', b'{"files": "\xff"}', b"\xff\xfe{", b"\x00",
                         b'{"files": [], "files": {}}', '{"files": ["\u00e9"]}'.encode("utf-16")]),
    )


JSON_ROUTES = [as_route(text, isinstance(entry.pattern, RegexPattern)) for text, entry in json_body_routes()]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", JSON_ROUTES, ids=lambda route: route.text)
def test_no_json_route_answers_hostile_bodies_with_a_server_error(visitors, route, role):
    log = visitors.site.log_dir / "web.log"
    path = st.tuples(*[st.just(part) if isinstance(part, str) else st.sampled_from(visitors.ids[part.name])
                       for part in route.parts]).map(lambda parts: "/" + "".join(parts))

    @settings(max_examples=40, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(
        path=path,
        body=st.one_of(st.sampled_from(NESTED_BODIES), st.sampled_from(HUGE_BODIES),
                    wrong_bodies(visitors.ids)).map(Body),
    )
    def fuzz(path, body):
        # given
        offset = log.stat().st_size
        # when
        response = visitors.clients[role].post(path, content=body, headers={"Content-Type": "application/json"})
        # then
        written = new_log_text(visitors.site, offset)
        assert response.status_code < 500, f"{path} {body!r} as {role}: {response.status_code}\n{written[-3000:]}"
        assert "Traceback" not in written, f"{path} {body!r} as {role}\n{written[-3000:]}"

    fuzz()


def test_every_json_route_is_fuzzed():
    assert {route.text for route in JSON_ROUTES} >= {"api/imports/<int:session_id>/known",
                                                     "api/imports/<int:session_id>/sizes"}


def test_every_route_is_fuzzed():
    texts = {route.text for route in ROUTES}
    for expected in ("api/imports/<int:session_id>/events", "photo/<int:photo_id>/original", "admin/library/photo/",
                     "admin/(?P<url>.*)$", "static/<path>", "api/timeline/summary", "api/timeline/tiles",
                     "api/photos/<int:photo_id>/info", "download/", "download/size", "s/<str:token>/",
                     "s/<str:token>/api/summary", "s/<str:token>/api/tiles",
                     "s/<str:token>/photo/<int:photo_id>/original"):
        assert expected in texts, sorted(texts)
