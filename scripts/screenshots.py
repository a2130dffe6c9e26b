"""Screenshots of the calendar's views, in English and Vietnamese, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts the demo (``calsync run`` with its Microsoft cloud emulator, a state of its own in a
temporary directory, loopback only), connects Alice to Outlook through the emulator's
sign-in page as a person would, lets the first sync bring her week in, and has Debian's
Chromium photograph each view at 1440x900 (and the phone's day view at 390x844) in both
languages. Each language has a demo of its own, in a zone its users live in (London for
English, Ho Chi Minh City for Vietnamese): the users' profiles, the browser and the demo
week are in that zone, so the pictures show times as such a user reads them. The README
links the pictures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CALSYNC_CHROMIUM", "/usr/bin/chromium")
ZONES = {"en": "Europe/London", "vi": "Asia/Ho_Chi_Minh"}
"""The zone of each language's demo: its users' profiles (the demo gives them the machine's
zone), its week and the browser's clock."""


def _start(home: Path, port: int, zone: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALSYNC_", "DJANGO_"))}
    env.update(CALSYNC_VAR_DIR=str(home / "var"), CALSYNC_LOG_LEVEL="WARNING", TZ=zone)
    log = (home / "server.log").open("a")
    command = [str(BIN / "calsync"), "run", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2, trust_env=False)
            return process
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"calsync run did not start; see {home / 'server.log'}")


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill("demo")
    page.locator(".login button[type=submit]").click()
    page.wait_for_selector("#calendar[data-ready=true]")


def _connect(page: Any, base: str, out: Path, *, picture: bool) -> None:
    page.locator("#outlook-sync").click()
    page.wait_for_selector("input[name=login]")
    page.locator("input[name=login]").fill("alice@example.com")
    page.locator("input[name=password]").fill("demo")
    if picture:
        page.screenshot(path=str(out / "emulator-sign-in.png"))
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{base}/")
    page.wait_for_selector("#outlook-last-sync", timeout=60_000)


def _views(page: Any, base: str, out: Path, language: str) -> None:
    page.goto(f"{base}/")
    page.wait_for_selector("#calendar[data-ready=true] .fc-event")
    for key, name in (("m", "month"), ("w", "week"), ("d", "day"), ("a", "agenda")):
        page.locator("body").press(key)
        page.wait_for_timeout(600)
        page.screenshot(path=str(out / f"{name}-{language}.png"))
    page.locator("body").press("w")
    page.wait_for_timeout(400)
    slot = page.locator('td.fc-timegrid-slot-lane[data-time="18:30:00"]')
    slot.scroll_into_view_if_needed()
    lane = slot.bounding_box()
    column = page.locator("td.fc-timegrid-col.fc-day-today").bounding_box()
    if lane and column:
        page.mouse.click(column["x"] + column["width"] / 2, lane["y"] + lane["height"] / 2)
        page.locator("#qc-title").fill("Review" if language == "en" else "Họp rà soát")
        page.screenshot(path=str(out / f"quick-create-{language}.png"))
        page.locator("#qc-more").click()
        page.locator("#ev-start-dt").locator("xpath=..").locator(".date-pick").click()
        page.screenshot(path=str(out / f"editor-{language}.png"))
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
    page.locator("#event-search-input").fill("Sync")
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / f"search-{language}.png"))


def _admin(page: Any, base: str, out: Path, language: str) -> None:
    page.goto(f"{base}/users/")
    page.wait_for_selector("#users-table")
    page.screenshot(path=str(out / f"users-{language}.png"), full_page=True)
    page.locator('tr[data-user="alice@example.com"] a').first.click()
    page.wait_for_selector("#readonly-calendar[data-ready=true]")
    page.wait_for_timeout(600)
    page.screenshot(path=str(out / f"user-page-{language}.png"))


def _shoot(browser: Any, base: str, out: Path, language: str) -> None:
    """Every picture of ``language`` from the demo at ``base`` (in ``ZONES[language]``)."""
    zone = ZONES[language]
    context = browser.new_context(
        locale="en-GB" if language == "en" else "vi-VN",
        timezone_id=zone,
        viewport={"width": 1440, "height": 900},
        ignore_https_errors=True,
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    _log_in(page, base, "alice@example.com")
    _connect(page, base, out, picture=language == "en")
    _views(page, base, out, language)
    context.clear_cookies()
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    _log_in(page, base, "admin@example.com")
    _admin(page, base, out, language)
    context.close()
    phone = browser.new_context(
        locale="vi-VN" if language == "vi" else "en-GB",
        timezone_id=zone,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = phone.new_page()
    _log_in(page, base, "alice@example.com")
    page.wait_for_timeout(800)
    page.screenshot(path=str(out / f"phone-day-{language}.png"))
    phone.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for index, language in enumerate(("en", "vi")):
            home = Path(tempfile.mkdtemp(prefix="calsync-shots-"))
            port = 18500 + os.getpid() % 400 + index
            base = f"http://127.0.0.1:{port}"
            server = _start(home, port, ZONES[language])
            try:
                _shoot(browser, base, out, language)
            finally:
                server.terminate()
                server.wait(20)
                shutil.rmtree(home, ignore_errors=True)
        browser.close()
    for shot in sorted(out.glob("*.png")):
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
