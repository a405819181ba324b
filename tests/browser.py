"""Headless Chromium for the tests that look at a page as a person does.

Debian's `chromium` is driven by Playwright for Python through `executable_path`:
Playwright's own browser download is not reachable on these machines. `.ci/run` installs
Chromium and the CJK fonts; where Chromium still cannot be found, the tests that need it
are skipped with a message that says so, never silently.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SALESOPS_CHROMIUM", "/usr/bin/chromium")

# Flags that keep a headless Chromium off the (closed) network and out of the sandbox a
# root user cannot have; without the background-networking ones it tries to reach
# Google's hosts at every start.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Screenshots are kept here so that a person can open them after a run.
SHOTS = Path(os.environ.get("SALESOPS_SCREENSHOTS", Path(tempfile.gettempdir()) / "salesops-screenshots"))


def missing() -> str | None:
    """Why no browser test can run here, or None when one can."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A fresh Chromium page; skips the test with the reason when no browser can run."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            yield context.new_page()
        finally:
            browser.close()


def screenshot(pg: Any, name: str) -> Path:
    """Save a full-page screenshot under SHOTS and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path
