"""Which deployments the portfolio has: the specs of every roadmap in force (or those named),
and per roadmap the names it keeps, so what a void decree or a withdrawn item left on the
Prefect server is removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.markup import escape

from kontrol.cli.common import today_of
from kontrol.config import load_rules
from kontrol.context import App
from kontrol.deployments.compile import (
    DeploymentSpec,
    compile_roadmap,
    name_prefixes,
    roadmap_tag,
)
from kontrol.errors import KontrolError
from kontrol.events import load_catalogue
from kontrol.lookup import all_roadmaps, roadmap_ref, select_roadmaps
from kontrol.models import Roadmap
from kontrol.output import console, err_console


@dataclass
class Build:
    """The specs to register, and per roadmap tag the names it keeps (none: a void decree)."""

    specs: list[DeploymentSpec]
    wanted: dict[str, set[str]]


def build_specs(app: App, *, roadmaps: Sequence[str] = (), backfill: bool = False) -> Build:
    """The deployment specs of the roadmaps in force (or those named); refuses a portfolio
    that has nothing to run."""
    app.require_schema()
    rules = load_rules(app.settings)
    events = load_catalogue(app.settings)
    today = today_of(app)
    build = Build([], {})
    with app.reading() as session:
        every = all_roadmaps(session)
        chosen = select_roadmaps(session, roadmaps, on=today)
        prefixes = name_prefixes(chosen, every)
        for roadmap in chosen if roadmaps else every:
            tag = roadmap_tag(roadmap)
            # a decree imported with the same number and date as this one gives both their
            # issuers' names: what this one was deployed under before goes
            build.wanted.setdefault(f"№ {roadmap.number} от {roadmap.adopted_on:%d.%m.%Y}", set())
            if not roadmap.in_force(today):
                build.wanted[tag] = set()  # void: its deployments go
                continue
            _check_executors(roadmap)
            specs = compile_roadmap(
                session,
                roadmap,
                rules,
                now=app.now,
                events=events,
                backfill=backfill,
                prefix=prefixes[roadmap.id],
            )
            build.specs += specs
            build.wanted[tag] = {s.name for s in specs}
    if not build.specs:
        void = [r for r in chosen if not r.in_force(today)]
        if void and len(void) == len(chosen):
            raise KontrolError(
                ", ".join(f"№ {roadmap_ref(r)}" for r in void)
                + " has been declared void: nothing of it is deployed, and `kontrol deploy` "
                "without --roadmap removes what is left of it on the server"
            )
        raise KontrolError(
            "no obligation of "
            + ", ".join(f"№ {roadmap_ref(r)}" for r in chosen)
            + " can be deployed: nothing to deploy"
        )
    return build


def _check_executors(roadmap: Roadmap) -> None:
    missing = [
        i.number
        for i in roadmap.items
        if i.kind == "activity" and not i.withdrawn and not i.executors
    ]
    if missing:
        raise KontrolError(
            "items without a resolved executor cannot be deployed: "
            + ", ".join(missing)
            + " — fix the directory and run `kontrol import --update`"
        )


def prune(build: Build) -> None:
    from kontrol.deployments import prefect_io

    gone = prefect_io.prune(build.wanted)
    if gone:
        console.print(
            f"removed {len(gone)} deployments no roadmap in force has: "
            + "; ".join(gone[:5])
            + ("…" if len(gone) > 5 else ""),
            soft_wrap=True,
        )


def prune_or_warn(app: App) -> int | None:
    """Remove the deployments of every void decree from the Prefect server; an unreachable
    server is a warning naming what removes them later (None: nothing was removed)."""
    from kontrol.deployments import prefect_io

    today = today_of(app)
    with app.reading() as session:
        void = {roadmap_tag(r): set[str]() for r in all_roadmaps(session) if not r.in_force(today)}
    if not void:
        return 0
    try:
        prefect_io.check_api()
    except KontrolError as exc:
        err_console.print(
            f"[yellow]warning[/] its Prefect deployments were not removed: {escape(str(exc))}; "
            "`kontrol deploy` or `kontrol serve` remove the deployments of void decrees",
            soft_wrap=True,
        )
        return None
    return len(prefect_io.prune(void))


def roadmaps_words(build: Build) -> str:
    kept = [tag for tag, names in build.wanted.items() if names]
    return f"{len(kept)} roadmap" + ("" if len(kept) == 1 else "s")


class Counting:
    """A progress bar on stderr while deployments are registered (thousands take minutes);
    it leaves no line behind, and a pipe or a log gets none."""

    def __init__(self, what: str, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self._task = self._progress.add_task(what, total=total)
        self._progress.start()

    def __call__(self, registered: int) -> None:
        self._progress.update(self._task, completed=registered)

    def stop(self) -> None:
        self._progress.stop()
