"""Applying an amending decree to its roadmap: the difference first, then the change, kept.

The caller owns the transaction.  The amended roadmap is found by ``--amends`` or by the
target the amendment's own title names; a second import of the same amendment (same issuer,
number and date) changes nothing.  Items the amendment withdraws stay, ``withdrawn``, so
assignments already issued keep pointing at them and keep their terms; the obligations are
re-synced afterwards so that the next occurrences follow the amended text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.errors import KontrolError, NotFound
from kontrol.importing import ItemChange, diff_items, same_issuer, stored_items, sync_directory
from kontrol.models import Amendment, AmendmentChange, Body, Item, ItemExecutor, Roadmap
from kontrol.roadmap.amendment import AmendmentDocument
from kontrol.roadmap.directory import Directory
from kontrol.roadmap.document import SourceItem
from kontrol.roadmap.resolve import resolve_executors

Status = Literal["differs", "applied", "unchanged"]
CHANGE_WORDS = {"changed": "изменён", "added": "добавлен", "withdrawn": "утратил силу"}


@dataclass
class AmendmentReport:
    number: str
    adopted_on: dt.date
    title: str
    roadmap_id: int
    roadmap_number: str
    roadmap_adopted_on: dt.date
    status: Status = "differs"
    changes: list[ItemChange] = field(default_factory=list)
    applied_at: dt.datetime | None = None
    unresolved: list[str] = field(default_factory=list)  # executors not in the directory
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "adopted_on": self.adopted_on.isoformat(),
            "title": self.title,
            "roadmap": {
                "id": self.roadmap_id,
                "number": self.roadmap_number,
                "adopted_on": self.roadmap_adopted_on.isoformat(),
            },
            "status": self.status,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
            "changes": [change_json(c.number, c.change, c.fields) for c in self.changes],
            "unresolved": self.unresolved,
            "warnings": self.warnings,
        }


def change_json(number: str, change: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": number,
        "change": change,
        "fields": {k: {"old": o, "new": n} for k, (o, n) in fields.items()},
    }


def target_roadmap(
    session: Session, document: AmendmentDocument, amends: Roadmap | None, *, on: dt.date
) -> Roadmap:
    """The amended roadmap: ``amends`` (from --amends) must agree with the preamble's target."""
    named = document.target_number
    when = f" от {document.target_date:%d.%m.%Y}" if document.target_date else ""
    if amends is not None:
        if named and (
            amends.number != named
            or (document.target_date and amends.adopted_on != document.target_date)
        ):
            raise KontrolError(
                f"{document.source_name} amends № {named}{when} (its title), not "
                f"№ {amends.number} от {amends.adopted_on:%d.%m.%Y} (--amends); nothing written"
            )
        roadmap = amends
    elif not named:
        raise KontrolError(
            f"{document.source_name}: the amended decree («от 27.07.2020 № 1302-б») is not "
            "named in its title: give it with --amends NUMBER; nothing written"
        )
    else:
        query = select(Roadmap).where(Roadmap.number == named)
        if document.target_date:
            query = query.where(Roadmap.adopted_on == document.target_date)
        found = list(session.scalars(query))
        if len(found) > 1:
            found = [r for r in found if same_issuer(r.authority, document.authority)] or found
        if not found:
            raise NotFound(
                f"{document.source_name} amends № {named}{when}, which is not imported; "
                "nothing written"
            )
        if len(found) > 1:
            raise KontrolError(
                f"{document.source_name} amends № {named}{when}: {len(found)} roadmaps match; "
                "name one with --amends; nothing written"
            )
        roadmap = found[0]
    if not roadmap.in_force(on):
        raise KontrolError(
            f"roadmap № {roadmap.number} is void since {roadmap.retired_on:%d.%m.%Y} "
            "(утратило силу): it cannot be amended; nothing written"
        )
    return roadmap


def amend_roadmap(
    session: Session,
    document: AmendmentDocument,
    directory: Directory,
    roadmap: Roadmap,
    *,
    now: dt.datetime,
    apply: bool,
) -> AmendmentReport:
    """Show (and with ``apply`` make) the changes ``document`` orders to ``roadmap``."""
    report = AmendmentReport(
        number=document.number, adopted_on=document.adopted_on, title=document.title,
        roadmap_id=roadmap.id, roadmap_number=roadmap.number,
        roadmap_adopted_on=roadmap.adopted_on, warnings=list(document.warnings),
    )  # fmt: skip
    done = _recorded(roadmap, document)
    if done is not None:
        report.status, report.applied_at = "unchanged", done.applied_at
        report.changes = [ItemChange(c.item_number, c.change, c.fields) for c in done.changes]  # type: ignore[arg-type]
        return report
    sync_directory(session, directory)
    known = {b for (b,) in session.execute(select(Body.id))}
    stored = stored_items(roadmap)
    wanted, sources = _wanted(document, stored, directory, known, report.unresolved)
    report.changes = [_described(c, stored, wanted) for c in diff_items(stored, wanted)]
    if not apply:
        return report
    _apply(session, roadmap, wanted, sources, report.changes)
    amendment = Amendment(
        kind=document.kind, number=document.number, adopted_on=document.adopted_on,
        authority=document.authority, title=document.title, source_name=document.source_name,
        source_sha256=document.sha256, applied_at=now,
    )  # fmt: skip
    amendment.changes = [
        AmendmentChange(position=i, item_number=c.number, change=c.change, fields=_pairs(c))
        for i, c in enumerate(report.changes)
    ]
    roadmap.amendments.append(amendment)
    roadmap.updated_at = now
    session.flush()
    report.status, report.applied_at = "applied", now
    return report


