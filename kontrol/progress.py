"""What the demo says while it works: a line when something changed, a ✓ when the catch-up and
the mail are done, then nothing until something changes again.

Pure: it is given snapshots (counted by :mod:`kontrol.cli.demo_watch`) and returns the lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    expected: int  # assignments the catch-up issues, by the plan
    issued: int  # of those, in the database
    occurrences: int  # catch-up occurrences (one run each)
    finished: int  # … whose run has ended (and will not be made again)
    failed: int  # … whose run ended without completing
    assignments: int  # every assignment in the database
    mail_sent: int
    mail_waiting: int  # pending, or being sent
    mail_failed: int

    @property
    def caught_up(self) -> bool:
        return self.finished >= self.occurrences


@dataclass
class Progress:
    mail_dir: str
    _caught_up: bool = False
    _last: Snapshot | None = None
    _delivered: tuple[int, int] | None = None  # (sent, failed) of the last ✓ mail line

    def lines(self, now: Snapshot) -> list[str]:
        """The lines ``now`` calls for, given what was said before."""
        last, self._last = self._last, now
        out: list[str] = []
        if not self._caught_up:
            if now.caught_up:
                self._caught_up = True
                out.append(_caught_up(now))
            elif last is None or _key(last) != _key(now):
                out.append(
                    f"catch-up: {now.issued} of {now.expected} assignments issued "
                    f"({now.finished} of {now.occurrences} runs finished); "
                    f"mail: {now.mail_sent} delivered"
                )
        elif last is not None and now.assignments > last.assignments:
            more = now.assignments - last.assignments
            out.append(
                f"{more} more {_plural(more, 'assignment', 'assignments')} issued "
                f"({now.assignments} in all)"
            )
        if self._caught_up:
            out += self._mail(last, now)
        return out

    def _mail(self, last: Snapshot | None, now: Snapshot) -> list[str]:
        failed = f"{now.mail_failed} failed" if now.mail_failed else ""
        if now.mail_waiting == 0:
            if self._delivered == (now.mail_sent, now.mail_failed):
                return []
            self._delivered = (now.mail_sent, now.mail_failed)
            line = f"mail: {now.mail_sent} delivered to {self.mail_dir} ✓"
            if failed:
                line += f" ({failed}: `kontrol mail list --status failed` says why)"
            return [line]
        if last is None or not last.caught_up or _mail_key(last) != _mail_key(now):
            return [
                f"mail: {now.mail_sent} delivered, {now.mail_waiting} waiting"
                + (f", {failed}" if failed else "")
            ]
        return []


def _caught_up(now: Snapshot) -> str:
    if now.occurrences == 0:
        return "catch-up: nothing is running today ✓"
    line = f"catch-up: {now.issued} of {now.expected} assignments issued"
    if now.failed == 0 and now.issued >= now.expected:
        return line + " ✓"
    runs = _plural(now.failed, "run", "runs")
    return line + f" ✗ — {now.failed} {runs} did not complete: see the Prefect UI, Runs"


def _key(s: Snapshot) -> tuple[int, int, int]:
    return (s.issued, s.finished, s.mail_sent)


def _mail_key(s: Snapshot) -> tuple[int, int, int]:
    return (s.mail_sent, s.mail_waiting, s.mail_failed)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
