"""Uploads: a size limit streamed, a type allow-list by content, names never used as paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontrol.models.report import Attachment
from kontrol.portal import uploads
from tests.portal import files
from tests.portal.conftest import PortalEnv, make_env
from tests.portal.helpers import submit_report


def test_an_upload_over_the_limit_is_refused_and_nothing_is_kept(db_url: str, tmp_path) -> None:
    for env in make_env(db_url, tmp_path, max_upload_mb=0.05):  # 51,200 bytes
        token = env.token(env.co)
        before = env.snapshot()

        answer = submit_report(env, token, files=[("big.pdf", files.PDF + b"0" * 60_000)])

        assert answer.status_code == 413
        assert env.snapshot() == before
        assert env.assignment(env.co).status == "issued"
        assert not [p for p in env.upload_dir.rglob("*") if p.is_file()]


def test_the_limit_counts_the_stream_not_the_declared_length(tmp_path: Path) -> None:
    """A body larger than declared (or without a length) is cut at the limit."""
    import asyncio

    async def chunks():  # type: ignore[no-untyped-def]
        yield (
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-"
        )
        for _ in range(100):
            yield b"0" * 10_000
        raise AssertionError("read past the limit")

    with pytest.raises(uploads.UploadError) as caught:
        asyncio.run(
            uploads.parse_form(
                "multipart/form-data; boundary=b",
                "10",
                chunks(),
                tmp_dir=tmp_path,
                max_file_bytes=50_000,
            )
        )
    assert caught.value.status == 413
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", files.EXE),
        ("report.pdf", files.ELF),
        ("scan.png", files.HTML),
        ("table.xls", files.MSI),
        ("doc.docx", files.JAR),
    ],
    ids=["mz-as-pdf", "elf-as-pdf", "html-as-png", "msi-as-xls", "jar-as-docx"],
)
def test_a_disguised_file_is_refused(env: PortalEnv, name: str, data: bytes) -> None:
    token = env.token(env.co)
    before = env.snapshot()

    answer = submit_report(env, token, files=[("good.pdf", files.PDF), (name, data)])

    assert answer.status_code == 415
    assert "не принят" in answer.text
    assert env.snapshot() == before
    assert not [p for p in env.upload_dir.rglob("*") if p.is_file()]


def test_a_file_name_with_dots_and_slashes_is_only_a_label(env: PortalEnv) -> None:
    token = env.token(env.co)

    answer = submit_report(env, token, files=[("../../../etc/passwd.pdf", files.PDF)])

    assert answer.status_code == 303
    (att,) = env.rows(Attachment)
    assert att.original_name == "passwd.pdf"
    stored = (env.upload_dir / att.stored_path).resolve()
    assert stored.is_relative_to(env.upload_dir.resolve())
    assert stored.name == att.sha256
    assert not (env.upload_dir.parent / "etc").exists()
    download = env.client.get(f"/a/{token}/files/{att.id}")
    assert "passwd.pdf" in download.headers["content-disposition"]
    assert ".." not in download.headers["content-disposition"]


def test_every_allowed_kind_is_accepted_and_typed_by_content(env: PortalEnv) -> None:
    sent = {
        "a.pdf": files.PDF,
        "b.png": files.PNG,
        "c.jpg": files.JPEG,
        "d.docx": files.DOCX,
        "e.xlsx": files.XLSX,
        "f.odt": files.ODT,
        "g.doc": files.DOC,
        "h.xls": files.XLS,
    }
    # names deliberately wrong: the type comes from the bytes
    answer = submit_report(env, env.token(env.co), files=[("x.bin", d) for d in sent.values()])

    assert answer.status_code == 303
    kinds = [a.content_type for a in env.rows(Attachment)]
    assert kinds == [
        uploads.ALLOWED[k][0] for k in ("pdf", "png", "jpg", "docx", "xlsx", "odt", "doc", "xls")
    ]


def test_the_same_file_twice_is_stored_once(env: PortalEnv) -> None:
    submit_report(env, env.token(env.co), files=[("a.pdf", files.PDF), ("b.pdf", files.PDF)])
    assert len(env.rows(Attachment)) == 2
    assert len([p for p in env.upload_dir.rglob("*") if p.is_file()]) == 1
