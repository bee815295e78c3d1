"""Three decrees in one database: the seed, a decree with the seed's number of another date,
and one of another issuer — sharing the directory of bodies (generated from the seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run

SEED_DATE = "«27» июля 2020 года № 1302-б"


def variant(seed: Path, folder: Path, name: str, date_line: str, issuer: str | None = None) -> Path:
    text = seed.read_text(encoding="utf-8")
    assert SEED_DATE in text
    text = text.replace(SEED_DATE, date_line, 1)
    if issuer:
        text = text.replace("ОБЩЕГО И ПРОФЕССИОНАЛЬНОГО ОБРАЗОВАНИЯ", issuer, 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def portfolio(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    seed_path: Path,
    directory_path: Path,
    tmp_path: Path,
) -> dict[str, Path]:
    files = {
        "1302-б от 27.07.2020": seed_path,
        "1302-б от 15.03.2021": variant(
            seed_path, tmp_path, "later.txt", "«15» марта 2021 года № 1302-б"
        ),
        "55-р от 01.02.2021": variant(
            seed_path, tmp_path, "other.txt", "«01» февраля 2021 года № 55-р", "ПО КУЛЬТУРЕ"
        ),
    }
    for path in files.values():
        result = run(capsys, "import", str(path), "--directory", str(directory_path))
        assert result.code == 0, result.err
    return files
