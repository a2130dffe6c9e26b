"""Reset Account end to end against the emulator over HTTPS: each of the 8 combinations
checked on both sides and in the outbox, then after reconnecting and syncing; the API's
permissions and the ``reset-account`` command."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from django.core.management import call_command
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.outlook.connection import crypto
from calsync.outlook.models import OutlookAccount, OutlookLink, SyncRecord, SyncRun
from calsync.outlook.reset import (
    ExistingEvents,
    NextSync,
    ResetError,
    reset_account,
    reset_preview,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAROL = "carol@contoso.test"
OLD = {"Kick-off", "Weekly", "From Outlook"}
"""The events synced before the reset: a meeting (Carol invited), a series, an Outlook one."""


@pytest.fixture
def alice(emulator: Any) -> SyncWorld:
    """Alice after a first sync of OLD, plus a past local event the first sync held back."""
    world = SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")
    world.create(
        title="Kick-off", start=at(2), end=at(2, 10), attendees=[{"email": CAROL, "name": "Carol"}]
    )
    world.create(title="Weekly", start=at(3), end=at(3, 10), recurrence="FREQ=WEEKLY;COUNT=5")
    world.create(title="Last month", start=at(-30), end=at(-30, 10))
    world.outlook_create(
        {"subject": "From Outlook", "start": graph_time(at(4)), "end": graph_time(at(4, 10))}
    )
    first = world.sync()
    assert first.ok, first.errors
    assert len(world.records()) == 3
    emulator.clear_outbox()
    OutlookAccount.objects.filter(pk=world.account.pk).update(
        token_cache_encrypted=crypto.encrypt('{"RefreshToken": {}}', crypto.TOKEN_CACHE),
        oid="alice-oid",
        tid="contoso-tid",
    )
    return world


def outlook_subjects(world: SyncWorld) -> Counter[str]:
    return Counter(e["subject"] for e in world.outlook_events())


def local_titles(world: SyncWorld) -> Counter[str]:
    return Counter(e.title for e in world.events(active=None))


def reset(world: SyncWorld, existing: ExistingEvents, next_sync: NextSync) -> Any:
    with world.client() as graph:
        return reset_account(world.user, existing, next_sync, client=graph)


@pytest.mark.parametrize("next_sync", list(NextSync))
@pytest.mark.parametrize("existing", list(ExistingEvents))
def test_combination(alice: SyncWorld, existing: ExistingEvents, next_sync: NextSync) -> None:
    preview = reset_preview(alice.user, existing, next_sync)
    assert preview.outlook_events == (3 if existing.deletes_outlook else 0)
    assert preview.outlook_series == (1 if existing.deletes_outlook else 0)
    assert preview.cancellations == (1 if existing.deletes_outlook else 0)
    assert preview.local_events == (3 if existing.deletes_local else 0)
    assert preview.linked == 3
    assert alice.emulator.outbox() == []  # a preview writes nothing anywhere

    result = reset(alice, existing, next_sync)
    assert result.ok, result.errors

    # right after the reset: each side as the choice says, the outbox, the disconnect
    expect_outlook = set() if existing.deletes_outlook else set(OLD)
    expect_local = {"Last month"} | (set() if existing.deletes_local else OLD)
    assert set(outlook_subjects(alice)) == expect_outlook
    assert set(local_titles(alice)) == expect_local
    cancellations = [m for m in alice.emulator.outbox() if m["kind"] == "cancellation"]
    if existing.deletes_outlook:
        assert [(m["subject"], m["to"]) for m in cancellations] == [("Kick-off", [CAROL])]
    else:
        assert cancellations == []
    assert alice.emulator.outbox() == cancellations
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert not account.has_tokens and account.oid == "" and account.delta_link == ""
    assert account.first_synced_at is None
    assert (account.sync_created_after is not None) == (next_sync is NextSync.NEW)
    assert not SyncRecord.objects.filter(account=account).exists()
    links = OutlookLink.objects.filter(account=account)
    kept_links = next_sync is NextSync.ALL and not existing.deletes_outlook
    # "all" keeps the events' last Outlook identities (iCalUId) to relink them
    assert links.count() == (3 if kept_links and not existing.deletes_local else 0)
    run = SyncRun.objects.filter(account=account).first()
    assert run is not None and run.trigger == "reset" and run.ok
    assert run.pushed_deleted == (3 if existing.deletes_outlook else 0)

    # after the reset flow: new events on both sides, old ones edited where they remain
    alice.emulator.clear_outbox()
    alice.create(title="New here", start=at(5), end=at(5, 10))
    alice.outlook_create(
        {"subject": "New there", "start": graph_time(at(6)), "end": graph_time(at(6, 10))}
    )
    if next_sync is NextSync.NEW:
        for remote in alice.outlook_events():
            if remote["subject"] == "From Outlook":
                alice.outlook_patch(remote["id"], {"location": {"displayName": "Room 2"}})
        for event in alice.events():
            if event.title == "Weekly":
                from calsync.calendars import actions

                actions.do_update_event(event, {"location": "Room 9"})

    # the user reconnects and syncs
    summary = alice.sync()
    assert summary.ok, summary.errors
    outlook, local = outlook_subjects(alice), local_titles(alice)
    assert max(outlook.values()) == 1, outlook  # no duplicates on either side
    assert max(local.values()) == 1, local
    old_in_outlook = not existing.deletes_outlook or (
        next_sync is NextSync.ALL and not existing.deletes_local
    )
    old_here = not existing.deletes_local or (
        next_sync is NextSync.ALL and not existing.deletes_outlook
    )
    assert set(outlook) == {"New here", "New there"} | (OLD if old_in_outlook else set())
    assert set(local) == {"Last month", "New here", "New there"} | (OLD if old_here else set())
    invitations = [m for m in alice.emulator.outbox() if m["kind"] == "invitation"]
    if next_sync is NextSync.ALL and existing is ExistingEvents.DELETE_OUTLOOK:
        # the meeting is created again in Outlook from calsync: Outlook invites Carol again
        assert [(m["subject"], m["to"]) for m in invitations] == [("Kick-off", [CAROL])]
    else:
        assert invitations == []
    assert [m for m in alice.emulator.outbox() if m["kind"] != "invitation"] == []
    linked = {r.event.title for r in SyncRecord.objects.filter(account=alice.account)}
    if next_sync is NextSync.ALL:
        # every event on both sides is linked again (the past one stays held back)
        both = (OLD if old_in_outlook and old_here else set()) | {"New here", "New there"}
        assert linked == both
    else:
        # only events created after the reset are synced; old edits stay on their side
        assert linked == {"New here", "New there"}
        if not existing.deletes_outlook:
            there = {e["subject"]: e for e in alice.outlook_events()}
            assert there["Weekly"]["location"]["displayName"] == ""
        if not existing.deletes_local:
            here = Event.objects.get(owner=alice.user, title="From Outlook")
            assert here.location == ""


def test_keep_all_relinks_meeting_without_mails(alice: SyncWorld) -> None:
    """Keep + all: the meeting is relinked by our extended property, not created again."""
    remote_ids = {r.remote_id for r in alice.records()}
    reset(alice, ExistingEvents.KEEP, NextSync.ALL)
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
    assert summary.pulled["created"] == 0
    assert {r.remote_id for r in alice.records()} == remote_ids
    assert alice.emulator.outbox() == []


def test_reset_refuses_while_a_sync_holds_the_account(alice: SyncWorld) -> None:
    from django.utils import timezone

    OutlookAccount.objects.filter(pk=alice.account.pk).update(
        sync_claimed_at=timezone.now(), sync_claim="someone"
    )
    with pytest.raises(ResetError):
        reset(alice, ExistingEvents.DELETE_BOTH, NextSync.NEW)
    assert set(outlook_subjects(alice)) == OLD
    assert len(alice.records()) == 3


def test_delete_from_outlook_needs_a_connection(alice: SyncWorld) -> None:
    from calsync.outlook.connection.actions import do_mark_reconnect_needed

    do_mark_reconnect_needed(alice.account.pk, "invalid_grant")
    with pytest.raises(ResetError, match="reconnect"):
        reset_account(alice.user, ExistingEvents.DELETE_OUTLOOK, NextSync.ALL)
    assert len(alice.records()) == 3
    # leaving Outlook alone still works without a connection
    result = reset_account(alice.user, ExistingEvents.DELETE_LOCAL, NextSync.ALL)
    assert result.local_deleted == 3


# -- the API -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Any, alice: SyncWorld) -> Any:
    from calsync.accounts.actions import do_create_user

    admin = do_create_user("root@contoso.test", "pw-admin", name="Root", admin=True)
    client.force_login(admin)
    return client


def test_api_preview_then_confirm(admin_client: Any, alice: SyncWorld) -> None:
    body = {"user": alice.email, "existing": "delete-local", "next": "all"}
    answer = admin_client.post("/api/outlook/reset", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["done"] is False
    assert data["preview"]["local_events"] == 3 and data["preview"]["outlook_events"] == 0
    assert len(alice.records()) == 3
    body["confirm"] = True
    body["user"] = alice.user.pk
    answer = admin_client.post("/api/outlook/reset", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["done"] is True and data["ok"] is True and data["local_deleted"] == 3
    assert set(local_titles(alice)) == {"Last month"}
    assert set(outlook_subjects(alice)) == OLD
    assert alice.emulator.outbox() == []


def test_api_rejects_bad_choices(admin_client: Any, alice: SyncWorld) -> None:
    body = {"user": alice.email, "existing": "burn", "next": "all", "confirm": True}
    answer = admin_client.post("/api/outlook/reset", body, content_type="application/json")
    assert answer.status_code == 400
    assert "existing" in answer.json()
    answer = admin_client.post(
        "/api/outlook/reset",
        {"user": "nobody@contoso.test", "existing": "keep", "next": "new"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert len(alice.records()) == 3


def test_api_is_for_admins_only(client: Any, alice: SyncWorld) -> None:
    client.force_login(alice.user)
    body = {"existing": "keep", "next": "new", "confirm": True}
    answer = client.post("/api/outlook/reset", body, content_type="application/json")
    assert answer.status_code == 403
    assert len(alice.records()) == 3
    client.logout()
    answer = client.post("/api/outlook/reset", body, content_type="application/json")
    assert answer.status_code in (401, 403)
    assert OutlookAccount.objects.get(pk=alice.account.pk).has_tokens


# -- the command ---------------------------------------------------------------------------


def test_command_preview_writes_nothing(alice: SyncWorld) -> None:
    out = io.StringIO()
    call_command(
        "reset_account", alice.email, "--existing", "delete-both", "--next", "new", "--preview",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "3 events deleted in Outlook" in text and "1 cancellation" in text
    assert len(alice.records()) == 3
    assert set(outlook_subjects(alice)) == OLD


def test_command_preview_says_what_its_counts_leave_out(alice: SyncWorld) -> None:
    kickoff = next(e for e in alice.events() if e.title == "Kick-off")
    actions.do_archive_event(kickoff)  # not yet pushed to Outlook
    out = io.StringIO()
    args = ("reset_account", alice.email, "--next", "all", "--preview")
    call_command(*args, "--existing", "delete-outlook", stdout=out)
    assert "This includes 1 event deleted or archived here since the last sync" in out.getvalue()
    assert "known as of the last sync" in out.getvalue()
    out = io.StringIO()
    call_command(*args, "--existing", "keep", stdout=out)
    assert "1 event deleted or archived here since the last sync is still in" in out.getvalue()


def test_command_without_yes_off_a_terminal_refuses(alice: SyncWorld) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command(
            "reset_account", alice.email, "--existing", "keep", "--next", "all",
            stdout=io.StringIO(), stdin=io.StringIO(""),
        )  # fmt: skip
    assert OutlookAccount.objects.get(pk=alice.account.pk).has_tokens


class Terminal(io.StringIO):
    """What a person types at a terminal."""

    def isatty(self) -> bool:
        return True


def test_command_asks_on_a_terminal(alice: SyncWorld) -> None:
    from django.core.management.base import CommandError

    args = ("reset_account", alice.email, "--existing", "delete-outlook", "--next", "all")
    with pytest.raises(CommandError, match="cancelled"):
        call_command(*args, stdout=io.StringIO(), stdin=Terminal("no\n"))
    assert set(outlook_subjects(alice)) == OLD
    out = io.StringIO()
    OutlookAccount.objects.filter(pk=alice.account.pk).update(token_cache_encrypted="")
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command(*args, stdout=out, stdin=Terminal("yes\n"))
    assert "Type 'yes' to confirm" in out.getvalue()
    call_command(
        "reset_account", alice.email, "--existing", "keep", "--next", "all",
        stdout=out, stdin=Terminal("yes\n"),
    )  # fmt: skip
    assert "Reset done" in out.getvalue()
    assert not SyncRecord.objects.filter(account=alice.account).exists()


def test_command_with_yes_resets(alice: SyncWorld) -> None:
    out = io.StringIO()
    call_command(
        "reset_account", alice.email, "--existing", "delete-local", "--next", "new", "--yes",
        stdout=out,
    )  # fmt: skip
    assert "disconnected" in out.getvalue()
    assert set(local_titles(alice)) == {"Last month"}
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert not account.has_tokens and account.sync_created_after is not None


def test_command_bad_input_is_one_line(alice: SyncWorld) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command(
            "reset_account", "ghost@contoso.test", "--existing", "keep", "--next", "all",
            "--yes", stdout=io.StringIO(),
        )  # fmt: skip


# -- the page, with an account connected by the real consent flow --------------------------


@pytest.fixture
def consented(connect_by_consent: Any, emulator: Any, engine: Any) -> Any:
    """Bao connected through the consent flow (real MSAL tokens), after a first sync (asked
    by the Sync with Outlook button, run by the process's engine, which then stops)."""
    from tests.e2e.conftest import press_sync_and_wait

    from calsync.accounts.actions import do_create_user
    from calsync.calendars import actions

    do_create_user("admin@example.com", "pw-calsync", name="Ada Admin", admin=True)
    browser = connect_by_consent("bao@example.com", "Bao Tran")
    bao = browser.user
    actions.do_create_event(
        bao,
        {
            "title": "Review",
            "start": at(2),
            "end": at(2, 10),
            "attendees": [{"email": CAROL, "name": "Carol"}],
        },
    )
    daily = {"title": "Standup", "start": at(1), "end": at(1, 10)}
    daily["recurrence"] = "FREQ=DAILY;COUNT=9"
    actions.do_create_event(bao, daily)
    press_sync_and_wait(browser)
    engine.stop()
    assert SyncRecord.objects.filter(account__user=bao).count() == 2
    emulator.clear_outbox()
    return browser


def test_admin_page_wizard_deletes_both_with_real_tokens(
    consented: Any, browsers: Any, emulator: Any
) -> None:
    from tests.e2e.conftest import csrf_token

    bao = consented.user
    admin = browsers()
    admin.log_in("admin@example.com", "pw-calsync")
    url = f"/users/{bao.pk}/calendar"
    page = admin.web.get(url)
    assert page.status_code == 200 and 'id="reset-form"' in page.text
    step1 = admin.web.post(
        f"{url}/reset",
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "existing": "delete-both",
            "next_sync": "new",
            "step": "preview",
        },
    )
    assert step1.status_code == 200, step1.text
    assert "2 events deleted from Outlook (1 series" in step1.text
    assert "1 cancellation mail" in step1.text
    assert SyncRecord.objects.filter(account__user=bao).count() == 2  # nothing done yet
    step2 = admin.web.post(
        f"{url}/reset",
        data={
            "csrfmiddlewaretoken": csrf_token(step1.text),
            "existing": "delete-both",
            "next_sync": "new",
            "step": "confirm",
        },
    )
    assert step2.status_code == 302 and step2.headers["location"] == url
    done = admin.web.get(url)
    assert "Reset done: 2 events deleted in Outlook, 2 deleted in calsync" in done.text
    assert 'data-health="not_connected"' in done.text
    token = emulator.token_for("bao@example.com")
    with emulator.client() as http:
        listed = http.get(
            f"{emulator.graph_url}/me/events", headers={"Authorization": f"Bearer {token}"}
        )
    assert listed.json()["value"] == []
    assert [(m["kind"], m["subject"], m["to"]) for m in emulator.outbox()] == [
        ("cancellation", "Review", [CAROL])
    ]
    assert not Event.objects.filter(owner=bao).exists()
    account = OutlookAccount.objects.get(user=bao)
    assert not account.has_tokens and not account.connected
    # the user sees the Sync with Outlook button again (reconnect)
    assert 'action="/outlook/connect"' in consented.web.get("/").text


