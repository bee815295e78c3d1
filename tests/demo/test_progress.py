"""What the demo says while the catch-up runs and the mail goes out: a line per change, a ✓
when each is finished, then quiet — from snapshots, no processes."""

from __future__ import annotations

from dataclasses import replace

from kontrol.progress import Progress, Snapshot

START = Snapshot(
    expected=205,
    issued=0,
    occurrences=24,
    finished=0,
    failed=0,
    assignments=0,
    mail_sent=0,
    mail_waiting=0,
    mail_failed=0,
)


def _said(progress: Progress, *snapshots: Snapshot) -> list[list[str]]:
    return [progress.lines(s) for s in snapshots]


def test_the_catch_up_and_the_mail_each_end_with_a_tick_then_nothing_is_said():
    halfway = replace(START, issued=88, finished=7, assignments=88, mail_sent=80, mail_waiting=8)
    issued = replace(START, issued=205, finished=24, assignments=205, mail_sent=200, mail_waiting=5)
    delivered = replace(issued, mail_sent=205, mail_waiting=0)
    said = _said(Progress("var/mail"), START, START, halfway, halfway, issued, delivered, delivered)
    assert said == [
        ["catch-up: 0 of 205 assignments issued (0 of 24 runs finished); mail: 0 delivered"],
        [],
        ["catch-up: 88 of 205 assignments issued (7 of 24 runs finished); mail: 80 delivered"],
        [],
        ["catch-up: 205 of 205 assignments issued ✓", "mail: 200 delivered, 5 waiting"],
        ["mail: 205 delivered to var/mail ✓"],
        [],
    ]


def test_after_both_ticks_only_a_change_is_said():
    done = replace(START, issued=205, finished=24, assignments=205, mail_sent=205)
    progress = Progress("var/mail")
    _said(progress, done)
    swept = replace(done, assignments=205, mail_sent=205, mail_waiting=3)
    sent = replace(swept, mail_sent=208, mail_waiting=0)
    issued = replace(sent, assignments=206, mail_sent=209)
    assert _said(progress, swept, swept, sent, issued, issued) == [
        ["mail: 205 delivered, 3 waiting"],
        [],
        ["mail: 208 delivered to var/mail ✓"],
        ["1 more assignment issued (206 in all)", "mail: 209 delivered to var/mail ✓"],
        [],
    ]


def test_a_catch_up_with_runs_that_did_not_complete_says_so():
    ended = replace(START, issued=190, finished=24, failed=2, assignments=190, mail_sent=190)
    assert _said(Progress("var/mail"), ended) == [
        [
            "catch-up: 190 of 205 assignments issued ✗ — 2 runs did not complete: see the "
            "Prefect UI, Runs",
            "mail: 190 delivered to var/mail ✓",
        ]
    ]


def test_nothing_to_catch_up_is_finished_at_once_and_failed_mail_is_named():
    nothing = replace(START, expected=0, occurrences=0, mail_failed=2)
    assert _said(Progress("var/mail"), nothing) == [
        [
            "catch-up: nothing is running today ✓",
            "mail: 0 delivered to var/mail ✓ (2 failed: `kontrol mail list --status failed` "
            "says why)",
        ]
    ]
