"""Import a parsed decree into the database: one transaction, idempotent, diff before update.

The caller owns the transaction: ``import_roadmap`` only adds, changes and flushes; if it
raises, nothing it did survives the rollback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kontrol.errors import KontrolError
from kontrol.models import Body, Curator, GroupMember, Item, ItemExecutor, Roadmap
from kontrol.roadmap.directory import Directory
from kontrol.roadmap.document import RoadmapDocument, SourceItem
from kontrol.roadmap.resolve import resolve_executors, resolve_name

Status = Literal["created", "unchanged", "differs", "updated"]
ITEM_FIELDS = ("kind", "title", "schedule_text", "executors_text", "parent", "executors")


@dataclass
class Unresolved:
    item: str
    text: str
    suggestions: list[str]


@dataclass
class ItemChange:
    number: str
    change: Literal["added", "removed", "changed"]
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportReport:
    number: str
    adopted_on: dt.date
    horizon_year: int | None
    sections: int
    activities: int
    status: Status = "created"
    changes: list[ItemChange] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    roadmap_id: int | None = None
    kind: str = "распоряжение"  # the act's kind as the preamble names it

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["adopted_on"] = self.adopted_on.isoformat()
        data["changes"] = [
            {
                "number": c.number,
                "change": c.change,
                "fields": {k: {"old": o, "new": n} for k, (o, n) in c.fields.items()},
            }
            for c in self.changes
        ]
        return data


class UnresolvedBodies(KontrolError):
    def __init__(self, source: str, unresolved: list[Unresolved]) -> None:
        lines = [f"{source}: {len(unresolved)} executor name(s) not in the directory (--strict):"]
        for u in unresolved:
            hint = f" — closest: {', '.join(u.suggestions)}" if u.suggestions else ""
            lines.append(f"  item {u.item}: «{u.text}»{hint}")
        super().__init__("\n".join(lines))


class TruncatedDecree(KontrolError):
    """With --strict, a decree that looks cut off is not imported at all."""

    def __init__(self, document: RoadmapDocument) -> None:
        super().__init__(f"{document.truncation} (--strict)")


def refuse_truncated(document: RoadmapDocument, *, strict: bool) -> None:
    """Under ``strict``, a decree that looks cut off is an error, before anything is written."""
    if strict and document.truncation:
        raise TruncatedDecree(document)


def sync_directory(session: Session, directory: Directory) -> None:
    """Upsert every body of the directory; bodies dropped from it stay (data may point there)."""
    existing = {b.id: b for b in session.scalars(select(Body))}
    for entry in directory.bodies:
        body = existing.get(entry.id) or Body(id=entry.id)
        body.name = entry.name
        body.short_name = entry.short_name
        body.kind = entry.kind
        body.aliases = list(entry.aliases)
        body.emails = list(entry.emails)
        body.role = entry.role
        body.person = entry.person
        body.example = entry.example
        if entry.id not in existing:
            session.add(body)
            existing[entry.id] = body
    session.flush()
    for entry in directory.bodies:
        body = existing[entry.id]
        body.escalates_to_id = entry.escalates_to
        wanted = list(entry.members)
        if [m.member_id for m in body.members] != wanted:
            body.members.clear()
            session.flush()
            body.members.extend(
                GroupMember(group_id=entry.id, member_id=m, position=i)
                for i, m in enumerate(wanted)
            )
    session.flush()


def _resolve(
    document: RoadmapDocument, directory: Directory
) -> tuple[dict[str, list[str]], list[Unresolved]]:
    executors: dict[str, list[str]] = {}
    unresolved: list[Unresolved] = []
    for item in document.activities:
        res = resolve_executors(item.executors_text, directory)
        executors[item.number] = list(res.bodies)
        unresolved += [Unresolved(item.number, u.text, list(u.suggestions)) for u in res.unresolved]
        if not res.bodies and not res.unresolved and item.executors_text.strip():
            unresolved.append(Unresolved(item.number, item.executors_text, []))
    return executors, unresolved


def _wanted_items(
    document: RoadmapDocument, executors: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    return {
        item.number: {
            "kind": item.kind,
            "title": item.title,
            "schedule_text": item.schedule_text,
            "executors_text": item.executors_text,
            "parent": item.parent,
            "executors": executors.get(item.number, []),
        }
        for item in document.items
    }


def stored_items(roadmap: Roadmap) -> dict[str, dict[str, Any]]:
    by_id = {i.id: i.number for i in roadmap.items}
    return {
        item.number: {
            "kind": item.kind,
            "title": item.title,
            "schedule_text": item.schedule_text,
            "executors_text": item.executors_text,
            "parent": by_id.get(item.parent_id) if item.parent_id else None,
            "executors": [e.body_id for e in item.executors],
        }
        for item in roadmap.items
        if not item.withdrawn
    }


def diff_items(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[ItemChange]:
    """Item-by-item difference in document order (new items where they stand, removed last)."""
    changes: list[ItemChange] = []
    for number, fields in new.items():
        if number not in old:
            changes.append(ItemChange(number, "added"))
            continue
        delta = {k: (old[number][k], v) for k, v in fields.items() if old[number][k] != v}
        if delta:
            changes.append(ItemChange(number, "changed", delta))
    changes += [ItemChange(n, "removed") for n in old if n not in new]
    return changes


def import_roadmap(
    session: Session,
    document: RoadmapDocument,
    directory: Directory,
    *,
    now: dt.datetime,
    update: bool = False,
    strict: bool = False,
    is_referenced: Any = None,
) -> ImportReport:
    """Store ``document``; a revised version is only diffed unless ``update`` is set."""
    refuse_truncated(document, strict=strict)
    executors, unresolved = _resolve(document, directory)
    report = ImportReport(
        number=document.number,
        kind=document.kind or "распоряжение",
        adopted_on=document.adopted_on,
        horizon_year=document.horizon_year,
        sections=len(document.sections),
        activities=len(document.activities),
        unresolved=unresolved,
        warnings=list(document.warnings),
    )
    if strict and unresolved:
        raise UnresolvedBodies(document.source_name, unresolved)
    sync_directory(session, directory)
    known = {b for (b,) in session.execute(select(Body.id))}
    roadmap = stored_roadmap(session, document)
    wanted = _wanted_items(
        document, {n: [b for b in bs if b in known] for n, bs in executors.items()}
    )
    if roadmap is None:
        roadmap = Roadmap(imported_at=now)
        session.add(roadmap)
        _apply_header(session, roadmap, document, directory, now)
        _apply_items(session, roadmap, document, wanted, is_referenced)
        report.status = "created"
        report.changes = [ItemChange(n, "added") for n in wanted]
    else:
        report.changes = diff_items(stored_items(roadmap), wanted)
        header_changed = roadmap.source_sha256 != document.sha256
        if not report.changes and not header_changed:
            report.status = "unchanged"
        elif not update:
            report.status = "differs"
        else:
            _apply_header(session, roadmap, document, directory, now)
            _apply_items(session, roadmap, document, wanted, is_referenced)
            report.status = "updated"
    session.flush()
    report.roadmap_id = roadmap.id
    return report


def same_issuer(a: str, b: str) -> bool:
    """Issuers as the decree spells them, up to case and line breaks."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def stored_roadmap(session: Session, document: RoadmapDocument) -> Roadmap | None:
    """The stored roadmap of this decree: the same issuer, number and date."""
    same_number = session.scalars(
        select(Roadmap).where(
            Roadmap.number == document.number, Roadmap.adopted_on == document.adopted_on
        )
    )
    return next((r for r in same_number if same_issuer(r.authority, document.authority)), None)