# -- structured server logs ----------------------------------------------------------------


def test_one_log_line_per_run_and_per_failed_event(emulator: Any, caplog: Any) -> None:
    import logging

    world = SyncWorld(emulator, "dana@contoso.test", "Dana")
    bad = world.create(
        title="Odd rule", start=at(2), end=at(2, 10), recurrence="FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"
    )
    world.create(title="Fine", start=at(3), end=at(3, 10))
    with caplog.at_level(logging.INFO, logger="calsync.outlook"):
        summary = world.sync()
        with world.client() as graph:
            reset_account(world.user, ExistingEvents.KEEP, NextSync.ALL, client=graph)
    assert not summary.ok
    lines = [r.getMessage() for r in caplog.records]
    runs = [line for line in lines if line.startswith("sync_run ")]
    failed = [line for line in lines if line.startswith("sync_event_failed ")]
    resets = [line for line in lines if line.startswith("outlook_reset ")]
    assert len(runs) == 1 and len(failed) == 1 and len(resets) == 1
    fields = dict(part.split("=", 1) for part in runs[0].split()[1:])
    assert fields["user"] == str(world.user.pk) and fields["status"] == "partial"
    assert fields["pushed_created"] == "1" and fields["errors"] == "1"
    assert f"event={bad.pk} " in failed[0] and "Outlook has no counterpart" in failed[0]
    assert "existing=keep next=all" in resets[0]
    assert world.token not in "\n".join(lines)


