"""The wheel runs everywhere a worker runs (issue 15): built once, installed into a fresh
virtual environment outside the checkout (``conftest.py``), used from a temporary folder — the
command line, mail to a real SMTP sink, the reports, the executor page with its stylesheet,
and a flow run by a real Prefect process worker from a module-path entrypoint."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import re
import socket
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kontrol.models.db import head_revision
from tests.conftest import REPO
from tests.package.conftest import Built, Installed

SEED = "000_e3bc991062043600.txt"
# what the program reads at run time besides its modules, as the checkout holds it
DATA = (
    "templates/email/assignment_issued.subject.txt",
    "templates/email/supervisor_digest.html",
    "templates/report/report.html",
    "portal/static/portal.css",
    "portal/templates/assignment.html",
    "roadmap/schedule/grammar.lark",
    "models/migrations/env.py",
    "models/migrations/script.py.mako",
    "models/migrations/versions/0001_roadmap_items_bodies.py",
    f"examples/lenobl/{SEED}",
    "examples/lenobl/directory.yaml",
    "examples/lenobl/events.yaml",
)
POOL = "kontrol-wheel"
VERSION_CODE = "import importlib.metadata as m; print(m.version('kontrol'))"


def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        record = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        return [line.split(",", 1)[0] for line in z.read(record).decode().splitlines() if line]


def test_the_wheel_installs_nothing_but_kontrol(built: Built) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names(built.wheel)}
    version = built.wheel.name.split("-")[1]
    assert tops == {"kontrol", f"kontrol-{version}.dist-info"}


def test_the_wheel_and_the_sdist_carry_every_file_read_at_run_time(built: Built) -> None:
    in_wheel = set(wheel_names(built.wheel))
    assert {f"kontrol/{name}" for name in DATA} <= in_wheel
    with tarfile.open(built.sdist) as tar:
        root = tar.getnames()[0].split("/", 1)[0]
        in_sdist = set(tar.getnames())
    assert {f"{root}/{name}" for name in DATA} <= in_sdist
    # every template and static file of the checkout, not only the ones named above
    for folder in ("templates", "portal/static", "portal/templates"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
                assert f"kontrol/{path.relative_to(REPO)}" in in_wheel


def kontrol(
    installed: Installed, folder: Path, *args: str, ok: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """The installed ``kontrol`` console script, run in ``folder``."""
    result = subprocess.run(
        [str(installed.kontrol), *args],
        cwd=folder,
        env=installed.env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ok:
        assert result.returncode == 0, f"kontrol {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result


def test_the_installed_package_imports_from_itself_and_has_no_generic_names(
    installed: Installed, folder: Path
) -> None:
    code = (
        "import importlib.util, kontrol, kontrol.flows.cycle, kontrol.portal.app\n"
        "print(kontrol.flows.cycle.__file__)\n"
        "print([n for n in ('cli', 'roadmap', 'models', 'flows', 'tasks', 'deployments', 'portal',"
        " 'templates', 'examples') if importlib.util.find_spec(n)])\n"
    )
    out = subprocess.run(
        [str(installed.python), "-c", code],
        cwd=folder,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert Path(out[0]).is_relative_to(installed.root) and not Path(out[0]).is_relative_to(REPO)
    assert out[1] == "[]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def started(argv: list[str], folder: Path, env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until(check, what: str, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError, OSError):
            found = check()
            if found:
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.3)


def mails(directory: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(directory.glob("*.eml"))
    ]


def test_from_a_temporary_folder_the_installed_kontrol_runs_the_whole_cycle(
    installed: Installed, folder: Path
) -> None:
    from kontrol.mail.sink import start_sink

    version = built_version(installed)
    result = kontrol(installed, folder, "--version")
    assert result.stdout.strip() == f"kontrol {version} (database schema {head_revision()})"
    portal_port = free_port()
    db = f"sqlite:///{folder / 'kontrol.db'}"
    base = {
        "KONTROL_DATABASE_URL": db,
        "KONTROL_PORTAL_BASE_URL": f"http://127.0.0.1:{portal_port}",
        "KONTROL_UPLOAD_DIR": str(folder / "uploads"),
        "KONTROL_SMTP_PORT": "1",  # nothing listens: mail waits in the outbox
    }
    result = kontrol(installed, folder, "init", **base)
    assert f"(schema revision {head_revision()}, kontrol {version})" in result.stdout

    kontrol(installed, folder, "example", "decree", **base)
    decree = folder / "decree"
    assert (decree / SEED).read_bytes() == (REPO / "examples" / "lenobl" / SEED).read_bytes()
    kontrol(
        installed, folder, "import", f"decree/{SEED}", "--directory", "decree/directory.yaml",
        "--events", "decree/events.yaml", "--strict", **base,
    )  # fmt: skip
    inbox = folder / "inbox"
    inbox.mkdir()
    with start_sink(directory=inbox) as sink:
        at_sink = {**base, "KONTROL_SMTP_PORT": str(sink.port)}
        result = kontrol(installed, folder, "run", "1.3", "--period", "2021-01", **at_sink)
        assert "period 2021-01, 1 assignment(s), 1 new" in result.stdout
        assert "mail: sent 1," in result.stdout
        [issued] = mails(inbox)
        result = kontrol(installed, folder, "sweep", "--as-of", "2021-02-05", "--json", **base)
        assert json.loads(result.stdout)["counts"]["overdue_notice"] == 1
        result = kontrol(installed, folder, "mail", "deliver", **at_sink)
        sent = int(re.search(r"sent (\d+),", result.stdout)[1])  # type: ignore[index]
    assert issued["Subject"].startswith("Поручение: п. 1.3 ")
    assert sent >= 1 and len(mails(inbox)) == 1 + sent

    result = kontrol(
        installed, folder, "report", "--year", "2021", "--xlsx", "r.xlsx", "--html", "r.html",
        **base,
    )  # fmt: skip
    assert (folder / "r.xlsx").stat().st_size > 0
    assert "2021" in (folder / "r.html").read_text(encoding="utf-8")

    body = issued.get_body(preferencelist=("plain",))
    assert body is not None
    link = re.search(rf"http://127\.0\.0\.1:{portal_port}/a/\S+", body.get_content())
    assert link, body.get_content()
    portal = [str(installed.kontrol), "portal", "--host", "127.0.0.1", "--port", str(portal_port)]
    with started(portal, folder, installed.env(**base), folder / "portal.log"):
        page = wait_until(lambda: httpx.get(link[0], timeout=5), "the executor page")
        assert page.status_code == 200, page.text
        assert 'href="/static/portal.css"' in page.text
        css = httpx.get(f"http://127.0.0.1:{portal_port}/static/portal.css", timeout=5)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.content == (REPO / "portal" / "static" / "portal.css").read_bytes()


def built_version(installed: Installed) -> str:
    return subprocess.run(
        [str(installed.python), "-c", VERSION_CODE],
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[str]:
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


def test_a_process_worker_with_only_the_wheel_runs_a_flow_from_its_module_path(
    installed: Installed, folder: Path, prefect_api: str
) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.deployments import run_deployment
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from kontrol.models import Assignment

    db = f"sqlite:///{folder / 'kontrol.db'}"
    env = {
        "KONTROL_DATABASE_URL": db,
        "KONTROL_SMTP_PORT": "1",
        "PREFECT_API_URL": prefect_api,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
    }
    kontrol(installed, folder, "example", ".", **env)
    kontrol(installed, folder, "import", SEED, "--directory", "directory.yaml", **env)
    with get_client(sync_client=True) as client, contextlib.suppress(Exception):
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    result = kontrol(installed, folder, "deploy", "--work-pool", POOL, "--no-catch-up", **env)
    assert "registered 40 deployments" in result.stdout
    with get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
    name = next(n for n in deployments if n.startswith("1302-б · 1.3 "))
    assert {d.entrypoint for d in deployments.values()} == {
        "kontrol.flows.cycle.issue_cycle",
        "kontrol.flows.sweep.daily_sweep",
        "kontrol.flows.monitoring.annual_monitoring",
    }
    assert not deployments[name].pull_steps and not deployments[name].path

    worker = [str(installed.python), "-m", "prefect", "worker", "start", "--pool", POOL]
    with started(worker, folder, installed.env(**env), folder / "worker.log"):
        run = run_deployment(
            name=f"kontrol-cycle/{name}", parameters={"period": "2022-01"}, timeout=300
        )
    log = (folder / "worker.log").read_text(errors="replace")
    assert run.state is not None and run.state.is_completed(), f"{run.state}\n{log}"
    with Session(create_engine(db)) as s:
        rows = [(a.occurrence_key, a.body_id) for a in s.scalars(select(Assignment))]
    assert rows == [("2022-01", "committee")]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    stamp = f"_kontrol {built_version(installed)} · схема БД {head_revision()}_"
    assert artifacts and all(a.description.endswith(stamp) for a in artifacts), [
        a.description for a in artifacts
    ]
    assert any(json.loads(a.data)[0].get("Срок") for a in artifacts if a.type == "table")
