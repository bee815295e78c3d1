"""The directory file: the example loads as documented, and every mistake names file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kontrol.roadmap.directory import Body, Directory, load_directory, load_directory_text
from kontrol.roadmap.errors import DirectoryError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "lenobl" / "directory.yaml"
RESERVED = ("example.org", "example.com", "example.net", "example")
MUNICIPAL = [
    "mo-boksitogorsky",
    "mo-volosovsky",
    "mo-volkhovsky",
    "mo-vsevolozhsky",
    "mo-vyborgsky",
    "mo-gatchinsky",
    "mo-kingiseppsky",
    "mo-kirishsky",
    "mo-kirovsky",
    "mo-lodeynopolsky",
    "mo-lomonosovsky",
    "mo-luzhsky",
    "mo-podporozhsky",
    "mo-priozersky",
    "mo-slantsevsky",
    "mo-tikhvinsky",
    "mo-tosnensky",
    "mo-sosnovoborsky",
]


@pytest.fixture(scope="module")
def lenobl() -> Directory:
    return load_directory(EXAMPLE)


# ── the example directory ────────────────────────────────────────────────────────────────────


def test_example_loads(lenobl: Directory) -> None:
    assert lenobl.source == str(EXAMPLE)
    committee = lenobl["committee"]
    assert committee.name == "Комитет общего и профессионального образования Ленинградской области"
    assert committee.example is False
    assert lenobl["committee"].line is not None


def test_every_email_is_on_a_reserved_example_domain(lenobl: Directory) -> None:
    addresses = [a for body in lenobl for a in body.emails]
    assert addresses
    for address in addresses:
        domain = address.rpartition("@")[2].lower()
        assert any(domain == d or domain.endswith("." + d) for d in RESERVED), address


def test_municipal_group_expands_to_18_authorities(lenobl: Directory) -> None:
    assert lenobl.expand("municipal-authorities") == MUNICIPAL
    assert all(lenobl[b].kind == "municipal_authority" for b in MUNICIPAL)


def test_nested_groups_expand_to_leaves(lenobl: Directory) -> None:
    leaves = lenobl.expand("edu-orgs")
    assert "michurinsky" in leaves and "example-school-1" in leaves
    assert all(not lenobl[b].is_group for b in leaves)
    assert len(leaves) == len(set(leaves))
    assert lenobl.expand("loiro") == ["loiro"]


def test_escalation_as_designed(lenobl: Directory) -> None:
    assert lenobl["deputy-chair"].escalates_to is None
    assert lenobl["deputy-chair"].role == "controller"
    assert lenobl["deputy-chair"].person == "А.С. Огарков"
    for unit in ("committee", "dept-general", "dept-vocational", "loiro"):
        assert lenobl[unit].escalates_to == "deputy-chair"
    assert {lenobl[b].escalates_to for b in MUNICIPAL} == {"dept-general"}
    assert lenobl["example-school-1"].escalates_to == "dept-general"
    assert lenobl["example-college-1"].escalates_to == "dept-vocational"
    assert lenobl.escalation_chain("example-school-1") == ["dept-general", "deputy-chair"]
    curators = {b.id: b.person for b in lenobl if b.role == "curator"}
    assert curators == {
        "dept-general": "Винокуров М.В.",
        "dept-vocational": "Голованов М.В.",
        "loiro": "Ковальчук О.В.",
    }


def test_groups_have_example_members(lenobl: Directory) -> None:
    for group in (b for b in lenobl if b.is_group):
        assert group.example is False, group.id  # the collective names are in the decree
        for leaf in lenobl.expand(group.id):
            body = lenobl[leaf]
            assert body.example or leaf in {"michurinsky"} or leaf.startswith("mo-"), leaf
    assert all(lenobl[b].name.startswith("Пример:") for b in lenobl.expand("employers"))


def test_expand_is_cycle_safe_for_directories_built_in_code() -> None:
    a = Body(id="a", name="A", kind="group", members=("b", "x"))
    b = Body(id="b", name="B", kind="group", members=("a", "x", "y"))
    x = Body(id="x", name="X", kind="unit")
    y = Body(id="y", name="Y", kind="unit")
    assert Directory("code", (a, b, x, y)).expand("a") == ["x", "y"]


# ── validation ───────────────────────────────────────────────────────────────────────────────

GOOD = """\
version: 1
bodies:
  - id: top
    name: Начальник
    kind: official
    emails: [boss@example.org]
  - id: unit
    name: Отдел
    kind: unit
    escalates_to: top
  - id: all
    name: все
    kind: group
    members: [unit]
