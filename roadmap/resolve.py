"""Resolution of an executors cell («Ответственные исполнители») into directory bodies.

The cell is free text written by people: commas do not separate bodies reliably (a name may
contain one), quotes are unbalanced, cases vary.  So the text is tokenised, every word
lemmatised, and the longest known name (name, short name or alias of a body, as a lemma
sequence in a trie) is matched at each place where a name can begin.  A name must begin and
end at a boundary (start or end of text, a comma, a parenthesis, a joining word such as «и»,
or another known name), so «Комитет по культуре» is never read as «Комитет» plus noise.
Whatever is left is reported as ``Unresolved`` with the closest known names: it is never
dropped and never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from kontrol.roadmap.directory import Directory
from kontrol.roadmap.errors import DirectoryError
from kontrol.roadmap.lemmas import lemma, lemma_variants, normalize

_TOKEN_RE = re.compile(
    r"(?P<word>[0-9A-Za-zА-Яа-яЁё]+(?:[-‐‑][0-9A-Za-zА-Яа-яЁё]+)*)"
    r"|(?P<sep>[,;:\n])|(?P<open>[(\[])|(?P<close>[)\]])"
)
# Joining words: a boundary between names, never a name of their own (surface forms).
_STOP_PHRASES: tuple[tuple[str, ...], ...] = (
    ("в", "том", "числе"),
    ("в", "т", "ч"),
    ("а", "также"),
    ("при", "участии"),
    ("с", "участием"),
    ("совместно", "с"),
    ("по", "согласованию"),
    ("и",),
    ("также",),
)
_PERSON_RE = re.compile(  # «Винокуров М.В», «А.С. Огарков» (a fragment ends before a dot)
    r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ]\.?\s*(?:[А-ЯЁ]\.?)?"
    r"|[А-ЯЁ]\.\s*(?:[А-ЯЁ]\.)?\s*[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
)
_SUGGESTIONS = 3


@dataclass(frozen=True)
class Unresolved:
    """A fragment of the cell that names no known body, with the closest known names."""

    text: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """Body ids in order of first mention (groups not expanded), and what was not understood."""

    bodies: tuple[str, ...]
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unresolved

    @property
    def lead(self) -> str | None:
        """The first body named is the item's lead (ответственный)."""
        return self.bodies[0] if self.bodies else None


@dataclass(frozen=True)
class _Token:
    kind: str  # word | sep | open | close
    text: str
    start: int
    end: int


def _tokenize(text: str) -> list[_Token]:
    """Words (hyphenated, abbreviations, numbers) and separators; quotes and dots are dropped."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        out.append(_Token(kind, m.group(), m.start(), m.end()))
    return out


def _words(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in _tokenize(text) if t.kind == "word")


@dataclass
class _Node:
    """A node of the trie of names: the lemmas that may follow, and the body whose name
    ends here."""

    children: dict[str, _Node] = field(default_factory=dict)
    body: str | None = None


class _Index:
    """A trie of every body name as a lemma sequence, and fuzzy-search choices."""

    def __init__(self, directory: Directory) -> None:
        self.trie = _Node()
        self.choices: list[str] = []
        self.choice_body: list[str] = []
        owner: dict[tuple[str, ...], str] = {}
        for body in directory:
            for name in body.names:
                key = tuple(lemma(w) for w in _words(name))
                if not key:
                    continue
                other = owner.setdefault(key, body.id)
                if other != body.id:
                    raise DirectoryError(
                        f"body «{body.id}»: the name is also a name of «{other}»",
                        file=directory.source,
                        line=body.line,
                        text=name,
                    )
                node = self.trie
                for lem in key:
                    node = node.children.setdefault(lem, _Node())
                node.body = body.id
                self.choices.append(" ".join(key))
                self.choice_body.append(body.id)
        self.names = {b.id: b.name for b in directory}

    def matches(self, tokens: list[_Token], i: int) -> list[tuple[int, str]]:
        """Every (end, body id) of a known name starting at word ``i``; separators inside a
        name are skipped («муниципальные органы, осуществляющие …»)."""
        found: list[tuple[int, str]] = []
        frontier: list[tuple[int, _Node]] = [(i, self.trie)]
        while frontier:
            j, node = frontier.pop()
            while j < len(tokens) and tokens[j].kind == "sep" and j > i:
                j += 1
            if j >= len(tokens) or tokens[j].kind != "word":
                continue
            for lem in lemma_variants(tokens[j].text):
                child = node.children.get(lem)
                if child is None:
                    continue
                if child.body is not None:
                    found.append((j + 1, child.body))
                frontier.append((j + 1, child))
        found.sort(key=lambda m: -m[0])
        return found

    def suggest(self, fragment: str) -> tuple[str, ...]:
        query = " ".join(lemma(w) for w in _words(fragment))
        ranked = process.extract(query, self.choices, scorer=fuzz.WRatio, limit=None)
        out: list[str] = []
        for _choice, _score, idx in ranked:
            name = self.names[self.choice_body[idx]]
            if name not in out:
                out.append(name)
            if len(out) == _SUGGESTIONS:
                break
        return tuple(out)


def _index(directory: Directory) -> _Index:
    """The directory's index, built once per Directory object."""
    index = directory._cache.get("resolve_index")
    if index is None:
        index = _Index(directory)
        directory._cache["resolve_index"] = index
    return index


