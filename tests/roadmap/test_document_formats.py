"""The seed in every format reads to the same decree as the seed's text.

The documents under data/formats were made from the seed by data/formats/make.py (LibreOffice
headless); .doc and RTF are read through LibreOffice, so they are skipped where it is missing.
"""

from __future__ import annotations

import pathlib

import pytest

from kontrol.roadmap.convert import office_binary
from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document, read_document_bytes

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "lenobl" / "000_e3bc991062043600.txt"
DATA = pathlib.Path(__file__).parent / "data" / "formats"
NEEDS_OFFICE = pytest.mark.skipif(office_binary() is None, reason="LibreOffice is not installed")
FORMATS = [
    "docx",
    "odt",
    "html",
    "pdf",
    pytest.param("rtf", marks=NEEDS_OFFICE),
    pytest.param("doc", marks=NEEDS_OFFICE),
]
PREAMBLE = (
    "kind", "number", "adopted_on", "authority", "title", "horizon_year", "points", "curators",
    "controller", "plan_title",
)  # fmt: skip


@pytest.fixture(scope="module")
def text_doc() -> RoadmapDocument:
    return read_document(SEED)


@pytest.fixture(scope="module", params=FORMATS)
def other(request: pytest.FixtureRequest) -> tuple[str, RoadmapDocument]:
    return request.param, read_document(DATA / f"seed.{request.param}")


def test_every_item_reads_as_in_the_text(
    text_doc: RoadmapDocument, other: tuple[str, RoadmapDocument]
) -> None:
    kind, doc = other
    assert doc.encoding == kind
    assert [i.number for i in doc.items] == [i.number for i in text_doc.items]
    for ours, theirs in zip(doc.items, text_doc.items, strict=True):
        assert ours.kind == theirs.kind, ours.number
        assert ours.title == theirs.title, ours.number
        assert ours.schedule_text == theirs.schedule_text, ours.number
        assert ours.executors_text == theirs.executors_text, ours.number
        assert ours.parent == theirs.parent, ours.number


def test_the_preamble_reads_as_in_the_text(
    text_doc: RoadmapDocument, other: tuple[str, RoadmapDocument]
) -> None:
    _, doc = other
    for name in PREAMBLE:
        assert getattr(doc, name) == getattr(text_doc, name), name


def test_nothing_is_warned_about(other: tuple[str, RoadmapDocument]) -> None:
    _, doc = other
    assert doc.warnings == () and doc.truncation is None


@pytest.mark.parametrize("kind", ["pdf", "html", "odt"])
def test_the_name_does_not_matter(kind: str, text_doc: RoadmapDocument) -> None:
    doc = read_document_bytes((DATA / f"seed.{kind}").read_bytes(), "decree.txt")
    assert doc.encoding == kind
    assert [i.number for i in doc.items] == [i.number for i in text_doc.items]


@pytest.mark.parametrize("kind", ["doc", "rtf"])
def test_without_libreoffice_the_message_names_what_to_install(
    kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    with pytest.raises(DocumentError) as caught:
        read_document(DATA / f"seed.{kind}")
    message = str(caught.value)
    assert "libreoffice-writer-nogui" in message and "\n" not in message
