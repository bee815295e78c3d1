"""What a sweep did (or, in a dry run, would do): one ``Action`` per step, gathered in a
``SweepReport`` that the commands, the flow and the tests read (``kontrol.sweep``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kontrol.models import Assignment
from kontrol.naming import body_label, deployment_name


@dataclass(frozen=True)
class Action:
    """One thing the sweep did (or, in a dry run, would do)."""

    kind: str  # status | reminder | overdue_notice | escalation | digest | weekly (a digest
    # that carries the week's summary: one mail either way)
    step: str | None
    assignment_id: int | None
    recipient_id: str | None
    recipient_name: str | None
    roadmap: str | None = None
    item: str | None = None
    obligation_name: str | None = None
    body_id: str | None = None
    body_name: str | None = None
    due_on: dt.date | None = None
    days: int | None = None
    mail_key: str | None = None
    subject: str | None = None
    entries: tuple[int, ...] = ()

    def audit(
        self, name: str, *, at: dt.datetime, actor: str, as_of: dt.date, **details: Any
    ) -> dict[str, Any]:
        """Its audit record (``name``: the record's action), as ``insert_rows`` writes it."""
        return {
            "at": at,
            "actor": actor,
            "action": name,
            "assignment_id": self.assignment_id,
            "details": {"as_of": str(as_of), **details},
        }


@dataclass
class SweepReport:
    as_of: dt.date
    working_day: bool
    candidates: int = 0
    actions: list[Action] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # decrees whose void day came: cancelled

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for a in self.actions)

    def to_json(self) -> dict[str, Any]:
        kinds = ("status", "reminder", "overdue_notice", "escalation", "digest", "weekly")
        return {
            "as_of": self.as_of,
            "working_day": self.working_day,
            "candidates": self.candidates,
            "counts": {k: self.count(k) for k in kinds},
            "actions": [asdict(a) for a in self.actions],
            "retired": self.retired,
        }


Hook = Callable[[Action], None]


def action_of(a: Assignment, kind: str, step: str | None, **kw: Any) -> Action:
    ob = a.obligation
    return Action(
        kind=kind,
        step=step,
        assignment_id=a.id,
        roadmap=ob.item.roadmap.number,
        item=ob.item.number,
        obligation_name=deployment_name(ob),
        body_id=a.body_id,
        body_name=body_label(a.body),
        due_on=a.due_on,
        **kw,
    )
