"""Which Microsoft cloud calsync talks to: CALSYNC_* settings win, then the settings row,
then Microsoft's public cloud; and the HTTP session MSAL uses ignores the environment."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from calsync import config
from calsync.outlook.connection import actions, identity
from calsync.outlook.connection.configuration import current

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults(settings):
    settings.CALSYNC_MS_AUTHORITY_HOST = ""  # not set in the environment
    settings.CALSYNC_GRAPH_URL = ""
    settings.CALSYNC_CA_BUNDLE = ""
    return settings


def test_defaults_are_microsofts_cloud(defaults, configured):
    cfg = current()
    assert cfg.authority == "https://login.microsoftonline.com/common"
    assert cfg.graph_url == "https://graph.microsoft.com/v1.0"
    assert cfg.ca_bundle is None
    assert cfg.redirect_uri == "http://testserver/microsoft_account/authentication"
    assert cfg.ready


def test_the_demo_points_the_settings_row_at_its_emulator(defaults, configured):
    actions.do_set_endpoints(
        authority_host="https://127.0.0.1:8443/",
        graph_url="https://127.0.0.1:8443/v1.0",
        ca_bundle="/tmp/ca.pem",
    )
    cfg = current()
    assert cfg.authority == "https://127.0.0.1:8443/common"
    assert cfg.graph_url == "https://127.0.0.1:8443/v1.0"
    assert cfg.ca_bundle == "/tmp/ca.pem"
    assert cfg.cloud == "emulator"


def test_saving_a_real_client_id_after_the_demo_means_microsofts_cloud(defaults, configured):
    actions.do_set_endpoints(
        authority_host="https://127.0.0.1:8443",
        graph_url="https://127.0.0.1:8443/v1.0",
        ca_bundle="/tmp/ca.pem",
    )
    actions.do_update_settings(client_id="11111111-2222-3333-4444-555555555555")
    cfg = current()
    assert (cfg.authority, cfg.graph_url, cfg.ca_bundle, cfg.cloud) == (
        "https://login.microsoftonline.com/common",
        "https://graph.microsoft.com/v1.0",
        None,
        "microsoft",
    )
    actions.do_update_settings(enabled=False)  # another save keeps Microsoft's cloud
    assert current().cloud == "microsoft"


def test_a_configured_cloud_wins_even_when_it_is_microsofts(defaults, configured):
    actions.do_set_endpoints(
        authority_host="https://127.0.0.1:8443",
        graph_url="https://127.0.0.1:8443/v1.0",
        ca_bundle="/tmp/ca.pem",
    )
    defaults.CALSYNC_MS_AUTHORITY_HOST = config.DEFAULT_AUTHORITY_HOST
    defaults.CALSYNC_GRAPH_URL = config.DEFAULT_GRAPH_URL
    cfg = current()
    assert cfg.authority == "https://login.microsoftonline.com/common"
    assert cfg.graph_url == "https://graph.microsoft.com/v1.0"
    assert cfg.cloud == "configured"


def test_configured_settings_win_over_the_row(defaults, configured):
    actions.do_set_endpoints(
        authority_host="https://127.0.0.1:8443",
        graph_url="https://127.0.0.1:8443/v1.0",
        ca_bundle="/tmp/ca.pem",
    )
    defaults.CALSYNC_MS_AUTHORITY_HOST = "https://login.example.test"
    defaults.CALSYNC_GRAPH_URL = "https://graph.example.test/v1.0"
    defaults.CALSYNC_CA_BUNDLE = "/etc/ca.pem"
    cfg = current()
    assert cfg.authority == "https://login.example.test/common"
    assert cfg.graph_url == "https://graph.example.test/v1.0"
    assert cfg.ca_bundle == "/etc/ca.pem"


def test_without_a_saved_base_url_the_request_decides(defaults, db):
    actions.do_update_settings(client_id="0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e")
    assert current().base_url == ""
    assert current().redirect_uri == ""
    request = RequestFactory().get("/", HTTP_HOST="cal.example.com:8080")
    assert current(request).redirect_uri == (
        "http://cal.example.com:8080/microsoft_account/authentication"
    )


def test_not_ready_until_enabled_with_id_and_secret(defaults, db):
    assert not current().ready
    actions.do_update_settings(
        client_id="0b8f6a52-3c1e-4e0f-9d5e-6f1a2b3c4d5e",
        client_secret="s~ecret",
        base_url="http://testserver",
    )
    assert not current().ready
    actions.do_update_settings(enabled=True)
    assert current().ready


def test_secret_is_not_in_the_configurations_repr(configured):
    from .conftest import CLIENT_SECRET

    assert CLIENT_SECRET not in repr(current())


def test_msal_session_ignores_the_environment_and_trusts_the_bundle(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    session = identity.http_session("/srv/emulator-ca.pem")
    assert session.trust_env is False
    assert session.verify == "/srv/emulator-ca.pem"
    system = identity.http_session(None)
    assert system.trust_env is False
    assert system.verify is True or str(system.verify).endswith((".crt", ".pem"))