# -- deletions here not yet pushed to Outlook (gap 1) -----------------------------------------


def delete_and_archive_unpushed(world: SyncWorld) -> None:
    """Destroy the meeting and archive the series here, without syncing after."""
    for event in world.events():
        if event.title == "Kick-off":
            actions.do_delete_event(event)
        elif event.title == "Weekly":
            actions.do_archive_event(event)


@pytest.mark.parametrize("existing", list(ExistingEvents))
def test_unpushed_deletions_follow_the_choice(alice: SyncWorld, existing: ExistingEvents) -> None:
    """An event destroyed or archived here whose deletion has not reached Outlook yet is
    deleted there by "delete from Outlook"/"both" (its cancellation mail included), and
    left there by "keep"/"delete from calsync"; the preview counts it either way."""
    delete_and_archive_unpushed(alice)
    preview = reset_preview(alice.user, existing, NextSync.NEW)
    assert preview.pending_deletions == 2
    assert preview.outlook_events == (3 if existing.deletes_outlook else 0)
    assert preview.outlook_series == (1 if existing.deletes_outlook else 0)
    assert preview.cancellations == (1 if existing.deletes_outlook else 0)
    # only what still exists here can be deleted here: the archived series and From Outlook
    assert preview.local_events == (2 if existing.deletes_local else 0)

    result = reset(alice, existing, NextSync.NEW)
    assert result.ok, result.errors
    assert result.outlook_deleted == (3 if existing.deletes_outlook else 0)
    assert set(outlook_subjects(alice)) == (set() if existing.deletes_outlook else OLD)
    cancellations = [(m["subject"], m["to"]) for m in alice.emulator.outbox()]
    assert cancellations == ([("Kick-off", [CAROL])] if existing.deletes_outlook else [])
    remaining = {"Last month"} | (
        {"Weekly", "From Outlook"} if not existing.deletes_local else set()
    )
    assert set(local_titles(alice)) == remaining


