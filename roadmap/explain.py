"""The JSON shape of a schedule's meaning, for ``kontrol schedule --json`` and reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from kontrol.roadmap.occurrences import event_term, occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule.model import Schedule
from kontrol.roadmap.workcalendar import WorkCalendar

__all__ = ["explain"]


def explain(
    schedule: Schedule,
    *,
    adopted: date,
    horizon_year: int,
    policy: Policy | None = None,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """Phrase, phases and every occurrence with ISO dates (plain JSON types only)."""
    pol = policy or Policy()
    cal = calendar or WorkCalendar()
    phases = []
    for phase, occs in occurrences(
        schedule, adopted=adopted, horizon_year=horizon_year, policy=pol, calendar=cal
    ):
        event: dict[str, Any] = {}
        if phase.event is not None:
            offset, unit, default = event_term(phase, pol)
            event = {"event": phase.event.event, "offset": offset, "unit": unit}
            event["offset_default"] = default
        phases.append(
            {
                "label": phase.label,
                "kind": phase.kind.value,
                "frequency": phase.frequency,
                "interval": phase.interval,
                "qualifier": phase.qualifier,
                "year_from": phase.year_from,
                "year_to": phase.year_to,
                "flags": [f.words for f in phase.flags],
                **event,
                "occurrences": [
                    {
                        "key": o.key,
                        "period_start": o.period_start.isoformat(),
                        "period_end": o.period_end.isoformat(),
                        "issue_on": o.issue_on.isoformat(),
                        "due_on": o.due_on.isoformat(),
                        "state": o.state,
                    }
                    for o in occs
                ],
            }
        )
    return {"phrase": schedule.phrase, "phases": phases}