def _apply_header(
    session: Session,
    roadmap: Roadmap,
    document: RoadmapDocument,
    directory: Directory,
    now: dt.datetime,
) -> None:
    roadmap.kind = document.kind
    roadmap.number = document.number
    roadmap.adopted_on = document.adopted_on
    roadmap.authority = document.authority
    roadmap.title = document.title
    roadmap.plan_title = document.plan_title
    roadmap.horizon_year = document.horizon_year
    roadmap.source_name = document.source_name
    roadmap.source_sha256 = document.sha256
    roadmap.encoding = document.encoding
    roadmap.updated_at = now
    controller = document.controller
    roadmap.controller_position = controller.position if controller else None
    roadmap.controller_person = controller.person if controller else None
    roadmap.controller_body_id = _controller_id(document, directory)
    roadmap.curators.clear()
    session.flush()
    for i, cur in enumerate(document.curators):
        roadmap.curators.append(
            Curator(
                position=i,
                unit_text=cur.unit,
                person=cur.person,
                body_id=resolve_name(cur.unit, directory),
            )
        )


def _controller_id(document: RoadmapDocument, directory: Directory) -> str | None:
    if document.controller is not None:
        found = resolve_name(document.controller.position, directory)
        if found:
            return found
    for body in directory.bodies:
        if body.role == "controller":
            return body.id
    return None


def _apply_items(
    session: Session,
    roadmap: Roadmap,
    document: RoadmapDocument,
    wanted: dict[str, dict[str, Any]],
    is_referenced: Any,
) -> None:
    stored = {i.number: i for i in roadmap.items}
    by_number: dict[str, Item] = {}
    for pos, src in enumerate(document.items):
        item = stored.get(src.number)
        if item is None:
            item = Item(number=src.number)
            roadmap.items.append(item)
        _fill_item(item, src, pos)
        by_number[src.number] = item
    session.flush()
    for src in document.items:
        item = by_number[src.number]
        item.parent_id = by_number[src.parent].id if src.parent in by_number else None
        ids = wanted[src.number]["executors"]
        if [e.body_id for e in item.executors] != ids:
            item.executors.clear()
            session.flush()
            item.executors.extend(
                ItemExecutor(body_id=b, position=i, role="lead" if i == 0 else "co_executor")
                for i, b in enumerate(ids)
            )
    for number, item in stored.items():
        if number in by_number:
            continue
        if is_referenced is not None and is_referenced(session, item):
            item.withdrawn = True
        else:
            for child in roadmap.items:
                if child.parent_id == item.id:
                    child.parent_id = None
            roadmap.items.remove(item)
    session.flush()


def _fill_item(item: Item, src: SourceItem, position: int) -> None:
    item.position = position
    item.kind = src.kind
    item.title = src.title
    item.schedule_text = src.schedule_text
    item.executors_text = src.executors_text
    item.source_lines = list(src.lines)
    item.withdrawn = False
