"""Many roadmaps in one database: listed, read together, named unambiguously."""

from __future__ import annotations

import pytest

from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("portfolio")

ALL = ["1302-б от 27.07.2020", "55-р от 01.02.2021", "1302-б от 15.03.2021"]  # by date


def test_roadmaps_lists_every_decree_with_its_state(capsys):
    listed = run(capsys, "roadmaps", "--json").json()
    assert [r["ref"] for r in listed] == ALL
    assert {r["state"] for r in listed} == {"действует"}
    assert all(r["obligations"] == 38 and r["open"] == 0 for r in listed)
    assert "по культуре" in listed[1]["issuer"].casefold()
    table = run(capsys, "roadmaps").out
    assert "55-р" in table and "3 roadmaps" in table


def test_reading_commands_cover_every_roadmap_in_force(capsys):
    items = run(capsys, "items", "--json").json()
    assert [entry["roadmap"]["ref"] for entry in items] == ALL
    assert all(len(entry["items"]) == 44 for entry in items)
    plan = run(capsys, "plan", "--from", "2022-01-01", "--to", "2022-01-31", "--json").json()
    assert {row["roadmap"] for row in plan} == set(ALL)
    one = run(capsys, "plan", "--roadmap", "55-р", "--from", "2022-01-01", "--to", "2022-01-31")
    assert one.code == 0 and "1302-б" not in one.out


def test_a_number_two_decrees_share_is_one_line_naming_both(capsys):
    result = run(capsys, "items", "--roadmap", "1302-б")
    assert result.code == 2
    assert "1302-б от 27.07.2020" in result.err and "1302-б от 15.03.2021" in result.err
    assert len(result.err.strip().splitlines()) == 1
    dated = run(capsys, "items", "--json", "--roadmap", "1302-б от 15.03.2021").json()
    assert [e["roadmap"]["adopted_on"] for e in dated] == ["2021-03-15"]
    iso = run(capsys, "items", "--json", "--roadmap", "1302-б@2020-07-27").json()
    assert [e["roadmap"]["adopted_on"] for e in iso] == ["2020-07-27"]
    unknown = run(capsys, "items", "--roadmap", "999")
    assert unknown.code == 2 and "no roadmap № 999" in unknown.err


def test_a_changing_command_needs_the_roadmap_when_several_are_in_force(capsys):
    result = run(capsys, "run", "1.3", "--period", "2021-01")
    assert result.code == 2
    assert "3 roadmaps are in force: name one with --roadmap" in result.err
    done = run(capsys, "run", "1.3", "--period", "2022-01", "--roadmap", "55-р", "--json")
    assert done.code == 0, done.err
    assert done.json()["created"] > 0
    status = run(capsys, "status", "--all", "--json", "--as-of", "2022-01-20").json()
    assert {a["roadmap"] for a in status["assignments"]} == {"55-р"}


def test_deployment_names_never_collide_and_say_the_decree(capsys, tmp_path):
    specs = run(
        capsys, "deployments", "build", "--output", str(tmp_path / "p.yaml"), "--json"
    ).json()
    names = [s["name"] for s in specs]
    assert len(names) == len(set(names)) == 3 * 38
    assert any(n.startswith("55-р · 1.3 Разработка") for n in names)
    # the seed's number is shared: its two decrees carry their dates
    assert any(n.startswith("1302-б от 27.07.2020 · 1.3 ") for n in names)
    assert any(n.startswith("1302-б от 15.03.2021 · 1.3 ") for n in names)
    assert {s["roadmap"] for s in specs} == set(ALL)
    assert all(f"№ {s['roadmap']}" in s["tags"] for s in specs)
