"""Fuzzing the importers and the schedule parser with mutations of the seed and the catalogue.

- ``kontrol import`` of the seed mutated as text and as .docx, on SQLite: every outcome is a
  success or one line «kontrol: error: …» with exit code 2 and the database exactly as it was
  (every table compared row by row).  The database already holds the seed, so a mutation also
  goes through the «differs» and, with ``--update``, the applying path.
- mutations blown up to megabytes, read in a child process: its peak memory stays bounded.
- the schedule parser on arbitrary text and mutated catalogue phrases: a schedule (whose
  occurrences compute) or a ScheduleError, nothing else.

Deterministic (``derandomize``) and bounded in examples: some 25 s of CPU for the whole file.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, create_engine, select

from kontrol.cli import main
from kontrol.roadmap.errors import ScheduleError
from kontrol.roadmap.occurrences import occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.reader import read_document
from kontrol.roadmap.schedule import parse_schedule
from kontrol.roadmap.workcalendar import WorkCalendar
from tests.cli_runner import run
from tests.roadmap.test_document_docx import build_docx
from tests.roadmap.test_hostile_files import PEAK_BOUND_MB, MiB, run_child
from tests.roadmap.test_schedule_properties import PHRASES

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
DIRECTORY = ROOT / "examples" / "lenobl" / "directory.yaml"
SEED_BYTES = SEED.read_bytes()
TOKENS = [
    b"\t", b"\n", b"\r\n", b"\r", b" ", b"\x00", b"\xd0", b"\xff\xfe", b"\xef\xbb\xbf",
    "«".encode(), "»".encode(), b"6.3", b"1.", b"3.1.1.", b"99", b"2030", b"2031-2020",
    "Ежегодно".encode(), "квартал".encode(), "Постоянно".encode(), "по отдельному плану".encode(),
    "№ п/п\tНаименование\tСроки\tИсполнители".encode(), b"<p>", b"</ul>", b"&amp;", b"&#0;",
    "Приложение 2".encode(), "включает 9 разделов".encode(), "31 июня".encode(),
]  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8-r"]
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Flips, deletions, insertions, duplicated or swapped spans, a cut, an encoding change."""
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        at = draw(st.integers(0, size))
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "cut", "swap"]))
        if op == "flip" and size:
            at = min(at, size - 1)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 400)) :]
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from(TOKENS)) + data[at:]
        elif op == "duplicate":
            data = data[:at] + data[at : at + draw(st.integers(1, 2000))] + data[at:]
        elif op == "cut":
            data = data[: max(at, 1)]
        elif op == "swap":
            other = draw(st.integers(0, size))
            a, b = sorted((at, other))
            data = data[:a] + data[b:] + data[a:b]
    encoding = draw(st.sampled_from([None, None, *ENCODINGS]))
    if encoding:
        text = data.decode("utf-8", errors="replace")
        data = text.encode(encoding, errors="replace")
    return data