def _stop_at(tokens: list[_Token], i: int) -> int:
    """The length of a joining phrase starting at ``i`` (0 if none)."""
    for phrase in _STOP_PHRASES:
        if i + len(phrase) > len(tokens):
            continue
        window = tokens[i : i + len(phrase)]
        if all(
            t.kind == "word" and normalize(t.text) == w for t, w in zip(window, phrase, strict=True)
        ):
            return len(phrase)
    return 0


def resolve_executors(text: str, directory: Directory) -> Resolution:
    """Resolve an executors cell into body ids and unresolved fragments."""
    index = _index(directory)
    tokens = _tokenize(text)
    bodies: list[str] = []
    unresolved: list[Unresolved] = []
    run: list[tuple[_Token, bool]] = []  # unmatched words, flag: a joining word
    depth = 0

    def flush() -> None:
        while run and run[-1][1]:
            run.pop()
        while run and run[0][1]:
            run.pop(0)
        if run:
            fragment = text[run[0][0].start : run[-1][0].end]
            if not (depth > 0 and _PERSON_RE.fullmatch(fragment)):
                unresolved.append(Unresolved(fragment, index.suggest(fragment)))
        run.clear()

    def boundary(j: int) -> bool:
        if j >= len(tokens) or tokens[j].kind != "word" or _stop_at(tokens, j):
            return True
        return bool(index.matches(tokens, j))

    i, at_boundary = 0, True
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind != "word":
            flush()
            depth = max(0, depth + (tok.kind == "open") - (tok.kind == "close"))
            i, at_boundary = i + 1, True
            continue
        if at_boundary:
            match = next(((e, b) for e, b in index.matches(tokens, i) if boundary(e)), None)
            if match is not None:
                flush()
                if match[1] not in bodies:
                    bodies.append(match[1])
                i = match[0]
                continue
        stop = _stop_at(tokens, i)
        if stop:
            run.extend((t, True) for t in tokens[i : i + stop])
            i, at_boundary = i + stop, True
            continue
        run.append((tok, False))
        i, at_boundary = i + 1, False
    flush()
    return Resolution(tuple(bodies), tuple(unresolved))


def resolve_name(text: str, directory: Directory) -> str | None:
    """The id of the one body ``text`` names in full, or None.

    For single names outside the plan table, e.g. the curators of the decree's point 2
    («Отделу общего и дополнительного образования»).
    """
    result = resolve_executors(text, directory)
    if len(result.bodies) == 1 and not result.unresolved:
        return result.bodies[0]
    return None