def test_unpushed_deletions_stay_deleted_after_delete_outlook_all(alice: SyncWorld) -> None:
    """Delete from Outlook + all: the events deleted or archived here do not come back."""
    delete_and_archive_unpushed(alice)
    result = reset(alice, ExistingEvents.DELETE_OUTLOOK, NextSync.ALL)
    assert result.ok, result.errors
    alice.emulator.clear_outbox()
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert set(outlook_subjects(alice)) == {"From Outlook"}
    assert set(local_titles(alice)) == {"Last month", "From Outlook", "Weekly"}
    assert {e.title for e in alice.events(active=False)} == {"Weekly"}
    assert [m["kind"] for m in alice.emulator.outbox()] == []


def test_keep_all_brings_unpushed_deletions_back_without_duplicates(alice: SyncWorld) -> None:
    """Keep + all leaves Outlook's copies alone, so the next sync links them again: the
    destroyed meeting comes back here (once), the archived series stays archived here."""
    delete_and_archive_unpushed(alice)
    preview = reset_preview(alice.user, ExistingEvents.KEEP, NextSync.ALL)
    assert preview.pending_deletions == 2 and preview.outlook_events == 0
    reset(alice, ExistingEvents.KEEP, NextSync.ALL)
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert outlook_subjects(alice) == Counter(OLD)
    assert local_titles(alice) == Counter(OLD | {"Last month"})
    assert {e.title for e in alice.events(active=False)} == {"Weekly"}
    assert alice.emulator.outbox() == []


