"""Hostile files are refused (or read) within bounded memory, measured in a child process.

Every file is generated here, small on disk: a zip bomb compresses 256 MiB of XML into a few
hundred KB, and the 2 GiB text file is sparse.  The bound is on the child's peak resident set
(``ru_maxrss`` of exactly that child, from ``os.wait4``): a memory bound, not a timing one.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document
from tests.roadmap.test_document_docx import build_docx

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
DIRECTORY = ROOT / "examples" / "lenobl" / "directory.yaml"
MiB = 1024 * 1024
PEAK_BOUND_MB = 200
# The child writes its own peak (VmHWM of its address space) when it exits.  ``ru_maxrss``
# from wait4 would not do: with vfork it starts at the parent's peak, pytest's own.
PEAK = """
import atexit, os, runpy, sys

def _peak():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["KONTROL_TEST_PEAK_FILE"], "w") as out:
        out.write(peak)

atexit.register(_peak)
sys.argv = sys.argv[1:]
"""
READ = """
import pathlib
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document
try:
    document = read_document(pathlib.Path(sys.argv[0]))
except DocumentError as exc:
    print("refused:", exc)
else:
    print("read:", len(document.activities), "activities,", len(document.warnings), "warnings")
"""
KONTROL = """
runpy.run_module("kontrol", run_name="__main__", alter_sys=True)
"""


@dataclass
class Child:
    code: int
    out: str
    err: str
    peak_mb: float


def run_child(
    code: str,
    args: list[str],
    tmp: Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Child:
    """Run ``code`` in a fresh interpreter with ``args``; its outcome and its peak RSS.

    ``timeout`` only stops a child that would never end (it is no measure of speed).
    """
    peak = tmp / "peak"
    result = subprocess.run(
        [sys.executable, "-c", PEAK + code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "KONTROL_TEST_PEAK_FILE": str(peak)},
        cwd=ROOT,
        check=False,
        timeout=timeout,
    )
    return Child(result.returncode, result.stdout, result.stderr, int(peak.read_text()) / 1024)


def read_in_child(path: Path) -> Child:
    return run_child(READ, [str(path)], path.parent)


@pytest.fixture(scope="module")
def seed_docx() -> bytes:
    return build_docx(read_document(SEED))


def _repack(docx: bytes, path: Path, replace: dict[str, object]) -> Path:
    """Copy the package to ``path``; ``replace`` maps a part to bytes or a chunk iterable."""
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        names = [i.filename for i in source.infolist()]
        for name in [*names, *(n for n in replace if n not in names)]:
            body = replace.get(name, source.read(name) if name in names else b"")
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in [body] if isinstance(body, bytes) else body:  # type: ignore[union-attr]
                    part.write(chunk)
    return path


def _spaces(total: int, head: bytes = b"", tail: bytes = b""):  # type: ignore[no-untyped-def]
    yield head
    chunk = b" " * MiB
    for _ in range(total // MiB):
        yield chunk
    yield tail


def test_a_zip_bomb_document_xml_is_refused_before_it_is_inflated(
    seed_docx: bytes, tmp_path: Path
) -> None:
    xml = zipfile.ZipFile(io.BytesIO(seed_docx)).read("word/document.xml")
    head, tail = xml.split(b"<w:body>")
    bomb = _repack(
        seed_docx,
        tmp_path / "bomb.docx",
        {"word/document.xml": _spaces(256 * MiB, head + b"<w:body>", tail)},
    )
    assert bomb.stat().st_size < 2 * MiB
    child = read_in_child(bomb)
    assert child.out.startswith("refused: bomb.docx: the .docx part word/document.xml unpacks")
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_a_picture_is_never_inflated(seed_docx: bytes, tmp_path: Path) -> None:
    """A 300 MiB picture (compressible here, so small on disk) costs nothing to read."""
    path = _repack(
        seed_docx, tmp_path / "picture.docx", {"word/media/image1.png": _spaces(300 * MiB)}
    )
    child = read_in_child(path)
    assert child.out.startswith("read: 34 activities"), child
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_a_2_gib_text_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(SEED.read_bytes())
    os.truncate(path, 2 * 1024 * MiB)  # sparse: nothing written to disk
    child = read_in_child(path)
    assert "refused: huge.txt: the file is 2,147,483,648 bytes" in child.out, child
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "decree.txt"
    os.mkfifo(pipe)
    child = run_child(READ, [str(pipe)], tmp_path, timeout=120)  # it would block for ever
    assert child.out.startswith("refused: decree.txt: not a regular file"), child


def test_millions_of_short_lines_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_bytes(SEED.read_bytes() + b"ab\n" * (7 * MiB // 3))
    child = read_in_child(path)
    assert "refused: lines.txt: the file has more than 200,000 lines" in child.out, child
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_lines_outside_the_plan_are_counted_not_kept(tmp_path: Path) -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    junk = "строка вне таблицы\n" * 190_000
    path = tmp_path / "junk.txt"
    path.write_text("\n".join(lines[:60]) + "\n" + junk + "\n".join(lines[60:]), encoding="utf-8")
    child = read_in_child(path)
    assert child.out.startswith("read: 34 activities, 21 warnings"), child
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_too_many_xml_elements_are_refused_before_parsing(seed_docx: bytes, tmp_path: Path) -> None:
    xml = zipfile.ZipFile(io.BytesIO(seed_docx)).read("word/document.xml")
    head, tail = xml.split(b"<w:body>")
    rows = (b"<w:p w:rsidR='%08X'/>" % n for n in range(400_000))
    path = _repack(
        seed_docx, tmp_path / "nodes.docx", {"word/document.xml": [head + b"<w:body>", *rows, tail]}
    )
    child = read_in_child(path)
    assert "more than 250,000 XML elements and attributes" in child.out, child
    assert child.peak_mb < PEAK_BOUND_MB, child


def test_a_package_of_thousands_of_entries_is_refused(seed_docx: bytes, tmp_path: Path) -> None:
    path = _repack(
        seed_docx, tmp_path / "entries.docx", {f"word/x{n}.bin": b"" for n in range(3_000)}
    )
    child = read_in_child(path)
    assert "entries, more than the 1,000" in child.out, child


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("../../evil.xml", "unsafe part name"),
        ("/word/x.xml", "unsafe part name"),
        ("/".join(["deep"] * 40) + "/x.xml", "nested too deep"),
        ("WORD/DOCUMENT.XML", "twice"),
    ],
)
def test_strange_part_names_are_refused(
    name: str, needle: str, seed_docx: bytes, tmp_path: Path
) -> None:
    path = _repack(seed_docx, tmp_path / "names.docx", {name: b"<a/>"})
    with pytest.raises(DocumentError, match=needle):
        read_document(path)


def test_kontrol_import_refuses_the_bomb_in_bounded_memory_and_writes_nothing(
    seed_docx: bytes, tmp_path: Path
) -> None:
    xml = zipfile.ZipFile(io.BytesIO(seed_docx)).read("word/document.xml")
    head, tail = xml.split(b"<w:body>")
    bomb = _repack(
        seed_docx,
        tmp_path / "bomb.docx",
        {"word/document.xml": _spaces(256 * MiB, head + b"<w:body>", tail)},
    )
    database = tmp_path / "kontrol.db"
    child = run_child(
        KONTROL,
        ["kontrol", "import", str(bomb), "--directory", str(DIRECTORY)],
        tmp_path,
        env={"KONTROL_DATABASE_URL": f"sqlite:///{database}", "KONTROL_DIRECTORY": ""},
    )
    assert child.code == 2, child
    assert child.err.strip().startswith("kontrol: error: bomb.docx: the .docx part")
    assert len(child.err.strip().splitlines()) == 1
    assert child.peak_mb < PEAK_BOUND_MB, child
    assert not database.exists()
