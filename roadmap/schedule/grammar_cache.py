"""The schedule grammar's parser, built once per machine and kept in the user's cache folder.

Building the Earley parser from ``grammar.lark`` takes 0.1–0.3 s, most of what ``kontrol
schedule`` did; loading the built one takes a fifth of that. lark's own ``cache=`` option serves
only its LALR parser, so the built parser is pickled here (the modules it holds, such as ``re``,
by name). The file is named by the SHA-256 of the grammar, lark's version and Python's, so an edit
or an upgrade builds a new one. It is a cache and nothing else (``kontrol.roadmap.user_cache``):
a folder that cannot be written, a file that cannot be read or holds something else, and the
parser is built as before.
"""

from __future__ import annotations

import copyreg
import hashlib
import pickle
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from lark import Lark, __version__

from kontrol.roadmap.user_cache import cache_dir, write_whole

__all__ = ["cache_dir", "cache_file", "cached_parser"]


def cache_file(grammar: str, folder: Path) -> Path:
    key = f"{grammar}\0{__version__}\0{sys.version}".encode()
    return folder / f"schedule-grammar-{hashlib.sha256(key).hexdigest()[:24]}.pickle"


def cached_parser(grammar: str, build: Callable[[], Lark], folder: Path | None) -> Lark:
    """The parser from the cache file in ``folder``, else built and written there."""
    path = cache_file(grammar, folder) if folder is not None else None
    if path is not None:
        loaded = _load(path)
        if loaded is not None:
            return loaded
    parser = build()
    if path is not None:
        _store(parser, path)
    return parser


def _load(path: Path) -> Lark | None:
    try:
        with path.open("rb") as f:
            parser = pickle.load(f)
    except Exception:  # missing, unreadable, truncated, from another lark: build it instead
        return None
    return parser if isinstance(parser, Lark) else None


def loaded_module(name: str) -> types.ModuleType:
    """A module the parser holds (``re``), found again by name when the file is loaded."""
    return sys.modules[name]


def _module_by_name(module: types.ModuleType) -> tuple[Callable[[str], Any], tuple[str]]:
    return loaded_module, (module.__name__,)


def _store(parser: Lark, path: Path) -> None:
    """Written whole or not at all; failure is silent."""

    def dump(f: BinaryIO) -> None:
        pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = copyreg.dispatch_table.copy()
        pickler.dispatch_table[types.ModuleType] = _module_by_name
        pickler.dump(parser)

    write_whole(path, dump)
