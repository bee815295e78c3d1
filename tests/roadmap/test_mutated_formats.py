"""Mutated PDF, HTML and ODT decrees give a document or one DocumentError, never a traceback."""

from __future__ import annotations

import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.reader import read_document_bytes

DATA = pathlib.Path(__file__).parent / "data" / "formats"
EXAMPLES = {"html": 40, "odt": 25, "pdf": 8}


@st.composite
def mutations(draw: st.DrawFn, raw: bytes) -> bytes:
    """Bytes flipped, a span cut out, or the file cut short, at drawn places."""
    data = bytearray(raw)
    how = draw(st.sampled_from(["flip", "cut", "truncate"]))
    at = draw(st.integers(0, len(data) - 1))
    if how == "flip":
        for offset in range(draw(st.integers(1, 16))):
            if at + offset < len(data):
                data[at + offset] = draw(st.integers(0, 255))
    elif how == "cut":
        del data[at : at + draw(st.integers(1, 4096))]
    else:
        del data[max(at, 8) :]
    return bytes(data)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_a_mutated_file_reads_or_fails_cleanly(kind: str) -> None:
    raw = (DATA / f"seed.{kind}").read_bytes()

    @settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(mutations(raw))
    def check(data: bytes) -> None:
        try:
            document = read_document_bytes(data, f"decree.{kind}")
        except DocumentError as exc:
            assert "\n" not in str(exc)
            return
        assert isinstance(document, RoadmapDocument)

    check()
