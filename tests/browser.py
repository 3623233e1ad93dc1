"""Playwright driving Debian's Chromium (Playwright's own browser download is not available
here, so we launch the system binary by its path)."""
import asyncio
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ARTIFACTS_DIR = Path(__file__).resolve().parent / ".artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path():
    return os.environ.get("PHOTOSITE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page, name, full_page=True):
    """Saved under tests/.artifacts/ so a person can look at what the test saw (the screen only,
    with `full_page=False`: a page laid out for a whole library is too tall to capture)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def run_coroutine(coroutine):
    """asyncio.run() in a thread of its own: Playwright's sync API (the session-wide `browser`
    fixture) keeps an event loop running in the main thread, where asyncio.run() refuses to start."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


# Runs in every page of a watched context before the page's own scripts (Playwright injects it
# past the page's Content-Security-Policy) and reports each violation the page meets.
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => {
  window.photositeCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${event.documentURI}`);
}, true);"""


class CspWatch:
    """Every Content-Security-Policy violation in one browser context: Chromium's console errors
    ("Refused to … because it violates the following Content Security Policy directive") and the
    pages' `securitypolicyviolation` events. A browser test that meets one fails: the policy is
    on in every test, so a page that only works without it cannot pass. (Give `wait_for_function`
    a function, "() => …": a bare expression is polled through eval(), which the policy refuses.)"""

    def __init__(self, context):
        self.violations = []
        context.expose_binding("photositeCspViolation", lambda source, text: self.violations.append(text))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", self.console)

    def console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def assert_none(self):
        assert self.violations == [], "Content-Security-Policy violations:\n" + "\n".join(self.violations)


def import_questions(page) -> list:
    """The import page's questions before it sends (`/edges`, `/known`), as (route, parsed body),
    in a list that fills as the page asks them."""
    questions = []

    def record(request):
        route = urlsplit(request.url).path.rsplit("/", 1)[-1]
        if request.method == "POST" and route in ("edges", "known"):
            questions.append((route, json.loads(request.post_data)))

    page.on("request", record)
    return questions


def asked(questions, route) -> list:
    """The files named in the questions to `route`."""
    return [file for question, body in questions if question == route for file in body["files"]]


def watched_context(browser, **options):
    """A browser context whose CSP violations are collected (`context.csp.assert_none()`)."""
    context = browser.new_context(**options)
    context.csp = CspWatch(context)
    return context


def log_in(page, site, username=None, password=None):
    """Signs in through the login form, as a person does, and waits for the gallery."""
    from live_site import ADMIN_PASSWORD, ADMIN_USER

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username or ADMIN_USER)
    page.fill("input[name=password]", password or ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.base_url + "/")


@contextmanager
def signed_in_page(browser, site, **options):
    """A page of a new watched context, signed in as the site's admin; on leaving, the context is
    closed and any CSP violation it saw fails the test."""
    context = watched_context(browser, base_url=site.base_url, **options)
    page = context.new_page()
    log_in(page, site)
    yield page
    context.close()
    context.csp.assert_none()


def shows_frames(selector: str) -> str:
    """For `page.wait_for_function`: the video at `selector` shows a picture (not sound over none,
    as HEVC in Chromium) and its clock runs."""
    return (f"() => {{ const video = document.querySelector({selector!r});"
            " return video && video.readyState >= 2 && video.videoWidth > 0 && video.currentTime > 0.3; }")
# The gallery's grid has answered the scroll position: no request under way, tiles on screen, and
# no day on screen still waiting for its tiles (gallery.js marks those `.pending`).
GRID_SCREEN_FILLED = """() => {
  const onScreen = (element) => { const box = element.getBoundingClientRect(); return box.bottom > 0 && box.top < innerHeight; };
  return [...document.querySelectorAll('#gallery .tile')].some(onScreen)
    && ![...document.querySelectorAll('#gallery .day.pending')].some(onScreen);
}"""
GRID_SETTLED = f"() => document.querySelector('#gallery').getAttribute('aria-busy') === 'false' && ({GRID_SCREEN_FILLED})()"

# For `context.add_init_script`: every main-thread task over 50 ms, from the start of each page
# (`window.photositeLongTasks`, their durations); a trace of TRACE_CATEGORIES tells their CPU time.
TRACE_CATEGORIES = ["toplevel", "devtools.timeline"]
# What a trace calls one task of a thread: older Chromiums "RunTask", Chromium 156
# "ThreadControllerImpl::RunTask" (a name that matches none measures nothing: tests check it does).
TASK_EVENTS = {"RunTask", "ThreadControllerImpl::RunTask"}
WATCH_LONG_TASKS = """window.photositeLongTasks = [];
new PerformanceObserver((list) => { for (const entry of list.getEntries()) window.photositeLongTasks.push(entry.duration); })
  .observe({ type: "longtask", buffered: true });"""


def longest_task_cpu_ms(trace) -> float:
    """The most time the page's main thread spent on one task. On a machine busy with other work,
    a task of a few milliseconds can last over 50 in wall time: a long task the PerformanceObserver
    saw is the grid's fault only if the thread itself spent that long on it (a trace's `tdur`)."""
    events = trace["traceEvents"]
    main = {(event["pid"], event["tid"]) for event in events
            if event.get("ph") == "M" and event.get("name") == "thread_name" and event["args"]["name"] == "CrRendererMain"}
    return max((event.get("tdur", 0) / 1000 for event in events
                if event.get("name") in TASK_EVENTS and (event.get("pid"), event.get("tid")) in main), default=0)
