"""The configured event catalogue (``KONTROL_EVENTS``) and the check, at import, that every
event a roadmap's schedules name is in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kontrol.errors import KontrolError
from kontrol.roadmap.events import EventCatalogue, load_events
from kontrol.settings import Settings


def events_file(settings: Settings) -> Path | None:
    """The catalogue file (``KONTROL_EVENTS``)."""
    return settings.events


def load_catalogue(settings: Settings, path: Path | None = None) -> EventCatalogue | None:
    """The configured event catalogue, or None when none is configured."""
    chosen = path or events_file(settings)
    return load_events(chosen) if chosen else None


def require_catalogue(settings: Settings) -> EventCatalogue:
    catalogue = load_catalogue(settings)
    if catalogue is None:
        raise KontrolError("no event catalogue: set KONTROL_EVENTS to the events.yaml file")
    return catalogue


def check_event_phrases(
    document: Any, catalogue: EventCatalogue | None, *, strict: bool
) -> list[str]:
    """Every event-relative phrase must name a catalogue event; what does not is reported
    with the closest names (with ``strict``, the first is the error). Never dropped."""
    from kontrol.roadmap.errors import ScheduleError
    from kontrol.roadmap.events import EventCatalogueError, resolve_event
    from kontrol.roadmap.schedule import Kind, parse_schedule

    warnings: list[str] = []
    for item in document.activities:
        try:
            phases = parse_schedule(item.schedule_text, item=item.number).phases
        except ScheduleError:
            continue  # reported by check_schedules
        for phase in phases:
            if phase.kind is not Kind.ON_EVENT or phase.event is None:
                continue
            if catalogue is None:
                message = (
                    f"item {item.number}: «{phase.event.event}» is an event, but no event "
                    "catalogue is given (--events FILE or KONTROL_EVENTS)"
                )
            else:
                match = resolve_event(phase.event.event, catalogue)
                if match.ok:
                    continue
                hint = f" (closest: {', '.join(match.suggestions)})" if match.suggestions else ""
                message = (
                    f"item {item.number}: the event «{phase.event.event}» is not in the "
                    f"event catalogue{hint}"
                )
            if strict:
                raise EventCatalogueError(
                    message,
                    file=document.source_name,
                    line=item.lines[0] if item.lines else None,
                )
            warnings.append(message)
    return warnings
