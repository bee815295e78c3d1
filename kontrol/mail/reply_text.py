"""The words of a reply: its own text above the quote, and what it asks for.

Mail clients quote the letter they answer below (or above) the new text in their own ways:
``>`` lines (Thunderbird, mutt, Яндекс), «On … wrote:» / «… написал(а):» lines (Gmail, Mail.ru),
Outlook's «-----Original Message-----» / «-----Исходное сообщение-----», its line of
underscores and its «От:/From:» header block, «Forwarded message» / «Пересылаемое сообщение»
markers of a forward. The note is what stands above the first of them. An HTML-only mail is
turned to text first (``html_text``), its ``<blockquote>`` and the quote containers of Gmail
and Outlook becoming quote markers.

Words decide the kind: a reply is a report of completion unless it asks for a later date
(«прошу продлить срок до 15.03.2025», «перенести срок на 15 марта 2025 г.», «please extend the
deadline to 2025-03-15»); ``extension_date`` finds that date in any common form.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

QUOTE_START = re.compile(
    r"^\s*(?:>"
    r"|-{2,}\s*(?:original message|исходное сообщение|пересылаемое сообщение|forwarded message"
    r"|начало переадресованного сообщения|перенаправленное сообщение)"
    r"|_{8,}\s*$"
    r"|(?:from|от|отправлено|sent)\s*:\s*\S"
    r"|(?:on|le|am)\s.{4,200}\s(?:wrote|a écrit|schrieb)\s*:\s*$"
    r"|.{0,200}\s(?:написал|написала|написал\(а\)|пишет)\s*:\s*$)",
    re.IGNORECASE,
)
AUTO_SUBJECT = re.compile(
    r"^\s*(?:автоматический ответ|автоответ|auto(?:matic)?[\s-]*reply|out of (?:the )?office"
    r"|auto:|я в отпуске|нахожусь в отпуске|отсутствую)",
    re.IGNORECASE,
)
AUTO_BODY = re.compile(
    r"^\s*(?:я в отпуске|нахожусь в отпуске|в настоящее время отсутствую|я отсутствую"
    r"|i am (?:currently )?out of (?:the )?office|i'm (?:currently )?out of (?:the )?office)",
    re.IGNORECASE,
)
EXTENSION_WORDS = re.compile(
    r"продл|перен[её]с|перенест|отсроч|extend|extension|postpone|more time", re.IGNORECASE
)
MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]"
    r"|октябр[яь]|ноябр[яь]|декабр[яь]|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may"
    r"|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE_FORMS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+{_MONTH}\.?(?:\s+(?P<y>\d{{4}}))?", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?(?:\s+(?P<y>\d{{4}}))?", re.I),
)


def note_of(text: str) -> str:
    """The reply's own words: the lines above the first quote marker, trimmed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        if QUOTE_START.match(line):
            if line.lstrip().startswith(">"):
                _drop_attribution(kept)
            break
        kept.append(line.rstrip())
    note = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", note)


def _drop_attribution(kept: list[str]) -> None:
    """The line that introduces a ``>`` quote in any language («Пн, 1 фев. 2021 г. в 10:00,
    kontrol <kontrol@…>:»): the last one before it, ending with a colon, naming an address or a
    time."""
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and kept[-1].endswith(":") and re.search(r"@|\d:\d\d", kept[-1]):
        kept.pop()


def is_auto_reply_text(subject: str, note: str) -> bool:
    """An out-of-office answer by its words (for clients that set none of the headers)."""
    return bool(AUTO_SUBJECT.match(subject) or AUTO_BODY.match(note))


def asks_extension(note: str) -> bool:
    return bool(EXTENSION_WORDS.search(note))


def _month(word: str) -> int:
    word = word.lower()
    for stem, number in sorted(MONTHS.items(), key=lambda kv: -len(kv[0])):
        if word.startswith(stem):
            return number
    raise ValueError(word)


def extension_date(note: str, today: dt.date) -> dt.date | None:
    """The date asked for after the extension words; a date without a year is the next one
    to come. None when the words name no date."""
    found = EXTENSION_WORDS.search(note)
    if found is None:
        return None
    tail = note[found.start() :]
    best: tuple[int, dt.date] | None = None
    for form in DATE_FORMS:
        for match in form.finditer(tail):
            day = _date(match, today)
            if day is not None and (best is None or match.start() < best[0]):
                best = (match.start(), day)
    return best[1] if best else None


def _date(match: re.Match[str], today: dt.date) -> dt.date | None:
    parts = match.groupdict()
    month_word = next((g for g in match.groups() if g and not g.isdigit()), None)
    try:
        month = int(parts["m"]) if parts.get("m") else _month(month_word or "")
        day = int(parts["d"])
        year_text = parts.get("y")
        if year_text is None:
            guess = dt.date(today.year, month, day)
            return guess if guess >= today else dt.date(today.year + 1, month, day)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return dt.date(year, month, day)
    except ValueError:
        return None


class _TextOfHtml(HTMLParser):
    """HTML to lines of text; quoted parts become ``>`` lines, so ``note_of`` cuts there."""

    BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"})
    QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "gmail_quote", "moz-cite-prefix")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quoted = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        names = " ".join(v or "" for k, v in attrs if k in ("id", "class")).lower()
        if tag == "blockquote" or any(q in names for q in self.QUOTE_IDS):
            if not self.quoted:
                self.parts.append("\n> ")
            self.quoted = True
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n\xa0]+", " ", data))


def html_text(html: str) -> str:
    """The text of an HTML mail, line by line, quotes marked with ``>``."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
