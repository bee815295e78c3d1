"""The package as a user gets it: an sdist and a wheel built once per session, the wheel
installed into a fresh virtual environment outside the checkout.

The fresh environment gets its dependencies without the network: exactly the distributions
kontrol's metadata requires (``Requires-Dist``, followed recursively with their extras and
markers), linked from this test environment into one folder a ``.pth`` file puts on its path.
Nothing else of the test environment is visible there — not the test tools, not the editable
kontrol (its finder is started by a ``.pth`` of the test environment, which the fresh one
never reads) — so a run-time import of an undeclared dependency fails as it would for a user.
Installing the wheel with its dependencies from the package index takes about 50 s with a
warm pip cache (and a download in CI); this takes a few seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

NOT_SOURCES = shutil.ignore_patterns("__pycache__", "*.egg-info")


def dockerfile_sources() -> list[str]:
    """What the Dockerfile's wheel stage copies from the checkout (``COPY`` without
    ``--from``): the package is built here from exactly those, as the image is."""
    names: list[str] = []
    for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            names += words[1:-1]
    return names


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with only the wheel and its declared dependencies."""

    root: Path
    python: Path
    kontrol: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a user's shell: this venv first on PATH, nothing of the
        checkout or of the test environment's interpreter."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        return {**env, **extra}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``python -m build`` (sdist, then the wheel from the sdist) on the files the Dockerfile
    copies, as its wheel stage does: the wheel tested is the one the sdist makes, so the
    sdist is proved to carry everything too. ``--no-isolation`` (the image's way too): the
    build tools come from the test extras, not the network."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    source.mkdir()
    for name in dockerfile_sources():
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=NOT_SOURCES)
        else:
            shutil.copy2(REPO / name, source / name)
    out = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    [sdist] = out.glob("kontrol-*.tar.gz")
    [wheel] = out.glob("kontrol-*.whl")
    return Built(sdist=sdist, wheel=wheel)


def requirement_closure(name: str) -> set[str]:
    """The distributions ``name`` needs at run time, itself excluded: its ``Requires-Dist``
    without extras, then theirs (with the extras asked for), markers evaluated here."""
    asked = {(canonicalize_name(name), frozenset[str]())}
    todo = list(asked)
    while todo:
        dist_name, extras = todo.pop()
        for text in metadata.distribution(dist_name).requires or []:
            req = Requirement(text)
            wanted = req.marker is None or any(
                req.marker.evaluate({"extra": extra}) for extra in (extras | {""})
            )
            ask = (canonicalize_name(req.name), frozenset(req.extras))
            if wanted and ask not in asked:
                asked.add(ask)
                todo.append(ask)
    return {dist_name for dist_name, _ in asked} - {canonicalize_name(name)}


def link_distributions(names: set[str], into: Path) -> None:
    """Link the top-level files of each distribution (packages, modules, its .dist-info)
    into ``into``, as its RECORD lists them."""
    into.mkdir()
    for name in sorted(names):
        dist = metadata.distribution(name)
        if not dist.files:
            raise RuntimeError(f"{name}: no RECORD, cannot tell its files")
        for top in {f.parts[0] for f in dist.files} - {"..", "__pycache__"}:
            target = into / top
            source = Path(str(dist.locate_file(top)))
            if not target.exists() and source.exists() and not top.endswith(".pth"):
                target.symlink_to(source)


@pytest.fixture(scope="session")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("installed") / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    deps = root / "deps"
    link_distributions(requirement_closure("kontrol"), deps)
    (purelib / "kontrol-test-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    # pip of the test environment installs into the fresh one (which has no pip of its own)
    subprocess.run(
        [
            sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
            "--disable-pip-version-check", "--no-deps", "--no-index", str(built.wheel),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Installed(root=root, python=python, kontrol=root / "bin" / "kontrol")


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A user's folder, far from the checkout."""
    work = tmp_path / "work"
    work.mkdir()
    yield work
