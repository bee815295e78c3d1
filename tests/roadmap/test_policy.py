"""Policy defaults, file loading, and errors that name the file and the field."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from kontrol.roadmap.errors import PolicyError
from kontrol.roadmap.policy import Policy, RulePack, load_policy


def test_defaults() -> None:
    p = load_policy(None)
    assert p == Policy()
    assert (p.timezone, p.send_hour, p.ongoing_cadence, p.nonworking_due) == (
        "Europe/Moscow",
        time(9),
        "year",
        "preceding",
    )
    assert (p.deadline_lead_days, p.co_executor_lead, p.reminders) == (30, 5, (5, 1))
    assert (p.overdue_notice_after, p.escalate_curator_after, p.escalate_controller_after) == (
        1,
        5,
        10,
    )
    assert p.rule_pack is None


def test_load_file(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(
        "send_hour: '08:30'\nnonworking_due: following\nongoing_cadence: quarter\n"
        "reminders: [10, 3, 1]\nrule_pack: {name: lenobl}\n"
    )
    p = load_policy(f)
    assert p.send_hour == time(8, 30) and p.nonworking_due == "following"
    assert p.reminders == (10, 3, 1) and p.rule_pack == RulePack(name="lenobl")
    assert p.rule_pack.report_due_day_next_month == 10


@pytest.mark.parametrize("hour", [9, "9", "09:00"])
def test_send_hour_forms(hour) -> None:
    assert Policy(send_hour=hour).send_hour == time(9)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("reminders: [1, 5]\n", "reminders"),
        ("reminders: [5, 0]\n", "reminders"),
        ("escalate_curator_after: 10\nescalate_controller_after: 5\n", "policy"),
        ("send_hour: 25\n", "send_hour"),
        ("timezone: Mars/Olympus\n", "timezone"),
        ("ongoing_cadence: daily\n", "ongoing_cadence"),
        ("nonworking_due: never\n", "nonworking_due"),
        ("reminder: [5, 1]\n", "reminder"),
        ("rule_pack: {report_due_day_next_month: 31}\n", "rule_pack.report_due_day_next_month"),
        ("deadline_lead_days: -1\n", "deadline_lead_days"),
        ("rule_pack: {zz: 1}\n", "rule_pack.zz"),
        ("1: 2\n", "1"),
        # a season is named, and its field: msgspec alone says «seasons[...]»
        ("seasons: {swimming: {start: 601, end: '08-31'}}\n", "seasons.swimming.start"),
        ("seasons: {swimming: {start: '06-01', end: '08-31', foo: 1}}\n", "seasons.swimming.foo"),
        ("seasons: {swimming: {start: '06-01'}}\n", "seasons.swimming.end"),
        ("seasons: {swimming: {start: '13-40', end: '08-31'}}\n", "seasons.swimming.start"),
        ("reminders: [a]\n", "reminders"),
    ],
)
def test_bad_values_name_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(f)
    assert info.value.file == str(f)
    assert f"'{field}'" in str(info.value)


def test_not_a_mapping_and_bad_yaml(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text("- 1\n")
    with pytest.raises(PolicyError, match="mapping"):
        load_policy(f)
    f.write_text("a: [\n")
    with pytest.raises(PolicyError, match="YAML"):
        load_policy(f)
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.yaml")


def test_a_date_yaml_refuses_is_one_line_with_the_file(tmp_path: Path) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text("send_hour: 9\nextra: 2025-13-01\n")
    with pytest.raises(PolicyError, match=r"not valid YAML: month must be in 1\.\.12") as info:
        load_policy(f)
    assert info.value.file == str(f)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ongoing_cadence: month\n", "one of year, half_year, quarter is wanted"),
        ("deadline_lead_days: 999\n", "a whole number at most 366 is wanted"),
        ("rule_pack: {ongoing_due_day: 40}\n", "a whole number at most 28 is wanted"),
        ("deadline_lead_days: abc\n", "a whole number is wanted"),
    ],
)
def test_what_is_wanted_is_said_in_words(tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "policy.yaml"
    f.write_text(text)
    with pytest.raises(PolicyError, match=words):
        load_policy(f)
