"""The Reset Account wizard's first step: each choice with its consequence, on the page."""

from __future__ import annotations

import html

from tests.unit.outlook.conftest import connect

from calsync.outlook.reset import ExistingEvents, NextSync
from calsync.outlook.web.reset_form import EXISTING_HELP, NEXT_HELP, ResetAccountForm


def test_every_choice_has_its_help() -> None:
    form = ResetAccountForm()
    existing = [(radio.data["value"], str(text)) for radio, text in form.existing_options()]
    assert existing == [(e.value, str(EXISTING_HELP[e])) for e in ExistingEvents]
    nexts = [(radio.data["value"], str(text)) for radio, text in form.next_options()]
    assert nexts == [(n.value, str(NEXT_HELP[n])) for n in NextSync]


def test_the_page_shows_each_choice_with_its_help(client, admin, alice, configured) -> None:
    connect(alice)
    client.force_login(admin)
    page = html.unescape(client.get(f"/users/{alice.pk}/calendar").content.decode())
    for text in [*EXISTING_HELP.values(), *NEXT_HELP.values()]:
        assert str(text) in page
    assert "deleted or archived in calsync" in page  # the pending deletions are named
