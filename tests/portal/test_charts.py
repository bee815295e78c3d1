"""The pictures the Prefect UI shows: drawn by the portal behind a signed link."""

from __future__ import annotations

from kontrol.mail.links import Links
from kontrol.models import Roadmap
from kontrol.portal import tokens
from tests.portal.conftest import KEY, PortalEnv


def test_workload_and_timeline_answer_svg_to_a_signed_link_only(env: PortalEnv) -> None:
    token = tokens.charts_token(secret_key=KEY, clock=env.clock)
    assert Links(KEY).charts().split(".")[0] == token.split(".")[0]  # the sweep's, same payload
    workload = env.client.get(f"/charts/{token}/workload.svg")
    assert workload.status_code == 200
    assert workload.headers["content-type"] == "image/svg+xml"
    assert workload.content.lstrip().startswith((b"<?xml", b"<svg"))
    roadmap_id = env.rows(Roadmap)[0].id
    timeline = env.client.get(f"/charts/{token}/timeline-{roadmap_id}.svg")
    assert timeline.status_code == 200 and b"1302" in timeline.content
    assert env.client.get(f"/charts/{token}/timeline-999999.svg").status_code == 404
    # a forged, altered or other-purpose token draws nothing
    overview = tokens.overview_token("loiro", secret_key=KEY, clock=env.clock)
    for bad in (token[:-2] + "xx", overview, "x"):
        answer = env.client.get(f"/charts/{bad}/workload.svg")
        assert answer.status_code in (403, 404), bad
        assert b"<svg" not in answer.content