"""


def load(text: str) -> Directory:
    return load_directory_text(textwrap.dedent(text), "dir.yaml")


def fails(text: str, line: int | None, *words: str) -> DirectoryError:
    with pytest.raises(DirectoryError) as info:
        load(text)
    err = info.value
    assert err.file == "dir.yaml"
    assert err.line == line, str(err)
    shown = str(err)
    assert shown.startswith(f"dir.yaml:{line}:" if line else "dir.yaml:"), shown
    for word in words:
        assert word in shown, shown
    return err


def test_good_minimal_directory_loads() -> None:
    directory = load(GOOD)
    assert [b.id for b in directory] == ["top", "unit", "all"]
    assert [b.line for b in directory] == [3, 7, 11]
    assert directory.expand("all") == ["unit"]


def test_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert len(load_directory(path)) == 3
    with pytest.raises(DirectoryError, match="cannot read"):
        load_directory(tmp_path / "missing.yaml")


def test_yaml_syntax_error_has_line() -> None:
    fails(GOOD.replace("name: Отдел", "name: Отдел: снова"), 8, "YAML syntax error")


def test_empty_and_version() -> None:
    fails("", None, "empty")
    fails("version: 2\nbodies: []\n", 1, "version")
    fails("bodies: []\n", 1, "version")


def test_missing_id_and_name() -> None:
    fails(GOOD.replace("  - id: unit\n", "  - kind_of: x\n"), 7, "unknown key «kind_of»")
    fails(GOOD.replace("    name: Отдел\n", ""), 7, "without «name»")
    fails(GOOD.replace("  - id: unit\n    name: Отдел\n", "  - name: Отдел\n"), 7, "«id»")


def test_duplicate_id() -> None:
    fails(GOOD.replace("id: all", "id: unit"), 11, "duplicate id «unit»", "line 7")


def test_bad_id_characters() -> None:
    fails(GOOD.replace("id: unit", "id: Отдел 1"), 7, "bad id")


def test_escalates_to_unknown_id() -> None:
    fails(GOOD.replace("escalates_to: top", "escalates_to: tpo"), 10, "«unit»", "«tpo»")


def test_unknown_member() -> None:
    fails(GOOD.replace("members: [unit]", "members: [unit, nobody]"), 14, "«nobody»")


def test_group_without_members() -> None:
    fails(GOOD.replace("    members: [unit]\n", ""), 11, "needs members")
    fails(GOOD.replace("members: [unit]", "members: []"), 14, "needs members")


def test_members_only_for_groups() -> None:
    fails(GOOD.replace("kind: group", "kind: unit"), 14, "only a body of kind «group»")


def test_escalation_cycle() -> None:
    text = GOOD.replace("emails: [boss@example.org]", "escalates_to: unit")
    fails(text, 6, "cycle", "top → unit → top")


def test_group_membership_cycle() -> None:
    text = GOOD + "  - id: ring\n    name: круг\n    kind: group\n    members: [all, ring]\n"
    fails(text, 18, "cycle in group membership")


@pytest.mark.parametrize(
    "address",
    ["boss.example.org", "boss@", "boss@example", "Boss <boss@example.org>", "a b@example.org"],
)
def test_bad_email(address: str) -> None:
    err = fails(GOOD.replace("boss@example.org", f"'{address}'"), 6, "«top»", "e-mail")
    assert err.text == address


def test_unknown_keys_are_rejected() -> None:
    fails(GOOD.replace("escalates_to: top", "escalate_to: top"), 10, "unknown key «escalate_to»")
    fails(GOOD + "bodys: []\n", 15, "unknown key «bodys»")


def test_unknown_kind_and_role() -> None:
    fails(GOOD.replace("kind: unit", "kind: unti"), 9, "unknown kind «unti»")
    fails(GOOD.replace("kind: unit", "kind: unit\n    role: boss"), 10, "curator or controller")


def test_wrong_types() -> None:
    fails(GOOD.replace("kind: unit", "kind: unit\n    example: maybe"), 10, "true or false")
    fails(GOOD.replace("emails: [boss@example.org]", "emails: boss@example.org"), 6, "list")
    fails("version: 1\nbodies:\n  - just a name\n", 3, "mapping")


def test_duplicate_key() -> None:
    fails(GOOD.replace("name: Отдел", "name: Отдел\n    name: Отдел 2"), 9, "duplicate key")