def _recorded(roadmap: Roadmap, document: AmendmentDocument) -> Amendment | None:
    for amendment in roadmap.amendments:
        if (
            amendment.number == document.number
            and amendment.adopted_on == document.adopted_on
            and same_issuer(amendment.authority, document.authority)
        ):
            return amendment
    return None


_SHOWN = ("title", "schedule_text", "executors_text")


def _described(
    change: ItemChange, stored: dict[str, dict[str, Any]], wanted: dict[str, dict[str, Any]]
) -> ItemChange:
    """An added item with its text, a withdrawn one with its title (``diff_items`` has none)."""
    if change.change == "added":
        fields = {k: (None, wanted[change.number][k]) for k in _SHOWN if wanted[change.number][k]}
        return ItemChange(change.number, "added", fields)
    if change.change == "removed":
        title = stored[change.number]["title"]
        return ItemChange(change.number, "withdrawn", {"title": (title, None)})  # type: ignore[arg-type]
    return change


def _pairs(change: ItemChange) -> dict[str, Any]:
    return {k: [o, n] for k, (o, n) in change.fields.items()}


def _fields(src: SourceItem, directory: Directory, known: set[str], unresolved: list[str]) -> dict:
    resolved = resolve_executors(src.executors_text, directory) if src.kind == "activity" else None
    bodies = [b for b in resolved.bodies if b in known] if resolved else []
    for u in resolved.unresolved if resolved else []:
        unresolved.append(f"item {src.number}: executor «{u.text}» not in the directory")
    return {
        "kind": src.kind,
        "title": src.title,
        "schedule_text": src.schedule_text,
        "executors_text": src.executors_text,
        "parent": src.parent,
        "executors": bodies,
    }


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split(".") if p.isdigit())


def _wanted(
    document: AmendmentDocument,
    stored: dict[str, dict[str, Any]],
    directory: Directory,
    known: set[str],
    unresolved: list[str],
) -> tuple[dict[str, dict[str, Any]], dict[str, SourceItem]]:
    """The roadmap's items as the amendment leaves them, in order, and the rows it brings."""
    sources: dict[str, SourceItem] = {}
    if document.new_plan is not None:
        sources = {s.number: s for s in document.new_plan}
        return {n: _fields(s, directory, known, unresolved) for n, s in sources.items()}, sources
    wanted = {n: dict(f) for n, f in stored.items()}
    for ins in document.instructions:
        where = f"{document.source_name}:{ins.line}"
        if ins.action == "withdraw":
            for number in ins.numbers:
                if number not in wanted:
                    raise KontrolError(f"{where}: item {number} to withdraw is not in force")
                for n in [n for n in wanted if n == number or n.startswith(number + ".")]:
                    del wanted[n]
            continue
        for src in ins.items:
            if ins.action == "replace" and src.number not in wanted and src.number in ins.numbers:
                raise KontrolError(f"{where}: item {src.number} to replace is not in force")
            if ins.action == "add" and src.number in wanted:
                raise KontrolError(f"{where}: item {src.number} to add is already there")
            sources[src.number] = src
            fields = _fields(src, directory, known, unresolved)
            if src.number in wanted:
                wanted[src.number] = fields
            else:
                wanted = _insert(wanted, src.number, fields)
    for number in sources:  # parents among the items in force after the change
        prefixes = [".".join(number.split(".")[:k]) for k in range(1, number.count(".") + 1)]
        wanted[number]["parent"] = next((p for p in reversed(prefixes) if p in wanted), None)
    return wanted, sources


def _insert(wanted: dict[str, Any], number: str, fields: dict[str, Any]) -> dict[str, Any]:
    order = list(wanted)
    at = next((i for i, n in enumerate(order) if _key(n) > _key(number)), len(order))
    order.insert(at, number)
    return {n: fields if n == number else wanted[n] for n in order}


def _apply(
    session: Session,
    roadmap: Roadmap,
    wanted: dict[str, dict[str, Any]],
    sources: dict[str, SourceItem],
    changes: list[ItemChange],
) -> None:
    """Write the items: changed and added from the amendment's rows, withdrawn kept."""
    items = {i.number: i for i in roadmap.items}
    touched = {c.number for c in changes if c.change in ("changed", "added")}
    for position, number in enumerate(wanted):
        item = items.get(number)
        if item is None:
            item = items[number] = Item(number=number, withdrawn=False)
            roadmap.items.append(item)
        item.position = position
        item.withdrawn = False
        if number in touched:
            fields, src = wanted[number], sources.get(number)
            item.kind, item.title = fields["kind"], fields["title"]
            item.schedule_text, item.executors_text = (
                fields["schedule_text"],
                fields["executors_text"],
            )
            item.source_lines = list(src.lines) if src else item.source_lines or []
    session.flush()
    for number in touched:
        item, fields = items[number], wanted[number]
        parent = fields["parent"]
        item.parent_id = items[parent].id if parent in items else None
        if [e.body_id for e in item.executors] != fields["executors"]:
            item.executors.clear()
            session.flush()
            item.executors.extend(
                ItemExecutor(body_id=b, position=i, role="lead" if i == 0 else "co_executor")
                for i, b in enumerate(fields["executors"])
            )
    withdrawn = [c.number for c in changes if c.change == "withdrawn"]
    for offset, number in enumerate(withdrawn):
        items[number].withdrawn = True
        items[number].position = len(wanted) + offset
    session.flush()
