"""Amending decrees: ``kontrol import FILE --amends NUMBER`` and ``kontrol amendments``.

``kontrol import`` hands a file over here when ``--amends`` is given or the file's own title is
«О внесении изменений …»; the difference is shown first and applied only with ``--apply``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kontrol.cli.common import app_of
from kontrol.context import App
from kontrol.errors import KontrolError

if TYPE_CHECKING:
    from kontrol.importing import ItemChange

FIELD_WORDS = {
    "kind": "вид",
    "title": "наименование",
    "schedule_text": "срок",
    "executors_text": "исполнители",
    "parent": "раздел",
    "executors": "исполнители (справочник)",
}


def import_if_amending(
    app: App,
    file: Path,
    directory_file: Path,
    amends: str | None,
    apply: bool,
    *,
    events: Path | None,
    strict: bool,
    json: bool,
) -> bool:
    """Import ``file`` as an amending decree if it is one (or ``amends`` says so)."""
    from kontrol.roadmap.amendment_reader import looks_like_amendment

    if not amends and not looks_like_amendment(file):
        return False
    import_amendment(
        app, file, directory_file, amends, apply, events=events, strict=strict, as_json=json
    )
    return True


def import_amendment(
    app: App,
    file: Path,
    directory_file: Path,
    amends: str | None,
    apply: bool,
    *,
    events: Path | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Read the amending decree, find its roadmap, show the difference, apply on ``apply``;
    under ``strict`` an unresolved executor or an unread schedule is an error."""
    from kontrol.amending import amend_roadmap, target_roadmap
    from kontrol.config import load_rules
    from kontrol.events import check_event_phrases, load_catalogue
    from kontrol.lookup import roadmap_by_number
    from kontrol.obligations import check_schedules, sync_obligations
    from kontrol.output import console, print_json
    from kontrol.roadmap.amendment_reader import read_amendment
    from kontrol.roadmap.directory import load_directory

    document = read_amendment(file)
    bodies = load_directory(directory_file)
    app.require_schema()
    policy = load_rules(app.settings).policy
    checked = check_schedules(document, strict=strict, policy=policy)
    checked += check_event_phrases(document, load_catalogue(app.settings, events), strict=strict)
    with app.transaction() as session:
        named = roadmap_by_number(session, amends) if amends else None
        roadmap = target_roadmap(session, document, named, on=app.now.date())
        report = amend_roadmap(session, document, bodies, roadmap, now=app.now, apply=apply)
        report.warnings += checked
        if strict and report.unresolved:
            raise KontrolError(f"{file.name}: {report.unresolved[0]} (--strict); nothing written")
        if report.status == "applied":
            sync_obligations(session, roadmap.id)
    if as_json:
        print_json(report.to_json())
        return
    if report.status == "unchanged" and report.applied_at is not None:
        verb = f"already applied on {report.applied_at:%d.%m.%Y %H:%M}: nothing changed"
    else:
        verb = "applied" if report.status == "applied" else "not applied yet: use --apply"
    console.print(
        f"[bold]{file.name}[/]: № {report.number} от {report.adopted_on:%d.%m.%Y} amends "
        f"№ {report.roadmap_number} от {report.roadmap_adopted_on:%d.%m.%Y}: {verb}",
        soft_wrap=True,
    )
    show_changes(report.changes)
    for u in report.unresolved:
        console.print(f"  [red]unresolved[/] {u}", soft_wrap=True)
    for w in report.warnings:
        console.print(f"  [yellow]warning[/] {w}", soft_wrap=True)


def show_changes(changes: list[ItemChange]) -> None:
    """Item by item, field by field: «old» → «new» (as ``import --update`` shows a revision)."""
    from kontrol.amending import CHANGE_WORDS
    from kontrol.output import console

    if not changes:
        console.print("  no item changes")
    for ch in changes:
        console.print(f"  [yellow]{CHANGE_WORDS.get(ch.change, ch.change):12}[/] {ch.number}")
        for name, (old, new) in ch.fields.items():
            label = FIELD_WORDS.get(name, name)
            if ch.change == "changed":
                console.print(
                    f"               {label}: «{_shown(old)}» → «{_shown(new)}»", soft_wrap=True
                )
            else:
                console.print(f"               {label}: «{_shown(old or new)}»", soft_wrap=True)


def _shown(value: Any) -> str:
    """A field as a person reads it: a list of bodies joined, nothing as a dash."""
    if value is None:
        return "—"
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@click.command("amendments")
@click.option(
    "--roadmap",
    "numbers",
    multiple=True,
    help="Only this roadmap: «1302-б» or «1302-б от 27.07.2020» (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.pass_context
def amendments_cmd(ctx: click.Context, numbers: tuple[str, ...], as_json: bool) -> None:
    """The amendments applied to the roadmaps: which decree changed which items, and when."""
    from sqlalchemy import select

    from kontrol.amending import CHANGE_WORDS, change_json
    from kontrol.lookup import select_roadmaps
    from kontrol.models import Amendment, Roadmap
    from kontrol.output import console, print_json

    app = app_of(ctx)
    app.require_schema()
    with app.reading() as session:
        ids = [r.id for r in select_roadmaps(session, numbers)] if numbers else []
        query = select(Amendment).join(Roadmap).order_by(Amendment.adopted_on, Amendment.id)
        if ids:
            query = query.where(Amendment.roadmap_id.in_(ids))
        rows: list[dict[str, Any]] = [
            {
                "roadmap": {"number": a.roadmap.number, "adopted_on": a.roadmap.adopted_on},
                "kind": a.kind,
                "number": a.number,
                "adopted_on": a.adopted_on,
                "authority": a.authority,
                "title": a.title,
                "source_name": a.source_name,
                "applied_at": a.applied_at,
                "changes": [
                    change_json(c.item_number, c.change, {k: tuple(v) for k, v in c.fields.items()})
                    for c in a.changes
                ],
            }
            for a in session.scalars(query)
        ]
    if as_json:
        print_json({"amendments": rows})
        return
    if not rows:
        console.print("no amendments applied")
    for row in rows:
        console.print(
            f"[bold]№ {row['roadmap']['number']} от {row['roadmap']['adopted_on']:%d.%m.%Y}[/] "
            f"← {row['kind']} № {row['number']} от {row['adopted_on']:%d.%m.%Y} "
            f"«{row['title']}» (applied {row['applied_at']:%d.%m.%Y %H:%M}, {row['source_name']})",
            soft_wrap=True,
        )
        for c in row["changes"]:
            console.print(f"  {CHANGE_WORDS.get(c['change'], c['change']):12} {c['number']}")