def test_already_deleted_in_outlook_counts_as_done(alice: SyncWorld) -> None:
    """An event deleted in Outlook since the last sync answers 404: done, not an error."""
    there = {e["subject"]: e["id"] for e in alice.outlook_events()}
    alice.outlook_delete(there["From Outlook"])
    result = reset(alice, ExistingEvents.DELETE_OUTLOOK, NextSync.ALL)
    assert result.ok and result.errors == []
    assert (result.outlook_deleted, result.already_gone) == (2, 1)
    assert result.as_json()["already_gone"] == 1
    run = SyncRun.objects.get(account=alice.account, trigger="reset")
    assert run.ok and run.status == SyncRun.STATUS_OK
    # its link is dropped like the others: the next sync pushes the event kept here anew
    assert not OutlookLink.objects.filter(account=alice.account).exists()
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert outlook_subjects(alice) == Counter(OLD)
    assert local_titles(alice) == Counter(OLD | {"Last month"})


OTHER = "olga@contoso.test"


class RefusesOneDelete(httpx.BaseTransport):
    """Real HTTPS to the emulator; the $batch DELETE of ``remote_id`` is sent to another
    user's mailbox (``OTHER``) instead, which Outlook refuses (403 ErrorAccessDenied)."""

    def __init__(self, ca_path: str, remote_id: str) -> None:
        import ssl

        self.inner = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=ca_path))
        self.remote_id = remote_id

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/$batch"):
            payload = json.loads(request.read())
            for item in payload["requests"]:
                if item["method"] == "DELETE" and self.remote_id in unquote(item["url"]):
                    item["url"] = f"/users/{OTHER}/events/{item['url'].rsplit('/', 1)[1]}"
            request = httpx.Request(
                request.method,
                request.url,
                headers={k: v for k, v in request.headers.items() if k != "content-length"},
                json=payload,
            )
        return self.inner.handle_request(request)


