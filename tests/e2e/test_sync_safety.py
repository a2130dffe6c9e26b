"""Safety: preview, the first sync, the mass-delete stop, 410 recovery, a kill in the
middle of a push, faults on the wire, one bad event among good ones, meetings organised
elsewhere, and one meeting seen by two calsync users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.integration.sync_world import SyncWorld, at, graph_time

from calsync.calendars import actions
from calsync.calendars.models import Event
from calsync.outlook.models import OutlookAccount, SyncRecord, SyncRun
from calsync.outlook.sync.run import run_sync

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CAROL = "carol@contoso.test"


@pytest.fixture
def alice(emulator: Any, settings: Any) -> SyncWorld:
    world = SyncWorld(emulator, "alice@contoso.test", "Alice Nguyen")
    world.outlook_create(
        {"subject": "Earlier", "start": graph_time(at(1)), "end": graph_time(at(1, 10))}
    )
    return world


def subjects(world: SyncWorld) -> list[str]:
    return sorted(e["subject"] for e in world.outlook_events())


def test_preview_reports_and_writes_nothing_anywhere(alice: SyncWorld) -> None:
    alice.create(
        title="Kick-off",
        start=at(2),
        end=at(2, 10),
        attendees=[{"email": CAROL, "name": "Carol"}],
    )
    alice.emulator.add_user(CAROL, "Carol", "pw")
    before = subjects(alice)
    summary = alice.sync(preview=True)
    assert summary.ok, summary.errors
    assert summary.pushed["created"] == 1 and summary.pulled["created"] == 1
    assert summary.invitations == 1
    assert subjects(alice) == before
    assert alice.emulator.outbox() == []
    assert [e.title for e in alice.events()] == ["Kick-off"]
    assert alice.records() == []
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert account.delta_link == "" and account.first_synced_at is None
    assert SyncRun.objects.get(account=account).preview is True


def test_first_sync_does_not_push_past_events(alice: SyncWorld) -> None:
    alice.create(title="Last month", start=at(-30), end=at(-30, 10))
    alice.create(title="Next week", start=at(7), end=at(7, 10))
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert subjects(alice) == ["Earlier", "Next week"]
    alice.create(title="Late entry of last week", start=at(-7), end=at(-7, 10))
    alice.sync()
    assert subjects(alice) == ["Earlier", "Next week"]


def test_mass_delete_stops_and_confirm_goes_on(alice: SyncWorld) -> None:
    for n in range(12):
        alice.create(title=f"M{n:02d}", start=at(3 + n), end=at(3 + n, 10))
    assert alice.sync().ok
    for event in alice.events():
        if event.title.startswith("M"):
            actions.do_delete_event(event)
    stopped = alice.sync()
    assert not stopped.ok
    assert SyncRun.objects.filter(status=SyncRun.STATUS_CONFIRM).count() == 1
    assert "Confirm" in stopped.errors[0]["message"]
    assert len(subjects(alice)) == 13
    confirmed = alice.sync(confirm=True)
    assert confirmed.ok, confirmed.errors
    assert confirmed.pushed["deleted"] == 12
    assert subjects(alice) == ["Earlier"]


def test_an_expired_delta_token_starts_a_new_round_without_duplicates(alice: SyncWorld) -> None:
    alice.create(title="Ours", start=at(2), end=at(2, 10))
    assert alice.sync().ok
    gone = next(e for e in alice.outlook_events() if e["subject"] == "Earlier")
    alice.outlook_delete(gone["id"])
    alice.outlook_create(
        {"subject": "New there", "start": graph_time(at(4)), "end": graph_time(at(4, 10))}
    )
    with alice.client() as graph:  # other rounds push our token out of the kept generations
        for _ in range(6):
            graph.get_json(
                "/me/calendarView/delta",
                params={"startDateTime": at(-1).isoformat(), "endDateTime": at(9).isoformat()},
            )
    summary = alice.sync()
    assert summary.ok, summary.errors
    assert summary.pulled == {"created": 1, "updated": 0, "deleted": 1}
    assert sorted(e.title for e in alice.events()) == ["New there", "Ours"]
    assert sorted(e.title for e in alice.events(active=False)) == ["Earlier"]
    assert subjects(alice) == ["New there", "Ours"]
    assert alice.sync().pulled == {"created": 0, "updated": 0, "deleted": 0}


class Killed(BaseException):
    """The process dies (not an error anyone handles)."""


class DiesAfterBatches(httpx.BaseTransport):
    """A real HTTPS transport that kills the process once ``n`` $batch answers came back."""

    def __init__(self, ca_path: str, n: int) -> None:
        import ssl

        self.inner = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=ca_path))
        self.left = n

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/$batch"):
            response.read()
            self.left -= 1
            if self.left <= 0:
                raise Killed("power cut after Outlook applied the batch")
        return response


def test_a_kill_in_the_middle_of_a_push_leaves_no_duplicate(alice: SyncWorld) -> None:
    for n in range(45):
        alice.create(title=f"K{n:02d}", start=at(2 + n % 20, 8 + n % 9), end=at(2 + n % 20, 18))
    dying = alice.client(transport=DiesAfterBatches(alice.emulator.ca_path, 1))
    with dying as graph, pytest.raises(Killed):
        run_sync(alice.account, "test", client=graph)
    # the batches run concurrently (up to 4 in flight): the one that answered first, and
    # maybe others, reached Outlook before the kill
    assert 1 + 15 <= len(alice.outlook_events()) <= 1 + 45
    assert alice.records() == []  # nothing was recorded
    summary = alice.sync()
    assert summary.ok, summary.errors
    titles = [e["subject"] for e in alice.outlook_events()]
    assert len(titles) == len(set(titles)) == 46
    assert len(alice.records()) == 46
    assert Event.objects.count() == 46


def test_dropped_connections_then_a_clean_sync_converge(alice: SyncWorld) -> None:
    for n in range(30):
        alice.create(title=f"F{n:02d}", start=at(2 + n % 10), end=at(2 + n % 10, 10))
    alice.emulator.set_faults(disconnect_rate=0.3, throttle_rate=0.2, seed=7, retry_after=0.01)
    alice.sync()
    alice.emulator.set_faults()
    summary = alice.sync()
    assert summary.ok, summary.errors
    titles = [e["subject"] for e in alice.outlook_events()]
    assert len(titles) == len(set(titles)) == 31
    assert SyncRecord.objects.count() == 31


def test_one_bad_event_does_not_block_the_others(alice: SyncWorld) -> None:
    bad = alice.create(
        title="Odd rule", start=at(2), end=at(2, 10), recurrence="FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"
    )
    alice.create(title="Fine", start=at(3), end=at(3, 10))
    summary = alice.sync()
    assert not summary.ok
    assert [e["event"] for e in summary.errors] == [bad.pk]
    assert "Outlook has no counterpart" in summary.errors[0]["message"]
    assert subjects(alice) == ["Earlier", "Fine"]


def test_a_meeting_organised_elsewhere_only_sends_my_answer(alice: SyncWorld) -> None:
    carol = SyncWorld.outside(alice.emulator, CAROL, "Carol Diaz")
    made = carol.outlook_create(
        {
            "subject": "Carol's review",
            "start": graph_time(at(3)),
            "end": graph_time(at(3, 10)),
            "attendees": [
                {"emailAddress": {"address": alice.email, "name": "Alice"}, "type": "required"}
            ],
        }
    )
    assert alice.sync().ok
    event = next(e for e in alice.events() if e.title == "Carol's review")
    assert event.organizer_email == CAROL
    alice.emulator.clear_outbox()
    rows = [
        {"email": a.email, "name": a.name, "type": a.type, "status": "accepted"}
        for a in event.attendees.all()
    ]
    actions.do_update_event(event, {"attendees": rows, "title": "My own title"})
    summary = alice.sync()
    assert summary.pushed["updated"] == 1  # the answer only
    outbox = alice.emulator.outbox()
    assert [(m["kind"], m["to"]) for m in outbox] == [("response", [CAROL])]
    assert carol.outlook_event(made["id"])["attendees"][0]["status"]["response"] == "accepted"
    assert alice.event(event.pk).title == "Carol's review"  # put back: Carol owns it


def test_one_meeting_seen_by_two_calsync_users_is_one_event(
    alice: SyncWorld, emulator: Any
) -> None:
    bob = SyncWorld(emulator, "bob@contoso.test", "Bob Tran")
    alice.create(
        title="Shared", start=at(4), end=at(4, 10),
        attendees=[{"email": bob.email, "name": "Bob Tran"}],
    )  # fmt: skip
    assert alice.sync().ok
    summary = bob.sync()
    assert summary.ok, summary.errors
    assert Event.objects.filter(title="Shared").count() == 1
    assert SyncRecord.objects.filter(event__title="Shared").count() == 2
    assert bob.sync().pulled == {"created": 0, "updated": 0, "deleted": 0}


def test_a_run_that_lost_its_claim_records_nothing_and_the_next_links(alice: SyncWorld) -> None:
    """A run that lost its claim (here: taken while it writes to Outlook) does
    not record over the run that took the account; its writes are recognised next time."""
    from calsync.outlook.sync.progress import WRITING_OUTLOOK, Snapshot

    alice.create(title="Made here", start=at(2), end=at(2, 10))

    def another_run_takes_over(snapshot: Snapshot) -> None:
        if snapshot.phase == WRITING_OUTLOOK:
            OutlookAccount.objects.filter(pk=alice.account.pk).update(sync_claim="another-run")

    lost = alice.sync(listener=another_run_takes_over)
    assert not lost.ok
    assert [e["code"] for e in lost.errors] == ["claim_lost"]
    assert sorted(subjects(alice)) == ["Earlier", "Made here"]  # the writes were made
    assert not SyncRecord.objects.filter(account=alice.account).exists()  # not recorded
    account = OutlookAccount.objects.get(pk=alice.account.pk)
    assert (account.sync_claim, account.delta_link) == ("another-run", "")  # not ours

    OutlookAccount.objects.filter(pk=alice.account.pk).update(sync_claim="", sync_claimed_at=None)
    again = alice.sync()
    assert again.ok, again.errors
    assert sorted(subjects(alice)) == ["Earlier", "Made here"]  # no duplicate either side
    assert sorted(e.title for e in alice.events()) == ["Earlier", "Made here"]
    assert SyncRecord.objects.filter(account=alice.account).count() == 2


def test_a_run_whose_lease_is_lost_stops_writing(alice: SyncWorld, settings: Any) -> None:
    """The lease's renewal finds the claim gone (the run stalled and another took over):
    the run's next write raises instead of going on, so most of its push never goes out;
    the next sync finishes it without a duplicate."""
    from calsync.outlook.sync.progress import WRITING_OUTLOOK, Snapshot

    settings.CALSYNC_SYNC_LEASE = 0.6  # renewed every 0.2 s
    titles = sorted(["Earlier", *(f"Push {n:03}" for n in range(200))])
    for n in range(200):
        begins = at(3, 8) + timedelta(minutes=15 * n)
        alice.create(title=f"Push {n:03}", start=begins, end=begins + timedelta(minutes=10))
    alice.emulator.set_faults(latency_ms=400)

    def another_run_takes_over(snapshot: Snapshot) -> None:
        if snapshot.phase == WRITING_OUTLOOK:
            OutlookAccount.objects.filter(pk=alice.account.pk).update(sync_claim="another-run")

    lost = alice.sync(listener=another_run_takes_over)
    alice.emulator.set_faults()
    assert [e["code"] for e in lost.errors] == ["claim_lost"]
    made = subjects(alice)
    assert len(made) < len(titles) - 40  # stopped: most of the push never went out
    assert not SyncRecord.objects.filter(account=alice.account).exists()

    OutlookAccount.objects.filter(pk=alice.account.pk).update(sync_claim="", sync_claimed_at=None)
    again = alice.sync()
    assert again.ok, again.errors
    assert subjects(alice) == titles


def test_writes_applied_whose_answers_were_lost_are_never_duplicated(alice: SyncWorld) -> None:
    """Outlook applies a fifth of the writes and drops their answers (each $batch item draws):
    the run reports them failed, the next runs link what Outlook made (our uid travels with
    it) instead of making it again."""
    titles = sorted(["Earlier", *(f"Lost {n:02}" for n in range(45))])
    for n in range(45):
        begins = at(4, 8) + timedelta(minutes=15 * n)
        alice.create(title=f"Lost {n:02}", start=begins, end=begins + timedelta(minutes=10))
    alice.emulator.set_faults(drop_after_apply_rate=0.2, seed=11)
    first = alice.sync()
    alice.emulator.set_faults()
    assert not first.ok  # answers were lost: those items are retried, not assumed
    for _attempt in range(3):
        if alice.sync().ok:
            break
    assert subjects(alice) == titles  # each event once in Outlook
    assert SyncRecord.objects.filter(account=alice.account).count() == len(titles)
    assert alice.sync().pushed == {"created": 0, "updated": 0, "deleted": 0}
