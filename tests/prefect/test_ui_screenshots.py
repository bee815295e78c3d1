"""What a supervisor sees, in a real browser: the Prefect UI, the report and the executor page.

A real Prefect server *with its UI* (the test harness serves none) on a free port with a
throw-away PREFECT_HOME; a driver process imports the seed, registers the deployments and runs
two obligations, the sweep and the annual report as flows against it, as production does; the
portal serves the executor page; headless Debian Chromium (Playwright) opens the default
(new) UI at 1366×768, a common laptop screen. Screenshots go to ``$KONTROL_SCREENSHOTS``, else
a temporary folder named in the output.

What it holds the UI to: runs named after what they do, in Russian; every column of every
table artifact on the screen; the event feed naming bodies and items in Russian, the body by
the same name as the artifacts. Skipped without Chromium or Playwright unless
KONTROL_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from kontrol.mail.sink import start_sink
from kontrol.models import Assignment, Body
from kontrol.naming import body_cells, body_label
from tests.portal.test_browser import ARGS, CHROMIUM, _browser_missing

REPO = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 768}
SECRET = "screenshots-secret-key-0123456789-abcdefghij"
RUN_NAMES = {
    "1302-б · 1.3 · январь 2027",
    "1302-б · 2.2 · 2026 год",
    "обход 20.01.2027",
    "отчёт за 2026 год",
}

# Every <th> inside every box that clips it (overflow other than visible) and inside the page.
CUT_COLUMNS = """() => {
  const cut = [];
  for (const th of document.querySelectorAll('th')) {
    const r = th.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.right > document.documentElement.clientWidth + 1) { cut.push(th.innerText); continue; }
    for (let p = th.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      if (r.right > p.getBoundingClientRect().right + 1) { cut.push(th.innerText); break; }
    }
  }
  return cut;
}"""


def drive() -> None:
    """In a process of its own (its Prefect client state cannot leak into the tests'): what
    an operator and the schedule do, against ``PREFECT_API_URL`` and ``KONTROL_*``."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from kontrol.cli import main
    from kontrol.flows.cycle import issue_cycle
    from kontrol.flows.monitoring import annual_monitoring
    from kontrol.flows.sweep import daily_sweep

    def kontrol(*args: str) -> None:
        try:
            main(list(args))
        except SystemExit as exc:
            if exc.code:
                raise

    lenobl = REPO / "examples" / "lenobl"
    seed, directory = lenobl / "000_e3bc991062043600.txt", lenobl / "directory.yaml"
    kontrol("import", str(seed), "--directory", str(directory), "--strict")
    health = os.environ["PREFECT_API_URL"] + "/health"
    deadline = time.monotonic() + 120  # the server starts while the seed is imported
    while not _answers(health):
        assert time.monotonic() < deadline, f"no Prefect server at {health}"
        time.sleep(0.3)
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="kontrol", type="process"))
    kontrol("deploy", "--work-pool", "kontrol", "--no-catch-up")
    issue_cycle(roadmap="1302-б", obligation="2.2", period="2026")
    issue_cycle(roadmap="1302-б", obligation="1.3", period="2027-01")
    daily_sweep(as_of=dt.date(2027, 1, 20))
    annual_monitoring(year=2026)
    kontrol("report", "--year", "2026", "--html", os.environ["KONTROL_REPORT_HTML"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> Path:
    chosen = os.environ.get("KONTROL_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Prefect server with its UI, the SMTP sink, a free port for the portal, and the
    driver's work done: the settings every process shares."""
    reason = _browser_missing()
    if reason is not None:
        if os.environ.get("KONTROL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KONTROL_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"no browser for the UI screenshots: {reason}")
    port, portal_port = _free_port(), _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "KONTROL_"))}
    prefect_env = {
        **base,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": (
            f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
        ),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # no upcoming runs for 40 deployments on a 2-CPU machine: not what is looked at here
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    log = tmp_path / "prefect-server.log"
    argv = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*argv, "--port", str(port)],
        env={**prefect_env, "PREFECT_LOGGING_LEVEL": "WARNING"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    sink = start_sink("127.0.0.1", 0, tmp_path / "mail")
    try:
        env = {
            **prefect_env,
            "KONTROL_DATABASE_URL": f"sqlite:///{tmp_path / 'kontrol.db'}",
            "KONTROL_SMTP_HOST": "127.0.0.1",
            "KONTROL_SMTP_PORT": str(sink.port),
            "KONTROL_PORTAL_BASE_URL": f"http://127.0.0.1:{portal_port}",
            "KONTROL_SECRET_KEY": SECRET,
            "KONTROL_UPLOAD_DIR": str(tmp_path / "uploads"),
            "KONTROL_REPORT_HTML": str(tmp_path / "report.html"),
            "PYTHONPATH": str(REPO),
        }
        code = "from tests.prefect.test_ui_screenshots import drive; drive()"
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (
            done.stdout[-2000:] + done.stderr[-3000:] + "\nserver: " + log.read_text()[-2000:]
        )
        yield {"api": api, "ui": f"http://127.0.0.1:{port}", "env": env, "tmp": tmp_path}
    finally:
        sink.stop()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _post(api: str, path: str, body: dict[str, Any]) -> Any:
    response = httpx.post(f"{api}{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def _events(api: str, prefix: str) -> list[dict[str, Any]]:
    """Every event of the last day whose name starts with ``prefix``, page by page."""
    page = _post(api, "/events/filter", {"filter": {"event": {"prefix": [prefix]}}})
    events = list(page["events"])
    while page.get("next_page"):
        response = httpx.get(page["next_page"], timeout=10)
        response.raise_for_status()
        page = response.json()
        events += page["events"]
    return events


def _link(mail_dir: Path, assignment_id: int) -> str:
    for path in sorted(mail_dir.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if (msg["X-Kontrol-Kind"], msg["X-Kontrol-Assignment"]) == (
            "assignment_issued",
            str(assignment_id),
        ):
            text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            found = re.search(r"http://127\.0\.0\.1:\d+/a/[\w.\-]+", text)
            if found:
                return found.group(0)
    raise AssertionError(f"no assignment mail with a link for {assignment_id} in {mail_dir}")


def _serve_portal(env: dict[str, str], port: int):  # type: ignore[no-untyped-def]
    import uvicorn

    from kontrol.portal.app import create_app
    from kontrol.settings import Settings

    settings = Settings(
        database_url=env["KONTROL_DATABASE_URL"],
        secret_key=SECRET,
        portal_base_url=env["KONTROL_PORTAL_BASE_URL"],
        upload_dir=Path(env["KONTROL_UPLOAD_DIR"]),
    )
    app = create_app(settings, emit=lambda *_: None)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    return app, server, thread


def test_the_prefect_ui_as_supervisors_see_it(world: dict[str, Any], shots: Path) -> None:
    """Every page is visited and photographed; what is wrong is collected and reported at the
    end, so one run shows all of it (and the screenshots of it)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    api, ui, env = world["api"], world["ui"], world["env"]
    problems: list[str] = []

    def check(ok: object, problem: str) -> None:
        if not ok:
            problems.append(problem)

    runs = _post(api, "/flow_runs/filter", {"limit": 50})
    names_of_runs = {r["name"] for r in runs}
    check(names_of_runs == RUN_NAMES, f"run names: {sorted(names_of_runs)}")
    tasks = {t["name"] for t in _post(api, "/task_runs/filter", {"limit": 50})}
    expected = {"выдача поручений", "обход", "доставка почты", "передача событий"}
    check(tasks == expected, f"task runs: {tasks}")
    sweep_run = next((r["id"] for r in runs if "as_of" in r["parameters"]), None)
    artifacts = {a["key"]: a for a in _post(api, "/artifacts/latest/filter", {"limit": 50})}

    engine = create_engine(env["KONTROL_DATABASE_URL"])
    with Session(engine) as s:
        bodies = list(s.scalars(select(Body)))
        names = {b.id: body_label(b) for b in bodies}
        cells = body_cells(bodies)
        college = s.scalars(
            select(Assignment).where(Assignment.body_id == "michurinsky", Assignment.role != "lead")
        ).first()
    engine.dispose()
    assert college is not None and college.status == "overdue"
    committee = names["committee"]
    assert committee == "Комитет общего и профессионального образования"

    # one name per body: each artifact's cells, each event's resource
    for key, column in (
        ("kontrol-overdue", "Исполнитель"),
        ("kontrol-1302-b-item-2-2", "Исполнитель"),
        ("kontrol-summary", "Исполнитель / пункт"),
    ):
        rows = json.loads(artifacts[key]["data"])
        check(len(rows[0]) <= 5, f"{key}: {len(rows[0])} columns {list(rows[0])}")
        shown = {r.get(column, "") for r in rows} - {""}
        odd = {c for c in shown if not c.startswith("п. ")} - set(cells.values())
        check(not odd, f"{key}: bodies not by their one name: {sorted(odd)}")
    events = _events(api, "kontrol.assignment.")
    kinds = {e["event"] for e in events}
    check(kinds >= {f"kontrol.assignment.{k}" for k in ("issued", "overdue", "escalated")}, kinds)
    for e in events:
        body = e["resource"]["prefect.resource.id"].removeprefix("kontrol.body.")
        name = e["resource"].get("prefect.resource.name")
        check(name == names[body], f"event about {body} names it {name!r}, not {names[body]!r}")

    portal_port = int(env["KONTROL_PORTAL_BASE_URL"].rsplit(":", 1)[1])
    app, portal, thread = _serve_portal(env, portal_port)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport=VIEWPORT, locale="ru-RU")  # type: ignore[arg-type]

            def snap(name: str, *, full: bool = False) -> None:
                page.screenshot(path=str(shots / f"{name}.png"), full_page=full)

            def show(path: str, *shown: str) -> str:
                """Open ``path``, wait for each text in ``shown`` (a problem if it never comes)."""
                page.goto(path if "://" in path else ui + path)
                for text in shown:
                    try:
                        page.wait_for_selector(f"text={text}", timeout=10_000)
                    except PlaywrightError:
                        problems.append(f"{path}: no «{text}» on the page")
                return page.inner_text("body")

            def exactly(text: str, where: str) -> None:
                try:
                    page.get_by_text(text, exact=True).first.wait_for(timeout=10_000)
                except PlaywrightError:
                    problems.append(f"{where}: «{text}» is not shown as such")

            def table(key: str, name: str, *shown: str) -> str:
                text = show(f"/v2/artifacts/artifact/{artifacts[key]['latest_id']}", *shown)
                snap(name)
                cut = page.evaluate(CUT_COLUMNS)
                check(not cut, f"{key}: columns off the screen: {cut}")
                first = json.loads(artifacts[key]["data"])[0]
                check(all(str(v) in text for v in first.values()), f"{key}: row 1 not shown")
                return text

            show("/v2/deployments", "1302-б · 1.3 Разработка и утверждение")
            snap("01-deployments")
            show("/v2/runs", *sorted(RUN_NAMES))
            snap("02-runs", full=True)
            if sweep_run:
                show(f"/v2/runs/flow-run/{sweep_run}", "обход 20.01.2027")
                page.get_by_role("tab", name="Task Runs").click()
                show(page.url, "доставка почты")
                page.wait_for_timeout(1000)  # the run graph above draws on a canvas
                snap("03-run-sweep")
                page.get_by_role("tab", name="Logs").click()
                show(page.url, "проверено поручений")
                snap("03-run-sweep-logs", full=True)

            table("kontrol-overdue", "04-artifact-overdue", "Ступень")
            table("kontrol-summary", "05-artifact-summary", "С опозданием")
            # the run that made it, by its name, beside the table
            table(
                "kontrol-1302-b-item-2-2", "06-artifact-item-2-2", "Роль", "1302-б · 2.2 · 2026 год"
            )
            table("kontrol-mail-delivery", "07-artifact-mail", "Писем")
            report = artifacts["kontrol-report-1302-b-2026"]["latest_id"]
            show(f"/v2/artifacts/artifact/{report}", "По исполнителям")
            snap("08-artifact-report-2026", full=True)
            check(not page.evaluate(CUT_COLUMNS), "the report artifact: columns off the screen")

            # an explicit range: «past day» ends at the current minute, before these events
            now = dt.datetime.now(dt.UTC)
            start, end = (f"{now + dt.timedelta(hours=h):%Y-%m-%dT%H:%M:%S.000Z}" for h in (-1, 1))
            feed = f"/v2/events?rangeType=range&start={start}&end={end}&events=" + quote(
                json.dumps(["kontrol.assignment.*"])
            )
            show(feed, "kontrol.assignment.escalated")
            exactly(events[0]["resource"]["prefect.resource.name"], "the event feed")
            snap("09-events")
            check("kontrol.body." not in page.inner_text("body"), "the feed shows body ids")
            # one body's events: named by its one name (exactly: not the full one)
            committee_only = "&resource=" + quote(json.dumps(["kontrol.body.committee"]))
            show(feed + committee_only, "kontrol.assignment.overdue", "2.2 Мониторинг")
            exactly(committee, "the committee's events")
            snap("10-events-committee", full=True)

            show(Path(env["KONTROL_REPORT_HTML"]).as_uri(), "Исполнение")
            snap("11-report")

            page.set_viewport_size({"width": 390, "height": 844})  # the executor's phone
            show(_link(world["tmp"] / "mail", college.id), "п. 2.2")
            snap("12-executor", full=True)
            browser.close()
    finally:
        portal.should_exit = True
        thread.join(timeout=10)
        app.state.portal.engine.dispose()
    assert not problems, "\n".join(problems)
