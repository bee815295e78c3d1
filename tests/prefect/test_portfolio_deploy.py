"""Two real decrees deployed together on a real Prefect server: their deployments never clash,
say whose they are, and a decree declared void leaves nothing on the server to fire."""

from __future__ import annotations

import contextlib

import pytest
from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags
from prefect.exceptions import ObjectAlreadyExists

from tests.cli_runner import run
from tests.conftest import REPO

pytestmark = pytest.mark.usefixtures("prefect_server")

VLADIMIR = REPO / "examples" / "portfolio" / "vladimir"
PENZA = REPO / "examples" / "portfolio" / "penza"
POOL = "kontrol-portfolio"


def _names(tag: str) -> list[str]:
    with get_client(sync_client=True) as client:
        found = client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[tag])), limit=200
        )
    return sorted(d.name for d in found)


def test_three_decrees_deploy_side_by_side_and_a_void_one_is_removed(seeded, capsys):
    for folder in (VLADIMIR, PENZA):
        imported = run(
            capsys,
            "import",
            str(next(folder.glob("*.txt"))),
            "--directory",
            str(folder / "directory.yaml"),
            "--strict",
        )
        assert imported.code == 0, imported.err
    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))  # once per server
    deployed = run(capsys, "deploy", "--work-pool", POOL, "--no-catch-up")
    assert deployed.code == 0, deployed.err
    assert "of 3 roadmaps" in deployed.out
    seed, other = _names("№ 1302-б от 27.07.2020"), _names("№ 637 от 03.12.2004")
    third = _names("№ 1074 от 27.11.2007")
    assert len(seed) == 38 and len(other) == 8 and len(third) == 7
    assert all(n.startswith("1302-б · ") for n in seed)
    assert all(n.startswith("637 · ") for n in other)
    assert all(n.startswith("1074 · ") for n in third)
    retired = run(capsys, "retire", "637", "--reason", "постановление № 1 (пример)", "--json")
    assert retired.code == 0, retired.err
    assert retired.json()["deployments_removed"] == 8
    assert _names("№ 637 от 03.12.2004") == []
    assert len(_names("№ 1302-б от 27.07.2020")) == 38
    again = run(capsys, "deploy", "--work-pool", POOL, "--no-catch-up")
    assert again.code == 0 and "of 2 roadmaps" in again.out
    assert _names("№ 637 от 03.12.2004") == []
