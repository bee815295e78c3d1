"""Reading through the driver (``kontrol.plain_db``), as `kontrol status` and `kontrol items`
do: one moment for all the reads of a command, the same file SQLAlchemy would open, and a
database that fails under it said in one line, as on the SQLAlchemy way."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kontrol.context import App
from kontrol.models.db import make_engine, migrate
from kontrol.plain_db import open_plain
from kontrol.settings import Settings
from tests.cli_runner import run
from tests.db.test_settings_errors import one_line_error


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_every_read_of_a_command_sees_one_moment(db_url: str, engine: Engine) -> None:
    """A commit between two reads (an import while `kontrol status` lists) is not seen by the
    second: before, the items of a roadmap the first read had not seen broke the listing."""
    with open_plain(db_url) as db:
        assert db is not None
        assert db.rows("SELECT version_num FROM alembic_version") == [("0014",)]
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'later'"))
        assert db.rows("SELECT version_num FROM alembic_version") == [("0014",)]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "later"


def test_a_percent_encoded_path_is_the_file_sqlalchemy_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite:///a b.db")
    migrate(engine)
    engine.dispose()
    with open_plain("sqlite:///a%20b.db") as db:
        assert db is not None
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["a b.db"]


def test_sql_that_the_drivers_read_differently_is_refused(db_url: str, engine: Engine) -> None:
    with open_plain(db_url) as db:
        assert db is not None
        for sql in ("SELECT '100%'", "SELECT '2020-01-01'::date"):
            with pytest.raises(ValueError, match="both drivers"):
                db.rows(sql)


@pytest.mark.parametrize("command", ["status", "items"])
def test_a_file_that_is_no_database_is_one_line(
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The driver's own error, worded as SQLAlchemy's would be: no traceback."""
    (tmp_path / "k.db").write_bytes(b"not a database, only text " * 200)
    monkeypatch.setenv("KONTROL_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    one_line_error(run(capsys, command), "KONTROL_DATABASE_URL=", "file is not a database")


@pytest.mark.parametrize("command", ["status", "items"])
def test_a_server_that_fails_is_asked_once(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes the connection and hangs up: one line, and one connection — the
    driver's failure is worded, not tried again the SQLAlchemy way (a dead host cost twice
    the wait, a wrong password two failed logins)."""
    accepted: list[socket.socket] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def take() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                accepted.append(conn)
                conn.close()

        threading.Thread(target=take, daemon=True).start()
        url = f"postgresql://kontrol:s3cret@127.0.0.1:{port}/kontrol?sslmode=disable"
        monkeypatch.setenv("KONTROL_DATABASE_URL", url)
        result = run(capsys, command)
    one_line_error(result, "KONTROL_DATABASE_URL=", "cannot use the database")
    assert "s3cret" not in result.err
    assert len(accepted) == 1


def test_a_url_only_sqlalchemy_reads_is_read_through_its_engine(tmp_path: Path) -> None:
    """Options after «?» are SQLAlchemy's to read: the engine's own connection is used, and
    its reads too see one moment."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    engine = make_engine(url)
    migrate(engine)
    app = App(Settings(database_url=url + "?timeout=5"))
    with app.plain_reading() as db:
        assert "sqlalchemy" in type(app.__dict__.get("engine")).__module__
        assert db.rows("SELECT version_num FROM alembic_version") == [("0014",)]
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'later'"))
        assert db.rows("SELECT version_num FROM alembic_version") == [("0014",)]
    app.engine.dispose()
    engine.dispose()
