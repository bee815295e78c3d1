"""``kontrol init``, ``kontrol example``, ``kontrol import``, ``kontrol items``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kontrol.cli.common import EXISTING_FILE, app_of, resolve_path, roadmaps_option, today_of
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from kontrol.context import App
    from kontrol.importing import ImportReport
    from kontrol.plain_reads import RoadmapRow
    from kontrol.roadmap.document import RoadmapDocument


@click.command("init")
@click.pass_context
def init_cmd(ctx: click.Context) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from kontrol.models.db import current_revision
    from kontrol.output import console
    from kontrol.version import version

    app = app_of(ctx)
    app.ensure_schema()
    console.print(
        f"database ready: {app.engine.url.render_as_string(hide_password=True)} "
        f"(schema revision {current_revision(app.engine)}, kontrol {version()})",
        soft_wrap=True,
    )


@click.command("example")
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)
def example_cmd(folder: Path) -> None:
    """Copy the example decree № 1302-б, its directory of bodies and event catalogue,
    shipped in the package, into FOLDER (default: here) to import or adapt.

    A file already there with other content is refused and nothing is written.
    """
    from kontrol.output import console
    from kontrol.reporting.files import write_bytes_atomic
    from kontrol.resources import EXAMPLE_DIRECTORY, EXAMPLE_EVENTS, SEED

    if not folder.is_dir():
        if not folder.parent.is_dir():
            raise KontrolError(f"cannot write into {folder}: {folder.parent} does not exist")
        folder.mkdir()
    wanted = {folder / f.name: f.read_bytes() for f in (SEED, EXAMPLE_DIRECTORY, EXAMPLE_EVENTS)}
    for target, data in wanted.items():
        if target.exists() and (target.is_dir() or target.read_bytes() != data):
            raise KontrolError(
                f"{target} exists and is not the example's: move it away or choose another "
                "folder (nothing was written)"
            )
    for target, data in wanted.items():
        if target.exists():
            console.print(f"kept {target} (the example's already)", soft_wrap=True)
        else:
            write_bytes_atomic(target, data)
            console.print(f"wrote {target}", soft_wrap=True)
    seed, directory, events = wanted
    console.print(
        f"next: kontrol import {seed} --directory {directory} --events {events}", soft_wrap=True
    )


@click.command("import")
@click.argument("file", type=EXISTING_FILE)
@click.option("--directory", type=EXISTING_FILE, help="Directory of bodies (YAML).")
@click.option("--events", type=EXISTING_FILE, help="Event catalogue (YAML; or KONTROL_EVENTS).")
@click.option(
    "--strict",
    is_flag=True,
    help="Unresolved executors, unread schedules and a decree that looks cut off are errors.",
)
@click.option("--update", is_flag=True, help="Apply the differences of a revised decree.")
@click.option(
    "--amends",
    metavar="NUMBER",
    help="FILE is a decree amending roadmap NUMBER (recognised from its title without this).",
)
@click.option("--apply", "--yes", "apply", is_flag=True, help="Apply an amending decree's changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_cmd(
    ctx: click.Context,
    file: Path,
    directory: Path | None,
    events: Path | None,
    strict: bool,
    update: bool,
    amends: str | None,
    apply: bool,
    as_json: bool,
) -> None:
    """Import a decree's roadmap (text, .docx, ODT, HTML, PDF with a text layer, RTF or .doc,
    told apart by content) and resolve its executors.

    Importing the same file again changes nothing; a revised file prints its differences item
    by item and is applied only with --update. Everything happens in one transaction.

    An amending decree («О внесении изменений в распоряжение … № 1302-б», or any FILE with
    --amends NUMBER) prints the changes it makes to that roadmap; they are applied, and kept in
    its history (`kontrol amendments`), only with --apply (or --yes).
    """
    from kontrol.importing import import_roadmap, refuse_truncated
    from kontrol.obligations import is_referenced, sync_obligations
    from kontrol.output import print_json
    from kontrol.roadmap.directory import load_directory
    from kontrol.roadmap.reader import read_document

    app = app_of(ctx)
    directory_file = resolve_path(directory, app.settings.directory, "directory of bodies")
    from kontrol.cli.amending import import_if_amending

    if import_if_amending(
        app, file, directory_file, amends, apply, events=events, strict=strict, json=as_json
    ):
        return
    document = read_document(file)
    refuse_truncated(document, strict=strict)
    bodies = load_directory(directory_file)
    app.ensure_schema()
    schedule_warnings = _checked_phrases(app, document, events, strict=strict)
    with app.transaction() as session:
        report = import_roadmap(
            session,
            document,
            bodies,
            now=app.now,
            update=update,
            strict=strict,
            is_referenced=is_referenced,
        )
        report.warnings += schedule_warnings
        if report.status in ("created", "updated"):
            sync_obligations(session, report.roadmap_id)
    if as_json:
        print_json(report.to_json())
    else:
        show_report(report, file)


def _checked_phrases(
    app: App, document: RoadmapDocument, events: Path | None, *, strict: bool
) -> list[str]:
    """Every schedule phrase read (with the seasons the policy has) and every event phrase
    in the catalogue: warnings, or under --strict the first error."""
    from kontrol.config import load_rules
    from kontrol.events import check_event_phrases, load_catalogue
    from kontrol.obligations import check_schedules

    policy = load_rules(app.settings).policy
    warnings = check_schedules(document, strict=strict, policy=policy)
    return warnings + check_event_phrases(
        document, load_catalogue(app.settings, events), strict=strict
    )


def show_report(report: ImportReport, file: Path) -> None:
    from kontrol.output import console

    verb = {
        "created": "imported",
        "unchanged": "unchanged (already imported)",
        "differs": "differs from the imported version — not applied, use --update",
        "updated": "updated",
    }[report.status]
    console.print(
        f"[bold]{file.name}[/]: {report.kind} № {report.number} от "
        f"{report.adopted_on:%d.%m.%Y}, horizon {report.horizon_year or 'not named'}: {verb}"
    )
    console.print(f"  {report.sections} section items, {report.activities} activity items")
    if report.status in ("differs", "updated"):
        for ch in report.changes:
            console.print(f"  [yellow]{ch.change:8}[/] {ch.number}")
            for name, (old, new) in ch.fields.items():
                console.print(f"           {name}: «{old}» → «{new}»")
    for u in report.unresolved:
        hint = f" (closest: {', '.join(u.suggestions)})" if u.suggestions else ""
        console.print(f"  [red]unresolved[/] item {u.item}: «{u.text}»{hint}")
    for w in report.warnings:
        console.print(f"  [yellow]warning[/] {w}")


@click.command("items")
@roadmaps_option
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.pass_context
def items_cmd(ctx: click.Context, roadmaps: tuple[str, ...], as_json: bool) -> None:
    """List the items of every roadmap in force (or of those named) with schedule and
    executors. JSON: a list, one entry per roadmap, each with its items."""
    from kontrol.output import print_json
    from kontrol.plain_reads import choose_among, roadmaps_of, scheduled_item_ids

    app = app_of(ctx)
    with app.plain_reading() as db:
        every = roadmaps_of(db, executors=True)
        scheduled = scheduled_item_ids(db)
    chosen = choose_among(every, roadmaps, today_of(app))
    listed: list[dict[str, Any]] = [
        {"roadmap": _head(roadmap, every), "items": _item_rows(roadmap, scheduled)}
        for roadmap in chosen
    ]
    if as_json:
        print_json(listed)
        return
    for entry in listed:
        _show_items(entry["roadmap"], entry["items"])


def _head(roadmap: RoadmapRow, every: list[RoadmapRow]) -> dict[str, Any]:
    from kontrol.plain_reads import ref_among

    return {
        "ref": ref_among(roadmap, every),
        "number": roadmap.number,
        "adopted_on": roadmap.adopted_on,
        "title": roadmap.title or roadmap.plan_title,
        "horizon_year": roadmap.horizon_year,
    }


def _item_rows(roadmap: RoadmapRow, scheduled: set[int]) -> list[dict[str, Any]]:
    """The items in force, JSON-shaped. A schedule counts as understood when the import made
    obligations of it (the phrases are not parsed again: that was most of the wait)."""
    from kontrol.choosing import active_items

    items = active_items(roadmap)
    return [
        {
            "number": i.number,
            "kind": i.kind,
            "parent": next((p.number for p in items if p.id == i.parent_id), None),
            "title": i.title,
            "schedule": i.schedule_text,
            "schedule_understood": i.kind != "activity" or i.id in scheduled,
            "executors": [{"body": e.body_id, "name": e.name, "role": e.role} for e in i.executors],
            "lines": i.source_lines,
        }
        for i in items
    ]


def _show_items(head: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from kontrol.naming import short_title
    from kontrol.output import console
    from kontrol.roadmap.errors import NOT_UNDERSTOOD

    table = Table(title=f"№ {head['number']} от {head['adopted_on']:%d.%m.%Y}: {head['title']}")
    table.add_column("№", no_wrap=True)
    table.add_column("Мероприятие", ratio=3)
    table.add_column("Срок", ratio=1)
    table.add_column("Исполнители", ratio=2)
    for r in rows:
        if r["kind"] == "section":
            table.add_row(
                f"[bold]{r['number']}[/]", f"[bold]{short_title(r['title'], 80)}[/]", "", ""
            )
        else:
            names = [
                ("[b]" + e["name"] + "[/b]") if e["role"] == "lead" else e["name"]
                for e in r["executors"]
            ]
            when = r["schedule"]
            if not r["schedule_understood"]:  # imported, but no obligation until it is corrected
                when = f"{when} [red]({NOT_UNDERSTOOD})[/]"
            table.add_row(r["number"], short_title(r["title"], 80), when, "; ".join(names))
    console.print(table)
