"""The schedule grammar's built parser is kept in a cache file and is only ever a cache: the
parser loaded from it reads every phrase as the one just built, and a folder that cannot be
written or a file that holds rubbish changes nothing but the time it takes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from lark import Lark

from kontrol.roadmap.schedule.footnotes import lift_footnotes
from kontrol.roadmap.schedule.grammar_cache import cache_file, cached_parser
from kontrol.roadmap.schedule.normalisation import normalise
from kontrol.roadmap.schedule.parser import _parser, build_parser

GRAMMAR = (Path(__file__).parents[2] / "roadmap" / "schedule" / "grammar.lark").read_text(
    encoding="utf-8"
)
PHRASES = [
    "Ежеквартально, 2018-2025 г.г.",
    "Разработка: 1 квартал 2021 г. Реализация: 2020-2030 г.г.",
    "ежегодно, до 20 января",
    "III квартал 2021 года",
    "в течение купального сезона",
]


def _text(phrase: str) -> str:
    return lift_footnotes(normalise(phrase))[0]


def _count_builds() -> tuple[list[int], Callable[[], Lark]]:
    builds: list[int] = []

    def build() -> Lark:
        builds.append(1)
        return build_parser(GRAMMAR)

    return builds, build


def test_the_parser_from_the_cache_reads_as_the_one_built(tmp_path: Path) -> None:
    builds, build = _count_builds()
    first = cached_parser(GRAMMAR, build, tmp_path)
    assert cache_file(GRAMMAR, tmp_path).exists()
    second = cached_parser(GRAMMAR, build, tmp_path)
    assert builds == [1] and second is not first
    for phrase in PHRASES:
        assert (
            second.parse(_text(phrase))
            == first.parse(_text(phrase))
            == _parser().parse(_text(phrase))
        )


def test_a_rubbish_cache_file_is_built_again_and_replaced(tmp_path: Path) -> None:
    cache_file(GRAMMAR, tmp_path).write_bytes(b"not a pickle")
    builds, build = _count_builds()
    parser = cached_parser(GRAMMAR, build, tmp_path)
    assert builds == [1] and parser.parse(_text(PHRASES[0]))
    assert cache_file(GRAMMAR, tmp_path).read_bytes() != b"not a pickle"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_folder_that_cannot_be_written_only_costs_the_build(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        builds, build = _count_builds()
        parser = cached_parser(GRAMMAR, build, tmp_path / "kontrol")
        assert builds == [1] and parser.parse(_text(PHRASES[1]))
    finally:
        tmp_path.chmod(0o700)


def test_a_cache_folder_that_is_a_file_only_costs_the_build(tmp_path: Path) -> None:
    (tmp_path / "kontrol").write_text("a file where the folder would be")
    builds, build = _count_builds()
    parser = cached_parser(GRAMMAR, build, tmp_path / "kontrol")
    assert builds == [1] and parser.parse(_text(PHRASES[2]))


def test_another_grammar_gets_another_file(tmp_path: Path) -> None:
    assert cache_file(GRAMMAR, tmp_path) != cache_file(GRAMMAR + "\n", tmp_path)