@pytest.mark.parametrize("next_sync", list(NextSync))
def test_one_refused_delete_is_reported_and_the_rest_goes_on(
    alice: SyncWorld, next_sync: NextSync
) -> None:
    """Outlook refuses one event: it is reported (log entry, sync log, log line), the others
    are deleted, the reset completes; with "all" the refused copy is linked again, once."""
    alice.emulator.add_user(OTHER, "Olga", "pw-microsoft")
    delete_and_archive_unpushed(alice)  # the refused one is the destroyed meeting
    record = next(r for r in alice.records() if r.event_id is None)
    refusing = alice.client(transport=RefusesOneDelete(alice.emulator.ca_path, record.remote_id))
    with refusing as graph:
        result = reset_account(alice.user, ExistingEvents.DELETE_BOTH, next_sync, client=graph)
    assert not result.ok
    assert [e["event"] for e in result.errors] == [int(record.local_id)]
    assert "ErrorAccessDenied" in result.errors[0]["message"]
    assert result.outlook_deleted == 2 and result.local_deleted == 2
    assert set(outlook_subjects(alice)) == {"Kick-off"}
    assert alice.emulator.outbox() == []  # the refused meeting mailed nobody
    run = SyncRun.objects.get(account=alice.account, trigger="reset")
    assert run.status == SyncRun.STATUS_PARTIAL and len(run.errors) == 1
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert not account.has_tokens  # the reset was done all the same
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert outlook_subjects(alice) == Counter({"Kick-off": 1})
    expected = {"Last month"} | ({"Kick-off"} if next_sync is NextSync.ALL else set())
    assert set(local_titles(alice)) == expected
    assert max(local_titles(alice).values()) == 1


# -- other ways a reset could lose data or duplicate (gap 3) ----------------------------------


