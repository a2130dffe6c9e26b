"""Guards: mass deletions are withheld until confirmed; ambiguous identities are reported."""

from __future__ import annotations

from tests.unit.syncengine.builders import (
    event,
    kinds,
    linked,
    local_item,
    local_snapshot,
    policy,
    remote_item,
    remote_snapshot,
)

from calsync.syncengine import IdentityConflict, MassDeleteRefused, plan
from calsync.syncengine.guards import delete_limit
from calsync.syncengine.status import Status


def _calendar(size: int) -> tuple[list, list, Status]:  # type: ignore[type-arg]
    pairs = [
        linked(event(f"E{n}"), uid=f"u{n}", local_id=f"L{n}", remote_id=f"R{n}")
        for n in range(size)
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs], Status(p[2] for p in pairs)


def test_limit_is_the_share_of_the_calendar_but_never_below_the_floor() -> None:
    assert delete_limit(100, policy()) == 25
    assert delete_limit(8, policy()) == 10
    assert delete_limit(100, policy(max_delete_share=0.5, max_delete_floor=3)) == 50


def test_outlook_reading_empty_does_not_archive_the_calendar() -> None:
    mine, _, status = _calendar(40)
    empty_round = remote_snapshot(complete=True)
    decided = plan(local_snapshot(*mine), empty_round, status, policy())
    assert decided.refused == MassDeleteRefused(local=40, remote=0, limit=10, size=40)
    assert decided.items == () and len(decided.withheld) == 40
    assert "archive 40" in str(decided.refused)


def test_confirmed_mass_delete_goes_through() -> None:
    mine, _, status = _calendar(40)
    decided = plan(
        local_snapshot(*mine),
        remote_snapshot(complete=True),
        status,
        policy(confirm_mass_delete=True),
    )
    assert decided.refused is None and kinds(decided) == ["ArchiveLocal"] * 40


def test_deleting_many_here_is_withheld_but_other_changes_go_on() -> None:
    _, _, status = _calendar(40)
    gone = tuple(f"L{n}" for n in range(11))
    changed = local_item(event("E20 renamed"), uid="u20", local_id="L20", version=2)
    decided = plan(local_snapshot(changed, deleted=gone), remote_snapshot(), status, policy())
    assert decided.refused == MassDeleteRefused(local=0, remote=11, limit=10, size=40)
    assert kinds(decided) == ["UpdateRemote"]
    assert decided.mails == 0


def test_deletions_up_to_the_limit_go_through() -> None:
    _, _, status = _calendar(40)
    gone = tuple(f"L{n}" for n in range(10))
    decided = plan(local_snapshot(deleted=gone), remote_snapshot(), status, policy())
    assert decided.refused is None and kinds(decided) == ["DeleteRemote"] * 10


def test_two_local_events_with_one_uid_are_reported_and_left_alone() -> None:
    one = local_item(event("A"), uid="dup", local_id="L1")
    two = local_item(event("B"), uid="dup", local_id="L2")
    decided = plan(local_snapshot(one, two), remote_snapshot(), Status(), policy())
    assert decided.identity_conflicts == (IdentityConflict("local", "dup", ("L1", "L2")),)
    assert decided.items == ()


def test_two_outlook_events_carrying_one_uid_are_reported_and_left_alone() -> None:
    one = remote_item(event("A"), remote_id="R1", uid="ours", ical_uid="i1")
    two = remote_item(event("A"), remote_id="R2", uid="ours", ical_uid="i2")
    decided = plan(local_snapshot(), remote_snapshot(one, two), Status(), policy())
    assert decided.identity_conflicts == (IdentityConflict("remote", "ours", ("R1", "R2")),)
    assert decided.items == ()


def test_two_outlook_events_with_one_ical_uid_are_reported() -> None:
    one = remote_item(event("A"), remote_id="R1", ical_uid="same")
    two = remote_item(event("A"), remote_id="R2", ical_uid="same")
    decided = plan(local_snapshot(), remote_snapshot(one, two), Status(), policy())
    assert decided.identity_conflicts == (IdentityConflict("remote", "same", ("R1", "R2")),)


def test_second_outlook_event_claiming_a_linked_uid_is_reported() -> None:
    _, _, entry = linked(event(), uid="u1", remote_id="R1")
    stray = remote_item(event(), remote_id="R2", uid="u1", ical_uid="other")
    decided = plan(local_snapshot(), remote_snapshot(stray), Status([entry]), policy())
    assert decided.identity_conflicts == (IdentityConflict("remote", "u1", ("R1", "R2")),)
    assert decided.items == ()


def test_linked_outlook_event_replaced_by_one_with_our_uid_is_relinked() -> None:
    _, _, entry = linked(event(), uid="u1", remote_id="R1")
    reimported = remote_item(event(), remote_id="R2", uid="u1", ical_uid="other")
    snapshot = remote_snapshot(reimported, removed=("R1",))
    decided = plan(local_snapshot(), snapshot, Status([entry]), policy())
    assert kinds(decided) == ["Link"]
    assert decided.items[0].entry is not None and decided.items[0].entry.remote_id == "R2"
