"""Old Word (``.doc``) and RTF decrees, converted to ``.docx`` by LibreOffice headless.

No Python library reads Word 97's binary format, and the RTF libraries give text only
(striprtf turns a table into «|»-separated lines and loses the paragraphs inside its cells), so
both go through LibreOffice's own import filters, which keep tables, merged cells and
paragraphs, and the result is read by :mod:`roadmap.docx_format` like any ``.docx``.  Debian's
``libreoffice-writer-nogui`` is enough (``scripts/office.sh`` installs it); without it the
message names what to install.  LibreOffice runs with a throwaway profile in a temporary
folder, with a time limit, and what it writes is bounded before it is read.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import BinaryIO

from kontrol.roadmap.errors import DocumentError
from kontrol.roadmap.limits import MAX_CONVERTED_BYTES, MiB

TIMEOUT_SECONDS = 120
_NAMES = {"doc": "old Word (.doc)", "rtf": "RTF"}
INSTALL_HINT = "apt-get install --no-install-recommends libreoffice-writer-nogui"


def office_binary() -> str | None:
    """The LibreOffice command on the PATH, if it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(stream: BinaryIO, kind: str, *, file: str) -> bytes:
    """The ``.docx`` LibreOffice makes of a ``.doc`` or RTF file (``kind``: doc or rtf)."""
    name = _NAMES[kind]
    binary = office_binary()
    if binary is None:
        raise DocumentError(
            f"reading {name} files needs LibreOffice, which is not installed: "
            f"{INSTALL_HINT} (or save the decree as .docx)",
            file=file,
        )
    stream.seek(0)
    data = stream.read(MAX_CONVERTED_BYTES + 1)
    if len(data) > MAX_CONVERTED_BYTES:
        raise DocumentError(
            f"the {name} file is more than {MAX_CONVERTED_BYTES // MiB} MiB", file=file
        )
    with tempfile.TemporaryDirectory(prefix="kontrol-convert-") as folder:
        work = Path(folder)
        source = work / f"decree.{kind}"
        source.write_bytes(data)
        command = [
            binary, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
            "--norestore", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"),
            str(source),
        ]  # fmt: skip
        try:
            subprocess.run(
                command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False, cwd=work
            )
        except subprocess.TimeoutExpired:
            raise DocumentError(
                f"LibreOffice did not convert the {name} file in {TIMEOUT_SECONDS} s", file=file
            ) from None
        result = work / "out" / "decree.docx"
        if not result.is_file():
            raise DocumentError(
                f"LibreOffice could not convert the {name} file (is it damaged?)", file=file
            )
        if result.stat().st_size > MAX_CONVERTED_BYTES:
            raise DocumentError(f"the {name} file converts to too large a document", file=file)
        return result.read_bytes()
