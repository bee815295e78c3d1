"""The JSON shape of a schedule's meaning, for ``kontrol schedule --json`` and reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from kontrol.roadmap.occurrences import event_term, occurrences
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule.model import Kind, Phase, Schedule
from kontrol.roadmap.workcalendar import WorkCalendar

__all__ = ["explain", "years_reading"]


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
                "time": phase.time.strftime("%H:%M") if phase.time else None,
                "years": years_reading(phase, adopted.year, horizon_year),
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


def years_reading(phase: Phase, first: int, horizon_year: int) -> str | None:
    """How a part of the year or a deadline without a year is read in this plan: every year of
    a plan of several years, once in a one-year plan (docs/schedule.md); None for the rest."""
    yearly = phase.kind is Kind.RECURRING and phase.frequency in ("yearly", "every_n_years")
    if not yearly or phase.year_from is not None or phase.year_to is not None:
        return None
    if horizon_year <= first:
        return f"once, in {horizon_year}: a one-year plan"
    return f"every year {first}-{horizon_year}: a plan of several years"
