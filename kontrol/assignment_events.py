"""The Prefect events about assignments (``kontrol.assignment.*``), built in one place.

The body is the resource (``kontrol.body.<id>``), the item and the decree the related resources
(``kontrol.item.<roadmap>.<number>``, ``kontrol.roadmap.<number>``), so an automation can match
any of them by id; each carries
the Russian name the event feed shows (``prefect.resource.name``): the body's one display name
(``kontrol.naming.display_name``) and the obligation's deployment name. Plain data, testable
without Prefect; ``emit`` sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kontrol.naming import ascii_key

KINDS = ("issued", "overdue", "escalated", "completed")
Event = tuple[str, dict[str, str], list[dict[str, str]], dict[str, Any]]


def body_resource(body_id: str, name: str) -> dict[str, str]:
    return {"prefect.resource.id": f"kontrol.body.{body_id}", "prefect.resource.name": name}


def item_resource(roadmap: str, item: str, name: str) -> dict[str, str]:
    return {
        "prefect.resource.id": f"kontrol.item.{ascii_key(roadmap)}.{item}",
        "prefect.resource.role": "item",
        "prefect.resource.name": name,
    }


def roadmap_resource(roadmap: str) -> dict[str, str]:
    """The decree an event belongs to: an automation can match one roadmap of many."""
    return {
        "prefect.resource.id": f"kontrol.roadmap.{ascii_key(roadmap)}",
        "prefect.resource.role": "roadmap",
        "prefect.resource.name": f"№ {roadmap}",
    }


def assignment_event(
    kind: str,
    *,
    body_id: str,
    body_name: str,
    roadmap: str,
    item: str,
    item_name: str,
    payload: dict[str, Any],
) -> Event:
    """``kontrol.assignment.<kind>`` about ``body_id``, related to the item."""
    if kind not in KINDS:
        raise ValueError(f"unknown assignment event {kind!r} (known: {', '.join(KINDS)})")
    return (
        f"kontrol.assignment.{kind}",
        body_resource(body_id, body_name),
        [item_resource(roadmap, item, item_name), roadmap_resource(roadmap)],
        payload,
    )


def emit(events: Iterable[Event]) -> None:
    """Send each event to the configured Prefect API (Prefect's client queues them)."""
    from prefect.events import emit_event

    for event, resource, related, payload in events:
        emit_event(event=event, resource=resource, related=related, payload=payload)
