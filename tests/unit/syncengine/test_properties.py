"""Properties of plan(): deterministic, order-blind, idempotent, never two creates per uid."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from tests.unit.syncengine.builders import Pair
from tests.unit.syncengine.strategies import BOSS, FIELD_VALUES, events

from calsync.syncengine import CreateLocal, CreateRemote, execute, plan


@st.composite
def worlds(draw: st.DrawFn) -> Pair:
    """Two sides synced once (maybe with some writes failing), then edited at random."""
    pair = Pair()
    for data in draw(st.lists(events(), max_size=5)):
        pair.local.add(data)
    for data in draw(st.lists(events(), max_size=4)):
        pair.outlook.add(data)
    for data in draw(st.lists(events(organizer=BOSS), max_size=2)):
        pair.outlook.add(data, is_organizer=False, my_response="none")
    failing = random.Random(draw(st.integers(0, 1000)))
    if draw(st.booleans()):
        pair.outlook.fault = lambda action: "fail" if failing.random() < 0.3 else None
    pair.sync()
    pair.outlook.fault = None
    for _ in range(draw(st.integers(0, 8))):
        _edit(draw, pair)
    return pair


def _edit(draw: st.DrawFn, pair: Pair) -> None:
    kind = draw(st.sampled_from(["local", "outlook", "archive", "destroy", "delete", "answer"]))
    local_ids, remote_ids = sorted(pair.local.items), sorted(pair.outlook.items)
    field = draw(st.sampled_from(sorted(FIELD_VALUES)))
    if kind == "local" and local_ids:
        pair.local.edit(draw(st.sampled_from(local_ids)), **{field: draw(FIELD_VALUES[field])})
    elif kind == "outlook" and remote_ids:
        pair.outlook.edit(draw(st.sampled_from(remote_ids)), **{field: draw(FIELD_VALUES[field])})
    elif kind == "archive" and local_ids:
        pair.local.archive(draw(st.sampled_from(local_ids)))
    elif kind == "destroy" and local_ids:
        pair.local.destroy(draw(st.sampled_from(local_ids)))
    elif kind == "delete" and remote_ids:
        pair.outlook.delete(draw(st.sampled_from(remote_ids)))
    elif kind == "answer":
        copies = sorted(i for i, item in pair.local.items.items() if not item.is_organizer)
        if copies:
            answer = draw(st.sampled_from(["accepted", "tentative", "declined"]))
            pair.local.edit(draw(st.sampled_from(copies)), my_response=answer)


@given(worlds(), st.randoms())
def test_plan_is_deterministic_and_blind_to_listing_order(
    pair: Pair, shuffler: random.Random
) -> None:
    local, remote, policy = pair.local.snapshot(), pair.outlook.snapshot(), pair.policy()
    first = plan(local, remote, pair.status, policy)
    assert plan(local, remote, pair.status, policy) == first
    local_items, remote_items = list(local.items), list(remote.items)
    shuffler.shuffle(local_items)
    shuffler.shuffle(remote_items)
    shuffled = plan(
        replace(local, items=tuple(local_items)),
        replace(remote, items=tuple(remote_items)),
        pair.status,
        policy,
    )
    assert shuffled == first


@given(worlds())
def test_applying_a_plan_then_planning_again_gives_an_empty_plan(pair: Pair) -> None:
    policy = pair.policy(confirm_mass_delete=True)
    decided = plan(pair.local.snapshot(), pair.outlook.snapshot(), pair.status, policy)
    done = execute(decided, pair.local, pair.outlook, pair.status, policy.now)
    assert done.failures == ()
    again = plan(pair.local.snapshot(), pair.outlook.snapshot(), done.status, pair.policy())
    assert again.is_empty, again.counts()
    assert all(item.status == "keep" for item in again.items)
    assert again.conflicts == ()


@given(worlds())
def test_no_plan_creates_one_uid_twice(pair: Pair) -> None:
    local = pair.local.snapshot()
    decided = plan(local, pair.outlook.snapshot(), pair.status, pair.policy())
    creates = [a for a in decided.actions if isinstance(a, CreateLocal | CreateRemote)]
    per_uid = Counter(action.uid for action in creates)
    assert all(count == 1 for count in per_uid.values())
    known_here = {item.uid for item in local.items}
    assert not any(isinstance(a, CreateLocal) and a.uid in known_here for a in creates)
    linked = {entry.uid for entry in pair.status.values()}
    assert not any(isinstance(a, CreateRemote) and a.uid in linked for a in creates)