def _docx_parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return {i.filename: package.read(i) for i in package.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in parts.items():
            package.writestr(name, body)
    return buffer.getvalue()


@st.composite
def docx_mutations(draw: st.DrawFn, parts: dict[str, bytes], raw: bytes) -> bytes:
    """Mutated XML parts, dropped or added parts, or damage to the zip bytes themselves."""
    kind = draw(st.sampled_from(["part", "part", "part", "drop", "add", "zip"]))
    if kind == "zip":
        return draw(byte_mutations(raw))
    parts = dict(parts)
    if kind == "drop":
        del parts[draw(st.sampled_from(sorted(parts)))]
    elif kind == "add":
        name = draw(st.sampled_from(["word/media/x.png", "word/extra.xml", "../evil.xml"]))
        parts[name] = draw(st.sampled_from([b"", b"<a/>", b"<a>" * 300, b"\x89PNG" * 1000]))
    else:
        name = draw(st.sampled_from(["word/document.xml"] * 4 + sorted(parts)))
        parts[name] = draw(byte_mutations(parts[name]))
    return _zip(parts)


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(
                    (tuple(map(repr, row)) for row in connection.execute(select(table))),
                )
                for name, table in meta.tables.items()
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database holding the imported seed, copied for every example."""
    path = tmp_path_factory.mktemp("seeded") / "seed.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KONTROL_DATABASE_URL", f"sqlite:///{path}")
        patch.delenv("KONTROL_DIRECTORY", raising=False)
        try:
            main(["import", str(SEED), "--directory", str(DIRECTORY), "--json"])
        except SystemExit as exc:
            assert not exc.code
    return path


@pytest.fixture
def fuzz_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("KONTROL_SMTP_PORT", "1")
    monkeypatch.delenv("KONTROL_DIRECTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def seed_docx() -> bytes:
    return build_docx(read_document(SEED))


def _check_import(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seeded: Path,
    work: Path,
    data: bytes,
    name: str,
    options: list[str],
) -> None:
    database = work / "fuzz.db"
    for stale in work.glob("fuzz.db*"):
        stale.unlink()
    shutil.copyfile(seeded, database)
    url = f"sqlite:///{database}"
    monkeypatch.setenv("KONTROL_DATABASE_URL", url)
    decree = work / name
    decree.write_bytes(data)
    before = _dump(url)
    result = run(capsys, "import", str(decree), "--directory", str(DIRECTORY), *options)
    if result.code == 0:
        return
    assert result.code == 2, (result.code, result.err)
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("kontrol: error:"), result.err
    assert len(lines) == 1 or "not in the directory (--strict)" in lines[0], result.err
    assert _dump(url) == before


OPTIONS = st.sampled_from([[], ["--strict"], ["--update"], ["--json", "--update"]])


@FUZZ
@given(data=st.data())
def test_mutated_text_imports_or_fails_cleanly(
    data: st.DataObject,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seeded: Path,
    fuzz_env: Path,
) -> None:
    mutated = data.draw(byte_mutations(SEED_BYTES))
    name = data.draw(st.sampled_from(["decree.txt", "decree", "decree.docx"]))
    _check_import(capsys, monkeypatch, seeded, fuzz_env, mutated, name, data.draw(OPTIONS))


@FUZZ
@given(data=st.data())
def test_mutated_docx_imports_or_fails_cleanly(
    data: st.DataObject,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seeded: Path,
    seed_docx: bytes,
    fuzz_env: Path,
) -> None:
    mutated = data.draw(docx_mutations(_docx_parts(seed_docx), seed_docx))
    _check_import(capsys, monkeypatch, seeded, fuzz_env, mutated, "decree.docx", data.draw(OPTIONS))


@st.composite
def blown_up(draw: st.DrawFn, data: bytes) -> bytes:
    """A mutation repeated until the file is megabytes: rows, lines, tabs, or one long cell."""
    data = draw(byte_mutations(data))
    at = draw(st.integers(0, len(data)))
    span = draw(st.sampled_from([b"\t", b"\n", b"x", b"\t\xd0\xb0\n", None]))
    if span is None:
        span = data[at : at + draw(st.integers(1, 3000))] or b"\n"
    times = draw(st.integers(1_000, 9 * MiB)) // len(span)
    return data[:at] + span * times + data[at:]


READ_ALL = """
import pathlib
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document
for name in sys.argv:
    try:
        document = read_document(pathlib.Path(name))
    except DocumentError as exc:
        print("refused:", str(exc)[:100])
    else:
        print("read:", len(document.items))
"""


@settings(max_examples=3, deadline=None, derandomize=True)
@given(data=st.data())
def test_blown_up_mutations_are_read_in_bounded_memory(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        paths = []
        for n, body in enumerate(data.draw(st.lists(blown_up(SEED_BYTES), min_size=6, max_size=6))):
            path = folder / f"decree-{n}.txt"
            path.write_bytes(body)
            paths.append(str(path))
        child = run_child(READ_ALL, paths, folder)
    assert child.code == 0 and not child.err, child.err
    assert len(child.out.splitlines()) == len(paths)
    assert child.peak_mb < PEAK_BOUND_MB, child


SCHEDULE_WORDS = [
    "ежегодно", "ежеквартально", "ежемесячно", "постоянно", "по отдельному плану", "до", "с",
    "по", "не позднее", "в течение", "после", "квартал", "полугодие", "месяц", "год", "г.", "гг.",
    "г.г.", "раз в", "не реже", "января", "июня", "декабря", "1", "4", "12", "13", "29", "31",
    "32", "0", "2020", "2030", "9999", "99999999999999999999", "IV", "первый", "-", "—", "/",
    ":", ",", ";", ".", "(", ")", "учебного года", "Разработка:", "рабочих дней",
    "поступления запроса", "числа", "следующего за отчетным", "\u00a0", "ё", "٢٠٢٠", "２０２０",
]  # fmt: skip
CAL = WorkCalendar()


def _schedule_or_schedule_error(phrase: str) -> None:
    try:
        schedule = parse_schedule(phrase, item="x")
    except ScheduleError as exc:
        assert str(exc)
        return
    occurrences(
        schedule, adopted=date(2020, 7, 27), horizon_year=2031, policy=Policy(), calendar=CAL
    )


PARSER_FUZZ = settings(max_examples=120, deadline=None, derandomize=True)


@PARSER_FUZZ
@given(st.text(max_size=300))
def test_the_schedule_parser_on_arbitrary_text(phrase: str) -> None:
    _schedule_or_schedule_error(phrase)


@PARSER_FUZZ
@given(phrase=st.sampled_from(PHRASES), data=st.data())
def test_the_schedule_parser_on_mutated_catalogue_phrases(phrase: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(phrase)))
        op = data.draw(st.sampled_from(["word", "delete", "text", "append", "repeat"]))
        if op == "word":
            phrase = phrase[:at] + data.draw(st.sampled_from(SCHEDULE_WORDS)) + phrase[at:]
        elif op == "delete":
            phrase = phrase[:at] + phrase[at + data.draw(st.integers(1, 5)) :]
        elif op == "text":
            phrase = phrase[:at] + data.draw(st.text(max_size=3)) + phrase[at:]
        elif op == "append":
            phrase += data.draw(st.sampled_from([" ", ", ", ". "])) + data.draw(
                st.sampled_from(PHRASES)
            )
        else:
            phrase = phrase[:at] + phrase[at : at + data.draw(st.integers(1, 30))] * 3 + phrase[at:]
    _schedule_or_schedule_error(phrase)
