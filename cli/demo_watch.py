"""What the demo counts while it runs: the catch-up's assignments (the database against the
plan), its flow runs (the Prefect API) and the mail (the outbox).

Catch-up is finished when every catch-up occurrence has a run in a final state that no later
start will make again; delivery is finished when the outbox has nothing pending.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from kontrol.context import App
from kontrol.issuing import recipients
from kontrol.lookup import obligations_of, roadmap_ref, select_roadmaps
from kontrol.models import Assignment, OutboxMessage
from kontrol.progress import Snapshot

FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
PAGE = 200  # the Prefect API's largest page


@dataclass(frozen=True)
class Occurrence:
    obligation_id: int
    key: str
    recipients: int
    run_keys: tuple[str, ...]  # idempotency keys of its catch-up runs, first attempt first


def catch_up_of(app: App) -> list[Occurrence]:
    """The occurrences ``kontrol serve`` issues at its start, and how many assignments each."""
    from kontrol.cli.building import build_specs
    from kontrol.deployments import prefect_io

    specs = build_specs(app).specs
    with app.reading() as session:
        obligations = {
            (roadmap_ref(rm), ob.key): ob
            for rm in select_roadmaps(session)
            for ob in obligations_of(session, rm)
        }
        return [
            Occurrence(
                obligations[spec.roadmap, spec.obligation].id,
                key,
                len(recipients(session, obligations[spec.roadmap, spec.obligation].item)),
                tuple(prefect_io.catch_up_keys(spec, key)),
            )
            for spec in specs
            for key in spec.catch_up
        ]


@dataclass
class Watch:
    app: App
    api: str  # the Prefect API URL
    catch_up: list[Occurrence]
    _ended: int = 0  # the last count of finished occurrences Prefect gave
    _failed: int = 0

    def snapshot(self) -> Snapshot:
        with self.app.reading() as session:
            counts = {
                (ob, key): n
                for ob, key, n in session.execute(
                    select(
                        Assignment.obligation_id, Assignment.occurrence_key, func.count()
                    ).group_by(Assignment.obligation_id, Assignment.occurrence_key)
                )
            }
            mail = dict(
                session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
        self._runs()
        return Snapshot(
            expected=sum(o.recipients for o in self.catch_up),
            issued=sum(
                min(counts.get((o.obligation_id, o.key), 0), o.recipients) for o in self.catch_up
            ),
            occurrences=len(self.catch_up),
            finished=self._ended,
            failed=self._failed,
            assignments=sum(counts.values()),
            mail_sent=mail.get("sent", 0),
            mail_waiting=mail.get("pending", 0) + mail.get("sending", 0),
            mail_failed=mail.get("failed", 0),
        )

    def _runs(self) -> None:
        """Count the occurrences whose latest run has ended for good (unchanged when the API
        does not answer this time)."""
        from prefect.client.schemas.objects import FlowRun

        from kontrol.deployments.prefect_io import stopped_from_outside

        keys = [k for o in self.catch_up for k in o.run_keys]
        if not keys:
            return
        runs: dict[str, FlowRun] = {}
        try:
            with httpx.Client(base_url=self.api, timeout=10) as client:
                for offset in range(0, len(keys), PAGE):
                    response = client.post(
                        "/flow_runs/filter",
                        json={
                            "flow_runs": {
                                "idempotency_key": {"any_": keys[offset : offset + PAGE]}
                            },
                            "limit": PAGE,
                        },
                    )
                    response.raise_for_status()
                    for item in response.json():
                        run = FlowRun.model_validate(item)
                        runs[str(run.idempotency_key)] = run
        except httpx.HTTPError:
            return
        ended = failed = 0
        for occ in self.catch_up:
            made = [k for k in occ.run_keys if k in runs]
            latest = runs[made[-1]] if made else None
            if latest is None or latest.state is None:
                continue
            # a run stopped from outside is made again at serve's start, up to the last key
            again = stopped_from_outside(latest) and made[-1] != occ.run_keys[-1]
            if latest.state.type.value in FINAL and not again:
                ended += 1
                failed += latest.state.type.value != "COMPLETED"
        self._ended, self._failed = ended, failed
