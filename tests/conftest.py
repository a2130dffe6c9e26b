"""Suite-wide rules: tests that need a service say so, loudly when it is missing.

Browser tests need Debian's Chromium at /usr/bin/chromium. On a newcomer's machine without
it they are skipped with a reason that names the fix; under CI (``CI`` set) a missing
browser fails the run instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from tests.missing import mark_missing

CHROMIUM = Path(os.environ.get("CALSYNC_CHROMIUM", "/usr/bin/chromium"))


DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_setup"})


def depends_on_the_database(item: pytest.Item) -> bool:
    """Whether ``item`` is one of the tests the PostgreSQL pass of scripts/run-tests runs
    again (``-m database``): those that use the test database, except the browser tests.
    These check the page (its JavaScript, markup, languages, screens); what it stores and
    reads goes through the REST API and the views, whose tests run on both databases."""
    if item.get_closest_marker("browser"):
        return False
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db") or fixtures & DATABASE_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if depends_on_the_database(item):
            item.add_marker(pytest.mark.database)
    if CHROMIUM.exists():
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    mark_missing(browser_items, f"Chromium at {CHROMIUM} (apt-get install -y chromium)")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_sep(
            "!", f"{len(skipped)} tests were SKIPPED: read the reasons above"
        )


@pytest.fixture(autouse=True)
def _english_until_asked() -> Iterator[None]:
    """Each test starts in English: LocaleMiddleware leaves a request's language (say vi)
    active in the thread, which would otherwise leak into the tests that follow."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hashing passwords properly is slow on purpose; no test here is about it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _memorable_test_passwords(request: pytest.FixtureRequest, settings: Any) -> None:
    """Test users have short, memorable passwords: Django's password validators stay off,
    except in tests marked ``password_policy`` (tests/unit/accounts/test_password_policy.py),
    and in the real processes the end-to-end tests start."""
    if request.node.get_closest_marker("password_policy") is None:
        settings.AUTH_PASSWORD_VALIDATORS = []


@pytest.fixture
def chromium_path() -> str:
    """The browser the Playwright tests drive (never a downloaded one)."""
    return str(CHROMIUM)
