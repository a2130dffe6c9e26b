"""The shared RRULE parser: table tests of what it reads and refuses, a round trip, and
the import rule that keeps it shareable."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar.prop import vRecur

from calsync import rrules
from calsync.rrules import RRule, RuleSyntaxError

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FREQ=DAILY", {"freq": "DAILY", "interval": 1, "count": None, "wkst": 0}),
        ("RRULE:freq=weekly;byday=mo,we", {"freq": "WEEKLY", "byday": ((None, 0), (None, 2))}),
        (
            "FREQ=MONTHLY;BYDAY=-1FR,+2SU;INTERVAL=3",
            {"byday": ((-1, 4), (2, 6)), "interval": 3},
        ),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1", {"bymonth": (2,)}),
        ("FREQ=YEARLY;BYMONTHDAY=-1;BYYEARDAY=-366,1;BYWEEKNO=-53", {"byyearday": (-366, 1)}),
        ("FREQ=WEEKLY;WKST=SU;COUNT=12", {"wkst": 6, "count": 12}),
        ("FREQ=DAILY;UNTIL=20270101T080000Z", {"until": datetime(2027, 1, 1, 8, tzinfo=UTC)}),
        ("FREQ=DAILY;UNTIL=20270101T080000", {"until": datetime(2027, 1, 1, 8)}),
        ("FREQ=DAILY;UNTIL=20270101", {"until": date(2027, 1, 1)}),
        ("FREQ=DAILY; ;BYHOUR=9;", {"parts": (("FREQ", "DAILY"), ("BYHOUR", "9"))}),
    ],
)
def test_parts_are_typed(text: str, expected: dict[str, object]) -> None:
    rule = rrules.parse(text)
    for name, value in expected.items():
        assert getattr(rule, name) == value, name


def test_text_keeps_the_parts_as_given_in_upper_case() -> None:
    rule = rrules.parse("rrule:freq=monthly;bymonthday=31;interval=2")
    assert rule.text == "FREQ=MONTHLY;BYMONTHDAY=31;INTERVAL=2"
    assert rule.names == {"FREQ", "BYMONTHDAY", "INTERVAL"}
    assert rule.value("INTERVAL") == "2"
    assert rule.with_part("INTERVAL", "3") == "FREQ=MONTHLY;BYMONTHDAY=31;INTERVAL=3"
    assert rule.with_part("COUNT", "4") == "FREQ=MONTHLY;BYMONTHDAY=31;INTERVAL=2;COUNT=4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=DAILY;COUNT", "“COUNT” is not a NAME=VALUE part."),
        ("FREQ=DAILY;=3", "“=3” is not a NAME=VALUE part."),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears twice."),
        ("INTERVAL=2", "FREQ is required (the rule has no FREQ)."),
        ("FREQ=SOMETIMES", "FREQ=SOMETIMES is not a frequency"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "A rule cannot have both COUNT and UNTIL."),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a positive integer, not COUNT=0."),
        ("FREQ=DAILY;INTERVAL=x", "INTERVAL must be a positive integer, not INTERVAL=X."),
        ("FREQ=DAILY;UNTIL=tomorrow", "not UNTIL=TOMORROW"),
        ("FREQ=DAILY;UNTIL=P1D", "not UNTIL=P1D"),
        ("FREQ=DAILY;UNTIL=00010101", "between the years 1000 and 9000"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX is not a list of week days"),
        ("FREQ=MONTHLY;BYDAY=0MO", "BYDAY=0MO a week day's number"),
        ("FREQ=MONTHLY;BYDAY=+MO", "BYDAY=+MO a week day's number"),
        ("FREQ=YEARLY;BYDAY=54MO", "BYDAY=54MO a week day's number"),
        ("FREQ=WEEKLY;WKST=1MO", "WKST=1MO is not a week day"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0 every value lies between 1 and 31, or -31"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,x", "BYMONTHDAY=1,X is not a list of integers"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH=-1 every value lies between 1 and 12."),
        ("FREQ=YEARLY;BYMONTH=5L", "BYMONTH=5L is not a list of integers"),
        ("FREQ=YEARLY;BYSETPOS=367", "BYSETPOS=367 every value lies between 1 and 366"),
        ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO=54 every value lies between 1 and 53"),
    ],
)
def test_malformed_rules_name_the_part(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        rrules.parse(text)
    assert message in str(caught.value)
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error) == (error.template % error.params if error.params else error.template)


def test_unknown_parts_are_kept_as_text_for_the_callers_policy() -> None:
    rule = rrules.parse("FREQ=HOURLY;BYHOUR=9,17;X-NAME=A")
    assert rule.freq == "HOURLY"
    assert rule.value("BYHOUR") == "9,17" and rule.value("X-NAME") == "A"


# -- round trip ------------------------------------------------------------------------------

ints = st.integers


@st.composite
def typed_rules(draw: st.DrawFn) -> dict[str, object]:
    """Typed values of a rule (what :class:`RRule` holds), each part present or not."""
    values: dict[str, object] = {"freq": draw(st.sampled_from(rrules.FREQUENCIES))}
    maybe = st.booleans()
    if draw(maybe):
        values["interval"] = draw(ints(1, 1000))
    if draw(maybe):
        values["count"] = draw(ints(1, 10**6))
    elif draw(maybe):
        moment = draw(st.datetimes(datetime(1000, 1, 1), datetime(9000, 12, 31)))
        moment = moment.replace(microsecond=0)
        values["until"] = draw(st.sampled_from([moment, moment.replace(tzinfo=UTC), moment.date()]))
    if draw(maybe):
        ordinal = st.none() | ints(1, 53) | ints(-53, -1)
        values["byday"] = tuple(draw(st.lists(st.tuples(ordinal, ints(0, 6)), min_size=1)))
    for name, high, negative in (
        ("bymonthday", 31, True),
        ("bymonth", 12, False),
        ("bysetpos", 366, True),
        ("byyearday", 366, True),
        ("byweekno", 53, True),
    ):
        if draw(maybe):
            value = ints(1, high) | ints(-high, -1) if negative else ints(1, high)
            values[name] = tuple(draw(st.lists(value, min_size=1, max_size=5)))
    if draw(maybe):
        values["wkst"] = draw(ints(0, 6))
    return values


def _spelled(values: dict[str, object]) -> str:
    """The RRULE text of typed values, as a person or another program would write it."""
    parts = [f"FREQ={values['freq']}"]
    for name, value in values.items():
        if name in ("freq",):
            continue
        if name == "until":
            assert isinstance(value, date)
            if isinstance(value, datetime):
                text = value.strftime("%Y%m%dT%H%M%S") + ("Z" if value.tzinfo else "")
            else:
                text = value.strftime("%Y%m%d")
        elif name == "byday":
            text = ",".join(f"{n or ''}{rrules.RFC_DAYS[d]}" for n, d in value)  # type: ignore[attr-defined]
        elif name == "wkst":
            text = rrules.RFC_DAYS[value]  # type: ignore[index]
        elif isinstance(value, tuple):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        parts.append(f"{name.upper()}={text}")
    return ";".join(parts)


@given(values=typed_rules())
def test_typed_values_survive_spelling_and_parsing(values: dict[str, object]) -> None:
    text = _spelled(values)
    rule = rrules.parse(text)
    for name, value in values.items():
        assert getattr(rule, name) == value, name
    assert rule.text == text
    assert rrules.parse(rule.text) == rule
    # icalendar reads the same rule the same way
    assert (
        vRecur.from_ical(rule.text).to_ical().decode() == vRecur.from_ical(text).to_ical().decode()
    )


@given(values=typed_rules())
def test_rules_are_frozen_values(values: dict[str, object]) -> None:
    rule = rrules.parse(_spelled(values))
    assert isinstance(rule, RRule)
    assert hash(rule) == hash(rrules.from_parts(dict(rule.parts)))


# -- purity ------------------------------------------------------------------------------------


def test_the_import_contract_forbids_every_other_package_of_calsync() -> None:
    """calsync.rrules imports nothing else of ours: the import-linter contract names every
    sibling package, so a new one cannot slip in."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c.get("source_modules") == ["calsync.rrules"]]
    package = ROOT / "src" / "calsync"
    siblings = {
        f"calsync.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    } - {"calsync.rrules"}
    assert siblings <= set(contract["forbidden_modules"])
    assert "django" in contract["forbidden_modules"]
