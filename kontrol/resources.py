"""Files kontrol ships and reads at run time — templates, the stylesheet, the example decree —
found through the package (``importlib.resources``), never relative to a checkout or to the
current folder: the same in a checkout (editable install) and installed from the wheel.

Jinja, Starlette's FileResponse and click want real paths. pip installs a wheel as plain files,
so a resource already is one; a kontrol imported from a zip archive is refused in one line.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource(package: str, *parts: str) -> Path:
    """The file or folder ``parts`` of ``package``, as a path on disk."""
    found = files(package)
    for part in parts:
        found = found / part
    if not isinstance(found, Path):
        raise RuntimeError(
            f"{package}: kontrol must be installed as files (pip install), not imported from "
            f"{found!r}"
        )
    return found


# the example decree No. 1302-б with its directory of bodies and event catalogue
EXAMPLE_DIR = resource("kontrol.examples", "lenobl")
SEED = EXAMPLE_DIR / "000_e3bc991062043600.txt"
EXAMPLE_DIRECTORY = EXAMPLE_DIR / "directory.yaml"
EXAMPLE_EVENTS = EXAMPLE_DIR / "events.yaml"
