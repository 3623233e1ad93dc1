"""Playwright driving Debian's Chromium (Playwright's own browser download is not available
here, so we launch the system binary by its path)."""
import asyncio
import os
import shutil
from pathlib import Path

ARTIFACTS_DIR = Path(__file__).resolve().parent / ".artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path():
    return os.environ.get("PHOTOSITE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page, name):
    """Saved under tests/.artifacts/ so a person can look at what the test saw."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run_coroutine(coroutine):
    """asyncio.run() in a thread of its own: Playwright's sync API (the session-wide `browser`
    fixture) keeps an event loop running in the main thread, where asyncio.run() refuses to start."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()
