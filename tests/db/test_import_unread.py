"""A phrase kontrol does not read never stops an import (issue 18): without --strict the item is
imported «не распознано», listed so by `kontrol items`, and the warning names the closest
understood forms; with --strict it is an error, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontrol.roadmap.schedule import parse_schedule
from kontrol.roadmap.schedule.closest import FORMS, closest_forms
from tests.cli_runner import run

pytestmark = pytest.mark.usefixtures("kontrol_env")
UNREAD = "Ежегодно, в пору цветения"


def _decree(seed: Path, tmp: Path) -> Path:
    text = seed.read_text(encoding="utf-8")
    assert "Ежегодно, 1 квартал," in text
    path = tmp / "decree.txt"
    path.write_text(text.replace("Ежегодно, 1 квартал,", UNREAD, 1), encoding="utf-8")
    return path


def test_every_suggested_form_is_understood() -> None:
    for form in FORMS:
        parse_schedule(form)
    assert "ежегодно, январь" in closest_forms("ежегодно в январе месяце")


def test_unread_item_is_imported_and_listed(capsys, seed_path, directory_path, tmp_path) -> None:
    path = _decree(seed_path, tmp_path)
    result = run(capsys, "import", str(path), "--directory", str(directory_path), "--json")
    assert result.code == 0, result.err
    [warning] = [w for w in result.json()["warnings"] if "item 6.3" in w]
    assert "не распознано" in warning and "closest understood forms: «ежегодно" in warning
    items = {i["number"]: i for i in run(capsys, "items", "--json").json()[0]["items"]}
    assert items["6.3"]["schedule_understood"] is False
    assert items["6.2"]["schedule_understood"] is True
    table = run(capsys, "items").out
    assert "не распознано" in table


def test_unread_item_with_strict_is_exit_2(capsys, seed_path, directory_path, tmp_path) -> None:
    path = _decree(seed_path, tmp_path)
    args = ("import", str(path), "--directory", str(directory_path), "--strict")
    result = run(capsys, *args)
    assert result.code == 2 and "item 6.3" in result.err and "not understood" in result.err
