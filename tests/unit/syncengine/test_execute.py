"""execute(): per-item failure isolation, lost answers, preconditions, the new status."""

from __future__ import annotations

from collections.abc import Sequence

from tests.unit.syncengine.builders import Pair, event, guests

from calsync.syncengine import (
    CreateRemote,
    ItemNotFound,
    PreconditionFailed,
    UpdateRemote,
    execute,
    plan,
)
from calsync.syncengine.memory import InjectedFailure


def test_a_synced_pair_plans_nothing_the_next_time() -> None:
    pair = Pair()
    pair.local.add(event("Here", attendees=guests("ana@example.com")))
    pair.outlook.add(event("There"))
    first = pair.sync()
    assert first.plan.counts() == {"CreateRemote": 1, "CreateLocal": 1}
    assert first.result.mails == 1 and first.result.failures == ()
    assert len(pair.status) == 2
    for mine, theirs in pair.pairs():
        assert mine.data == theirs.data
        assert theirs.uid in (mine.uid, None)  # ours carry our uid; Outlook's get none
    assert pair.sync().plan.items == ()


def test_one_failing_event_does_not_block_the_others() -> None:
    pair = Pair()
    for title in ("A", "B", "C"):
        pair.local.add(event(title))
    pair.outlook.fault = lambda action: "fail" if action.data.title == "B" else None
    done = pair.sync()
    assert [f.uid for f in done.result.failures] == [pair.local.items["L2"].uid]
    assert isinstance(done.result.failures[0].cause, InjectedFailure)
    assert len(pair.status) == 2 and pair.status.by_local_id("L2") is None
    assert done.result.recheck_local_ids == {"L2"}
    pair.outlook.fault = None
    retry = pair.sync()
    assert retry.plan.counts() == {"CreateRemote": 1} and len(pair.status) == 3


def test_create_whose_answer_was_lost_is_linked_not_duplicated() -> None:
    """Odoo #242064: a POST that times out after Outlook created the event."""
    pair = Pair()
    pair.local.add(event("Kickoff", attendees=guests("ana@example.com")))
    pair.outlook.fault = lambda action: "lost"
    lost = pair.sync()
    assert len(lost.result.failures) == 1 and len(pair.outlook.items) == 1
    assert len(pair.status) == 0
    pair.outlook.fault = None
    again = pair.sync()
    assert again.plan.counts() == {"Link": 1} and again.plan.mails == 0
    assert len(pair.outlook.items) == 1 and len(pair.status) == 1


def test_retried_create_with_the_same_transaction_id_returns_the_first_event() -> None:
    pair = Pair()
    mine = pair.local.add(event("Kickoff"))
    create = CreateRemote(mine.uid, mine.data, mine.local_id, "tx-1")
    first, second = pair.outlook.apply_remote([create, create])
    assert first == second and len(pair.outlook.items) == 1


def test_update_against_a_moved_change_key_fails_and_the_next_sync_merges() -> None:
    pair = Pair()
    mine = pair.local.add(event("Plan"))
    pair.sync()
    remote_id = pair.status[mine.uid].remote_id
    pair.local.edit(mine.local_id, title="Plan v2")
    decided = plan(pair.local.snapshot(), pair.outlook.snapshot(), pair.status, pair.policy())
    pair.outlook.edit(remote_id, location="Room 5")  # someone edits between plan and write
    done = execute(decided, pair.local, pair.outlook, pair.status, pair.clock())
    (failure,) = done.failures
    assert isinstance(failure.cause, PreconditionFailed) and isinstance(
        failure.action, UpdateRemote
    )
    assert done.status == pair.status  # left as it was
    pair.status = done.status
    pair.sync()
    ((mine_now, theirs_now),) = pair.pairs()
    assert mine_now.data == theirs_now.data
    assert (theirs_now.data.title, theirs_now.data.location) == ("Plan v2", "Room 5")


def test_deleting_what_is_already_gone_counts_as_done() -> None:
    pair = Pair()
    mine = pair.local.add(event("Gone"))
    pair.sync()
    remote_id = pair.status[mine.uid].remote_id
    pair.local.archive(mine.local_id)
    decided = plan(pair.local.snapshot(), pair.outlook.snapshot(), pair.status, pair.policy())
    pair.outlook.delete(remote_id)
    done = execute(decided, pair.local, pair.outlook, pair.status, pair.clock())
    assert done.failures == () and done.removed == (mine.uid,) and len(done.status) == 0


def test_a_side_that_fails_as_a_whole_fails_each_item_alone() -> None:
    class Broken:
        def apply_remote(self, actions: Sequence[object]) -> list[object]:
            raise ConnectionError("mailbox unreachable")

    pair = Pair()
    pair.local.add(event("A"))
    pair.local.add(event("B"))
    pair.outlook.add(event("C"))
    decided = plan(pair.local.snapshot(), pair.outlook.snapshot(), pair.status, pair.policy())
    done = execute(decided, pair.local, Broken(), pair.status, pair.clock())
    assert len(done.failures) == 2 and all(
        isinstance(f.cause, ConnectionError) for f in done.failures
    )
    assert len(done.upserted) == 1  # the Outlook event pulled in still linked


def test_a_write_to_a_missing_outlook_event_fails_that_item() -> None:
    pair = Pair()
    mine = pair.local.add(event("Plan"))
    pair.sync()
    remote_id = pair.status[mine.uid].remote_id
    pair.local.edit(mine.local_id, title="Plan v2")
    decided = plan(pair.local.snapshot(), pair.outlook.snapshot(), pair.status, pair.policy())
    pair.outlook.delete(remote_id)
    done = execute(decided, pair.local, pair.outlook, pair.status, pair.clock())
    assert isinstance(done.failures[0].cause, ItemNotFound)
    assert done.recheck_remote_ids == {remote_id}
    pair.status = done.status
    follow_up = pair.sync(window=None)
    assert follow_up.plan.counts() == {"ArchiveLocal": 1}
    assert pair.local.items[mine.local_id].data.title == "Plan v2"  # the edit kept in the archive


def test_outlook_is_not_written_for_an_item_whose_local_write_failed() -> None:
    pair = Pair()
    mine = pair.local.add(event("Plan"))
    pair.sync()
    remote_id = pair.status[mine.uid].remote_id
    pair.local.archive(mine.local_id)
    pair.outlook.edit(remote_id, location="Room 7")
    pair.local.fault = lambda action: "fail"
    done = pair.sync()
    assert [type(f.action).__name__ for f in done.result.failures] == ["UpdateLocal"]
    assert remote_id in pair.outlook.items  # not deleted: its edit is not saved here yet
    pair.local.fault = None
    pair.sync()
    assert remote_id not in pair.outlook.items
    assert pair.local.items[mine.local_id].data.location == "Room 7"
