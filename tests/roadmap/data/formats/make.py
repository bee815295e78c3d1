"""Make the seed in every format kontrol reads: python -m tests.roadmap.data.formats.make

The .docx is the one tests/roadmap/test_document_docx.py builds from the seed's rows (its plan
split in two tables, the second with a repeated header; merged header cells; section rows
merged over the whole width; its titles in one paragraph each), ruled and on landscape pages
as plans are printed.  LibreOffice headless (Debian's libreoffice-writer-nogui) then saves it
as PDF, ODT, RTF, Word 97 .doc and HTML.  The files are committed, so the tests need
LibreOffice only to read .doc and RTF.
"""

from __future__ import annotations

import io
import pathlib
import subprocess
import tempfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from kontrol.roadmap.reader import read_document
from tests.roadmap.test_document_docx import SEED, build_docx

HERE = pathlib.Path(__file__).resolve().parent
WIDTHS = (1.6, 11.0, 5.5, 7.5)  # cm: №, title, schedule, executors
FILTERS = {
    "pdf": "pdf:writer_pdf_Export",
    "odt": "odt",
    "rtf": "rtf",
    "doc": "doc:MS Word 97",
    "html": "html:HTML (StarWriter)",
}


def main() -> None:
    text_doc = read_document(SEED)
    document = Document(io.BytesIO(build_docx(text_doc)))
    whole = {i.title for i in text_doc.items if "\n" not in i.title}
    for paragraph in document.paragraphs:
        if "\t" in paragraph.text:  # the text export's header line: the table has its own
            paragraph._p.getparent().remove(paragraph._p)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE  # as plans are printed
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2)
    for table in document.tables:
        table.style = "Table Grid"  # ruled, as decrees print their plans
        table.autofit = False
        for column, width in zip(table.columns, WIDTHS, strict=True):
            column.width = Cm(width)
        for row in table.rows:  # columns wide enough for the longest words, as printed
            for cell, width in zip(row.cells, WIDTHS, strict=True):
                cell.width = Cm(width)
                joined = " ".join(p.text for p in cell.paragraphs)
                if len(cell.paragraphs) > 1 and joined in whole:
                    cell.text = joined  # build_docx splits long titles: one paragraph here
    buffer = io.BytesIO()
    document.save(buffer)
    docx = buffer.getvalue()
    (HERE / "seed.docx").write_bytes(docx)
    with tempfile.TemporaryDirectory() as folder:
        profile = pathlib.Path(folder, "profile").as_uri()
        for suffix, target in FILTERS.items():
            subprocess.run(
                ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                 target, "--outdir", folder, str(HERE / "seed.docx")],
                check=True, capture_output=True,
            )  # fmt: skip
            made = pathlib.Path(folder, "seed." + suffix)
            (HERE / f"seed.{suffix}").write_bytes(made.read_bytes())


if __name__ == "__main__":
    main()
