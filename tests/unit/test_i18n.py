"""English and Vietnamese: the catalogues are complete and current, and the pages speak vi.

The Vietnamese catalogues live in ``src/calsync/locale/vi/LC_MESSAGES`` (``make messages``
refreshes them). Checking that they are current needs GNU gettext (``xgettext``): without
it that one test is skipped loudly on a newcomer's machine and fails under CI (``CI`` set).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import polib
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed
from tests.missing import missing

from calsync.accounts.actions import do_create_user
from calsync.accounts.models import User

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "src" / "calsync"
LOCALE = SOURCES / "locale" / "vi" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")

# The labels of Odoo's Vietnamese UI that readers of Odoo's Outlook guide look for.
GUIDE_LABELS = {
    "Outlook Calendar": "Lịch Outlook",
    "Client ID": "ID Máy khách",
    "Client Secret": "Mã bí mật máy khách",
    "Sync with Outlook": "Đồng bộ hóa với Outlook",
    "Reset Account": "Đặt lại tài khoản",
}

# printf conversions: %(name)s, %(n)d, %(seconds).2f, %s, %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def placeholders(text: str) -> Counter[str]:
    """The printf placeholders of ``text`` (``%%`` excluded), counted."""
    return Counter(p for p in PLACEHOLDER.findall(text) if p != "%%")


def catalogue(domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / f"{domain}.po"))


def entry_key(entry: polib.POEntry) -> tuple[str | None, str, str | None]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


# -- the catalogues ---------------------------------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogue_declares_vietnamese_with_one_plural_form(domain: str) -> None:
    po = catalogue(domain)
    assert po.metadata["Language"] == "vi"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert not po.metadata_is_fuzzy
    assert len([e for e in po if not e.obsolete]) > 40


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_msgid_has_a_finished_translation(domain: str) -> None:
    problems = []
    for entry in catalogue(domain):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if sorted(forms) != [0] or not forms[0].strip():
                problems.append(f"plural needs exactly one form: {entry.msgid!r} -> {forms}")
        elif not entry.msgstr.strip():
            problems.append(f"empty: {entry.msgid!r}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_the_placeholders_of_their_msgid(domain: str) -> None:
    problems = []
    for entry in catalogue(domain):
        if entry.obsolete:
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if placeholders(text) != placeholders(entry.msgid):
                problems.append(f"{entry.msgid!r} -> {text!r}")
    assert problems == [], "\n".join(problems)


def test_the_placeholder_pattern_sees_what_python_formats() -> None:
    # The check above is only as good as this pattern: it must tell these apart.
    assert placeholders("%(a)s and %(n)d, %(seconds).2fs, 100%%") == Counter(
        {"%(a)s": 1, "%(n)d": 1, "%(seconds).2f": 1}
    )
    assert placeholders("%(a)s") != placeholders("%(b)s")
    assert placeholders("%(a)s %(a)s") != placeholders("%(a)s")


def test_the_guide_labels_are_translated_exactly() -> None:
    po = catalogue("django")
    for english, vietnamese in GUIDE_LABELS.items():
        entry = po.find(english)
        assert entry is not None, english
        assert entry.msgstr == vietnamese


def _xgettext_or_skip() -> None:
    if shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("make"):
        return
    missing(
        "GNU gettext (xgettext, msgmerge) and make are needed to check the catalogues are "
        "current (apt-get install -y gettext)"
    )


def test_the_catalogues_are_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """``make messages`` on a copy of the sources finds exactly the msgids of the catalogues."""
    _xgettext_or_skip()
    copy = tmp_path / "calsync"
    shutil.copytree(SOURCES, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale"))
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), "messages", f"MESSAGES_SRC={copy}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for domain in DOMAINS:
        fresh = polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / f"{domain}.po"))
        wanted = {entry_key(e) for e in fresh if not e.obsolete}
        shipped = {entry_key(e) for e in catalogue(domain) if not e.obsolete}
        assert wanted, domain
        new = sorted(str(k[1]) for k in wanted - shipped)
        gone = sorted(str(k[1]) for k in shipped - wanted)
        assert (new, gone) == ([], []), (
            f"{domain}.po is out of date: run `make messages` and translate the new msgids.\n"
            f"new: {new}\ngone: {gone}"
        )


# -- the pages --------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues() -> Iterator[None]:
    """The .mo files as ``make install`` builds them, freshly loaded by this process."""
    call_command("compile_translations", verbosity=0)
    translation_file_changed(None, LOCALE / "django.mo")
    yield


@pytest.fixture
def admin(db: Any) -> User:
    return do_create_user("admin@example.com", "pw-admin", name="Ada Admin", admin=True)


@pytest.fixture
def vi_client(client: Client, admin: User) -> Client:
    """An admin whose browser asks for Vietnamese (Accept-Language), no cookie."""
    client.force_login(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi-VN,vi;q=0.9,en;q=0.5"
    return client


def test_the_browser_language_picks_vietnamese(vi_client: Client) -> None:
    html = vi_client.get("/").content.decode()
    assert '<html lang="vi">' in html
    assert GUIDE_LABELS["Sync with Outlook"] in html
    assert "Sync with Outlook" not in html


def test_english_stays_the_default(client: Client, admin: User) -> None:
    client.force_login(admin)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,de;q=0.8").content.decode()
    assert '<html lang="en">' in html
    assert "Sync with Outlook" in html


def test_the_settings_page_shows_the_guide_labels_in_vietnamese(vi_client: Client) -> None:
    html = vi_client.get("/settings/").content.decode()
    for english in ("Outlook Calendar", "Client ID", "Client Secret"):
        assert f">{GUIDE_LABELS[english]}</label>" in html
    assert ">URL cơ sở</label>" in html
    assert ">Lưu</button>" in html


def test_the_calendar_page_shows_the_guide_labels_in_vietnamese(vi_client: Client) -> None:
    html = vi_client.get("/").content.decode()
    assert GUIDE_LABELS["Sync with Outlook"] in html
    assert "Sự kiện mới" in html
    assert "Chưa thiết lập đồng bộ hóa với Outlook" in html


def test_the_user_calendar_tab_shows_the_guide_labels_in_vietnamese(
    vi_client: Client, admin: User
) -> None:
    html = vi_client.get(f"/users/{admin.pk}/calendar").content.decode()
    assert GUIDE_LABELS["Outlook Calendar"] in html
    assert GUIDE_LABELS["Reset Account"] in html
    assert "Chưa thiết lập đồng bộ hóa với Outlook" in html  # the health, read per request


def test_the_vietnamese_page_loads_fullcalendars_vietnamese_locale(vi_client: Client) -> None:
    html = vi_client.get("/").content.decode()
    sources = re.findall(r'src="(/static/[^"]*locales[^"]*)"', html)
    assert [unquote(s) for s in sources] == [
        "/static/vendor/@fullcalendar/core/locales/vi.global.min.js"
    ]
    response = vi_client.get(sources[0])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert "Hôm nay" in body.decode()
    english = vi_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "locales" not in english


def test_the_javascript_catalogue_speaks_vietnamese(vi_client: Client) -> None:
    body = vi_client.get("/jsi18n/").content.decode()
    for text in ("Sự kiện mới", "Đã lưu sự kiện."):
        assert json.dumps(text) in body  # the catalogue escapes non-ASCII as \uXXXX


def test_the_header_lists_each_language_in_its_own_name(vi_client: Client) -> None:
    html = vi_client.get("/").content.decode()
    assert re.search(r'<option value="en" lang="en"\s*>English</option>', html)
    assert re.search(r'<option value="vi" lang="vi"\s+selected>Tiếng Việt</option>', html)
    assert 'action="/i18n/setlang/"' in html


def test_the_language_choice_needs_csrf_and_is_remembered(admin: User) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.get("/")
    token = page.cookies["csrftoken"].value
    refused = client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert refused.status_code == 403
    response = client.post(
        "/i18n/setlang/", {"language": "vi", "next": "/settings/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "vi"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    html = client.get("/settings/").content.decode()  # Accept-Language still says en
    assert f">{GUIDE_LABELS['Client ID']}</label>" in html


def test_outlook_recurrence_refusals_reach_the_sync_log_in_the_users_language() -> None:
    from calsync.msgraph.patterned_recurrence import UnsupportedRecurrence
    from calsync.outlook.sync.summary import failure_message

    cause = UnsupportedRecurrence(
        "Outlook takes intervals up to %(max)d, not %(interval)d.", max=999, interval=1200
    )
    with translation.override("en"):
        assert failure_message(cause) == "Outlook takes intervals up to 999, not 1200."
    with translation.override("vi"):
        vietnamese = failure_message(cause)
    assert vietnamese == "Outlook chấp nhận khoảng lặp tối đa 999, không phải 1200."
