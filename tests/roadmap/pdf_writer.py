"""A few lines that write a valid PDF by hand: the hostile PDFs of the tests, small on disk."""

from __future__ import annotations

import io
import zlib

MiB = 1024 * 1024


def write_pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 is the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    out.write(trailer % (len(objects) + 1, xref))
    return out.getvalue()


def pages_pdf(count: int, content: bytes, resources: bytes = b"<< >>") -> bytes:
    """``count`` pages sharing one Flate-compressed content stream (already compressed)."""
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R /Resources %s >>"
        % resources
    )
    return write_pdf(objects + [page] * count)


def zeros_deflated(size: int) -> bytes:
    """``size`` zero bytes, compressed a MiB at a time (a bomb that never sits in memory)."""
    packer = zlib.compressobj(9)
    chunk = bytes(MiB)
    parts = [packer.compress(chunk) for _ in range(size // MiB)]
    return b"".join(parts) + packer.flush()
