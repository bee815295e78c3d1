"""From imported items to obligations: parse each schedule phrase, one row per phase.

Rows are keyed by (item, phase index) and updated in place, so what was issued for an
obligation keeps pointing at it across re-imports.
"""

from __future__ import annotations

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from kontrol.models import Item, Obligation, Roadmap
from kontrol.roadmap.amendment import AmendmentDocument
from kontrol.roadmap.document import RoadmapDocument
from kontrol.roadmap.errors import NOT_UNDERSTOOD, ScheduleError
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule import Schedule, parse_schedule
from kontrol.roadmap.schedule.closest import closest_forms
from kontrol.roadmap.seasons import check_seasons, plan_policy


def check_schedules(
    document: RoadmapDocument | AmendmentDocument, *, strict: bool, policy: Policy | None = None
) -> list[str]:
    """Every activity's phrase must parse (and name only seasons the ``policy`` has); with
    ``strict`` the first failure is the error, else the item is imported «не распознано» and
    the warning names the closest forms that are understood."""
    warnings: list[str] = []
    if policy is not None:  # «месячник»: the dates the plan's title gives
        policy = plan_policy(policy, document.plan_title, document.title)
    for item in document.activities:
        try:
            schedule = parse_schedule(item.schedule_text, item=item.number)
            if policy is not None:
                check_seasons(schedule.phases, policy)
        except ScheduleError as exc:
            exc.file = exc.file or document.source_name
            if item.lines:
                exc.line = exc.line or item.lines[0]
            exc.item = item.number
            if strict:
                raise
            forms = "; ".join(f"«{f}»" for f in closest_forms(item.schedule_text))
            warnings.append(f"{exc} — {NOT_UNDERSTOOD}; closest understood forms: {forms}")
    return warnings


def schedule_of(item: Item) -> Schedule | None:
    try:
        return parse_schedule(item.schedule_text, item=item.number)
    except ScheduleError:
        return None


def sync_obligations(session: Session, roadmap_id: int | None) -> None:
    roadmap = session.get(Roadmap, roadmap_id)
    assert roadmap is not None
    existing = {
        (o.item_id, o.phase_index): o
        for o in session.scalars(select(Obligation).join(Item).where(Item.roadmap_id == roadmap.id))
    }
    seen: set[tuple[int, int]] = set()
    for item in roadmap.items:
        if item.kind != "activity" or item.withdrawn:
            continue
        schedule = schedule_of(item)
        if schedule is None:
            continue
        for index, phase in enumerate(schedule.phases):
            key = (item.id, index)
            seen.add(key)
            ob = existing.get(key)
            if ob is None:
                ob = Obligation(item_id=item.id, phase_index=index)
                session.add(ob)
            ob.label = phase.label
            ob.kind = str(phase.kind)
            ob.frequency = phase.frequency
            ob.flags = [f.words for f in phase.flags]
            ob.withdrawn = False
    for key, ob in existing.items():
        if key not in seen:
            if is_obligation_referenced(session, ob):
                ob.withdrawn = True
            else:
                session.delete(ob)
    session.flush()


def _referencing_tables(session: Session) -> bool:
    return inspect(session.get_bind()).has_table("assignments")


def is_referenced(session: Session, item: Item) -> bool:
    """Whether other data (assignments) points at this item; such rows are kept, withdrawn."""
    if not _referencing_tables(session):
        return False
    return bool(
        session.execute(
            text(
                "SELECT 1 FROM assignments a JOIN obligations o ON a.obligation_id = o.id "
                "WHERE o.item_id = :id LIMIT 1"
            ),
            {"id": item.id},
        ).first()
    )


def is_obligation_referenced(session: Session, ob: Obligation) -> bool:
    if not _referencing_tables(session):
        return False
    return bool(
        session.execute(
            text("SELECT 1 FROM assignments WHERE obligation_id = :id LIMIT 1"), {"id": ob.id}
        ).first()
    )
