"""Error pages are styled and translated: 404, 403 (with the reason), an expired form (CSRF)
and 500, in English and Vietnamese."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from calsync.accounts.actions import do_create_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "This page does not exist"), ("vi", "Trang này không tồn tại")],
)
def test_404_is_styled_and_translated(language: str, heading: str) -> None:
    answer = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no/such/page")
    html = answer.content.decode()
    assert answer.status_code == 404
    assert heading in html and "site.css" in html and f'lang="{language}"' in html


def test_403_says_why() -> None:
    do_create_user("ana@example.com", "pw-ana-1234")
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.login(username="ana@example.com", password="pw-ana-1234")
    answer = client.get("/users/")
    html = answer.content.decode()
    assert answer.status_code == 403
    assert "Bạn không được mở trang này" in html and "site.css" in html


def test_an_expired_form_gets_a_page_that_explains_and_offers_to_log_in() -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    answer = client.post("/outlook/sync", {"csrfmiddlewaretoken": "stale"})
    html = answer.content.decode()
    assert answer.status_code == 403
    assert "This form had expired" in html and "CSRF verification failed" not in html
    assert 'href="/accounts/login/?next=/"' in html


def test_500_is_styled_and_translated() -> None:
    with translation.override("vi"):
        answer = server_error(RequestFactory().get("/"))
    html = answer.content.decode()
    assert answer.status_code == 500
    assert "Đã có lỗi ở phía máy chủ" in html and "site.css" in html