def test_keep_all_relinks_a_series_with_exceptions_from_both_sides(alice: SyncWorld) -> None:
    """Exceptions made here and in Outlook are linked again, not copied, by keep + all."""
    from datetime import timedelta

    from calsync.calendars import actions

    weekly = next(e for e in alice.events() if e.title == "Weekly")
    actions.do_update_occurrence(weekly, weekly.start + timedelta(days=7), {"title": "Moved"})
    assert alice.sync().ok
    master = next(e for e in alice.outlook_events() if e["subject"] == "Weekly")
    window = {"startDateTime": at(0).isoformat(), "endDateTime": at(40).isoformat()}
    path = f"/me/events/{master['id']}/instances"
    occurrences = alice.graph("GET", path, params=window).json()["value"]
    alice.outlook_patch(occurrences[2]["id"], {"subject": "There"})
    assert alice.sync().ok
    remote_ids = {r.remote_id for r in alice.records()}
    assert len(remote_ids) == 5
    reset(alice, ExistingEvents.KEEP, NextSync.ALL)
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pushed == {"created": 0, "updated": 0, "deleted": 0}
    assert {r.remote_id for r in alice.records()} == remote_ids
    exceptions = Event.objects.filter(series__owner=alice.user).order_by("original_start")
    assert [e.title for e in exceptions] == ["Moved", "There"]
    occurrences = alice.graph("GET", path, params=window).json()["value"]
    assert [o["subject"] for o in occurrences] == ["Weekly", "Moved", "There", "Weekly", "Weekly"]
    assert alice.emulator.outbox() == []


class RevokedAfter(httpx.BaseTransport):
    """Real HTTPS to the emulator; from the ``n``-th $batch on, the access token is one
    Outlook refuses (401), as when the grant is revoked in the middle of the reset."""

    def __init__(self, ca_path: str, n: int) -> None:
        import ssl

        self.inner = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=ca_path))
        self.batches = 0
        self.n = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/$batch"):
            self.batches += 1
            if self.batches >= self.n:
                request.headers["Authorization"] = "Bearer revoked"
        return self.inner.handle_request(request)


def test_outlook_lost_midway_changes_nothing_here_and_a_retry_finishes(
    alice: SyncWorld,
) -> None:
    """Outlook stops answering after some deletions: calsync changes nothing, says that the
    deletions made stay made, and the same reset run again finishes (they count as done)."""
    for n in range(30):
        alice.create(title=f"Extra {n:02d}", start=at(5 + n % 9, 8 + n % 8), end=at(5 + n % 9, 18))
    assert alice.sync().ok
    assert len(alice.records()) == 33
    dying = alice.client(transport=RevokedAfter(alice.emulator.ca_path, 2))
    with dying as graph, pytest.raises(ResetError, match="stays deleted") as failure:
        reset_account(alice.user, ExistingEvents.DELETE_OUTLOOK, NextSync.NEW, client=graph)
    assert "Nothing was reset" not in str(failure.value)
    deleted = 33 - len(alice.outlook_events())
    assert 0 < deleted < 33  # the first batch went through, a later one was refused
    assert len(alice.records()) == 33  # nothing changed here
    assert OutlookAccount.objects.get(pk=alice.account.pk).has_tokens
    assert not SyncRun.objects.filter(account=alice.account, trigger="reset").exists()
    result = reset(alice, ExistingEvents.DELETE_OUTLOOK, NextSync.NEW)
    assert result.ok, result.errors
    assert (result.outlook_deleted, result.already_gone) == (33 - deleted, deleted)
    assert alice.outlook_events() == []
    assert len(local_titles(alice)) == 34


class StealsTheClaim(httpx.BaseTransport):
    """Real HTTPS; while Outlook deletes, a sync takes the account's claim over (as after
    its lease ran out, when it thinks the reset died)."""

    def __init__(self, ca_path: str, account_pk: int) -> None:
        import ssl

        self.inner = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=ca_path))
        self.account_pk = account_pk

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from django.utils import timezone

        if request.url.path.endswith("/$batch"):
            OutlookAccount.objects.filter(pk=self.account_pk).update(
                sync_claimed_at=timezone.now(), sync_claim="a-later-sync"
            )
        return self.inner.handle_request(request)


