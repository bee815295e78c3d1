"""RFC 5545 recurrence text for one phase (what a Prefect RRule schedule takes).

Working-day adjustment makes issue dates irregular, so no plain RRULE can express them; the
text is ``DTSTART;TZID=<zone>`` plus ``RDATE`` lines listing the exact issue instants in UTC
(dateutil's ``rrulestr`` accepts no TZID on RDATE).  Round trip: ``rrulestr(text,
forceset=True)`` yields exactly the issue datetimes at the send hour in the policy's zone.

Decision: one text is kept under ``MAX_RULE_CHARS`` (Prefect's limit).  ``rrule_texts`` always
returns a list of such chunks; ``rrule_text`` returns the single text, or the list when the
phase needs more than one (weekly work over a decade), or None when nothing is scheduled.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kontrol.roadmap.occurrences import Occurrence
from kontrol.roadmap.policy import Policy
from kontrol.roadmap.schedule.model import Phase

__all__ = ["MAX_RULE_CHARS", "issue_datetimes", "rrule_text", "rrule_texts"]

MAX_RULE_CHARS = 6500
_PER_LINE = 40  # instants per RDATE line, to keep lines readable


def issue_datetimes(occurrences: list[Occurrence], policy: Policy) -> list[datetime]:
    """The aware issue instants of the scheduled occurrences, sorted and distinct."""
    zone = policy.zone
    return sorted(
        {
            datetime.combine(o.issue_on, policy.send_hour, tzinfo=zone)
            for o in occurrences
            if o.state == "scheduled"
        }
    )


def _text(instants: list[datetime], policy: Policy) -> str:
    start = instants[0]
    lines = [f"DTSTART;TZID={policy.timezone}:{start:%Y%m%dT%H%M%S}"]
    utc = [i.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for i in instants]
    for n in range(0, len(utc), _PER_LINE):
        lines.append("RDATE:" + ",".join(utc[n : n + _PER_LINE]))
    return "\n".join(lines)


def rrule_texts(phase: Phase, occurrences: list[Occurrence], policy: Policy) -> list[str]:
    """The phase's issue instants as one or more texts, each under ``MAX_RULE_CHARS``."""
    del phase  # the occurrences carry everything; kept for a stable signature
    instants = issue_datetimes(occurrences, policy)
    chunks: list[str] = []
    current: list[datetime] = []
    for instant in instants:
        if current and len(_text([*current, instant], policy)) > MAX_RULE_CHARS:
            chunks.append(_text(current, policy))
            current = []
        current.append(instant)
    if current:
        chunks.append(_text(current, policy))
    return chunks


def rrule_text(
    phase: Phase, occurrences: list[Occurrence], policy: Policy
) -> str | list[str] | None:
    """One text; a list when it must be split; None when no occurrence is scheduled."""
    texts = rrule_texts(phase, occurrences, policy)
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else texts
