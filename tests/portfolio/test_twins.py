"""Two decrees of two issuers with the same number and date: a decree is its issuer, number
and date, so each is named with its issuer — in `--roadmap`, in the flows' parameters, in the
deployments' names and tags — and neither's deployments are taken for the other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontrol.cli.building import build_specs
from kontrol.context import App
from kontrol.deployments.compile import roadmap_tag
from kontrol.lookup import roadmap_by_number
from kontrol.settings import load_settings
from tests.cli_runner import run
from tests.portfolio.conftest import variant

TWIN = "«27» июля 2020 года № 1302-б"  # the seed's own line: the same number and date


@pytest.fixture
def twins(
    kontrol_env: str,
    capsys: pytest.CaptureFixture[str],
    seed_path: Path,
    directory_path: Path,
    tmp_path: Path,
) -> None:
    other = variant(seed_path, tmp_path, "twin.txt", TWIN, "ПО КУЛЬТУРЕ")
    for path in (seed_path, other):
        result = run(capsys, "import", str(path), "--directory", str(directory_path))
        assert result.code == 0, result.err


@pytest.mark.usefixtures("twins")
def test_each_twin_is_named_with_its_issuer(capsys: pytest.CaptureFixture[str]) -> None:
    refs = [r["ref"] for r in run(capsys, "roadmaps", "--json").json()]
    assert len(refs) == 2 and len(set(refs)) == 2
    assert all(ref.startswith("1302-б от 27.07.2020, ") for ref in refs)
    assert any("по культуре" in ref.casefold() for ref in refs)

    plain = run(capsys, "items", "--roadmap", "1302-б от 27.07.2020")
    assert plain.code == 2 and all(ref in plain.err for ref in refs)
    for ref in refs:
        listed = run(capsys, "items", "--json", "--roadmap", ref).json()
        assert [e["roadmap"]["ref"] for e in listed] == [ref]
    by_part = run(capsys, "items", "--json", "--roadmap", "1302-б от 27.07.2020, по культуре")
    assert by_part.code == 0 and "по культуре" in by_part.json()[0]["roadmap"]["ref"].casefold()


@pytest.mark.usefixtures("twins")
def test_the_twins_deploy_apart() -> None:
    app = App(load_settings())
    build = build_specs(app)
    tags = {t for s in build.specs for t in s.tags if t.startswith("№ ")}
    assert len(tags) == 2
    assert len({s.name for s in build.specs}) == len(build.specs)
    assert build.wanted["№ 1302-б от 27.07.2020"] == set()  # the name both had before: pruned
    with app.reading() as session:
        for spec in build.specs[:3] + build.specs[-3:]:  # each flow run finds its own decree
            roadmap = roadmap_by_number(session, spec.parameters["roadmap"])
            assert roadmap_tag(roadmap) in spec.tags