def test_a_reset_that_lost_its_claim_changes_nothing_here(alice: SyncWorld) -> None:
    stealing = alice.client(transport=StealsTheClaim(alice.emulator.ca_path, alice.account.pk))
    with stealing as graph, pytest.raises(ResetError, match="took"):
        reset_account(alice.user, ExistingEvents.DELETE_BOTH, NextSync.NEW, client=graph)
    assert len(alice.records()) == 3
    assert set(local_titles(alice)) == OLD | {"Last month"}
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert account.has_tokens and account.sync_claim == "a-later-sync"  # not ours to release


# -- honest counts (gap 2) --------------------------------------------------------------------


def test_preview_counts_from_the_links_and_events_now(alice: SyncWorld) -> None:
    """Counted now: an event made here since the last sync is not touched, one destroyed
    here is pending, one changed here is flagged when only calsync loses it; what Outlook
    holds is as of the last sync (its time is given)."""
    from calsync.calendars import actions

    alice.create(title="Not synced yet", start=at(7), end=at(7, 10))
    for event in alice.events():
        if event.title == "From Outlook":
            actions.do_update_event(event, {"location": "Room 4"})
        elif event.title == "Kick-off":
            actions.do_delete_event(event)
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    local = reset_preview(alice.user, ExistingEvents.DELETE_LOCAL, NextSync.NEW)
    assert (local.local_events, local.local_series, local.changed_here) == (2, 1, 1)
    assert local.pending_deletions == 1 and local.outlook_events == 0
    assert local.last_sync == account.last_sync is not None
    assert local.as_json()["last_sync"] == account.last_sync.isoformat()
    both = reset_preview(alice.user, ExistingEvents.DELETE_BOTH, NextSync.NEW)
    assert (both.outlook_events, both.local_events, both.changed_here) == (3, 2, 0)
    assert both.cancellations == 1  # the destroyed meeting's guest, from its last sync


def test_wizard_says_what_is_approximate_and_what_is_pending(
    admin_client: Any, alice: SyncWorld
) -> None:
    from calsync.calendars import actions

    for event in alice.events():
        if event.title == "Kick-off":
            actions.do_delete_event(event)
        elif event.title == "From Outlook":
            actions.do_update_event(event, {"location": "Room 4"})
    url = f"/users/{alice.user.pk}/calendar/reset"
    form = {"existing": "delete-local", "next_sync": "all", "step": "preview"}
    page = admin_client.post(url, form)
    assert page.status_code == 200, page.content
    text = " ".join(page.content.decode().split())
    assert 'id="reset-as-of"' in text and "as of the last sync" in text
    assert "1 event deleted or archived here since the last sync is still in Outlook" in text
    assert (
        "The next sync of all existing events links them again, so those deleted here come back."
        in text
    )
    assert "1 of the events deleted from calsync was changed here since the last sync" in text
    form["existing"] = "delete-outlook"
    text = " ".join(admin_client.post(url, form).content.decode().split())
    assert "3 events deleted from Outlook (1 series" in text
    assert "This includes 1 event deleted or archived here since the last sync" in text
    assert 'id="reset-changed-count"' not in text


def test_a_refused_delete_is_linked_again_not_copied(alice: SyncWorld) -> None:
    """Delete from Outlook + all, Outlook refuses one event kept here: the next sync links
    the two copies again (no second copy on either side, no mail)."""
    alice.emulator.add_user(OTHER, "Olga", "pw-microsoft")
    record = next(r for r in alice.records() if r.event and r.event.title == "From Outlook")
    refusing = alice.client(transport=RefusesOneDelete(alice.emulator.ca_path, record.remote_id))
    with refusing as graph:
        result = reset_account(
            alice.user, ExistingEvents.DELETE_OUTLOOK, NextSync.ALL, client=graph
        )
    assert [e["event"] for e in result.errors] == [record.event_id]
    alice.emulator.clear_outbox()
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert outlook_subjects(alice)["From Outlook"] == 1
    assert local_titles(alice)["From Outlook"] == 1
    relinked = SyncRecord.objects.get(account=alice.account, event_id=record.event_id)
    assert relinked.remote_id == record.remote_id
    invitations = [m["subject"] for m in alice.emulator.outbox()]
    assert invitations == ["Kick-off"]  # the meeting deleted there is created again
