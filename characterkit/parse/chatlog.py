"""`chatlog` transcripts: one timestamped message per line, as chat apps export them.

    [12:01] Bob: hi                                  a plain log
    12/01/2024, 12:01 - Bob: hi                      WhatsApp (Android)
    [12/01/2024, 12:01:33] Bob: hi                   WhatsApp (iOS)
    12/01/2024, 12:02 - Messages and calls are ...   a system line: no sender

- A line without a timestamp continues the message above it (joined with a space, since a turn is
  one line of training text).
- System lines (no `Sender: `, or the end-to-end encryption notice) are NARRATION when
  `keep_narration`, else dropped as `system_message`.
- Media placeholders (`<Media omitted>`, `image omitted`) and deleted messages are dropped as
  `media_omitted` / `deleted_message`; they say nothing about how the character talks.
- With `new_day_breaks`, a change of date starts a new conversation (a BREAK).
- Sender names are taken as written (chat names may be lower-case or phone numbers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from characterkit.parse.common import (MAX_TURN_LINES, ParseOptions, SourceLines, break_line, clean_name, is_blank,
                                       narration_line, speech_line)
from characterkit.records import Line

_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[\s\u202f]?[AaPp]\.?[Mm]\.?)?"
# A timestamped line: `[time]` or `[date, time]` (bracketed), or `date, time -` (WhatsApp Android).
CHAT_LINE = re.compile(
    r"[\u200e\u200f]?(?:"
    rf"\[(?:(?P<bdate>{_DATE}),?\s+)?{_TIME}\]"
    rf"|(?P<date>{_DATE}),?\s+{_TIME}\s+[-–]"
    r")\s*(?P<rest>.*)"
)
# `Sender: message`; a quote before the colon means a system line that quotes someone.
_SENDER = re.compile(r"([^:\"“”]{1,48}?):(?:\s+|$)(.*)")
_SYSTEM = re.compile(r"messages (?:and calls )?are end-to-end encrypted", re.IGNORECASE)
_MEDIA = re.compile(r"<media omitted>|^(?:image|video|audio|sticker|gif|document|contact card) omitted$"
                    r"|^<attached: ", re.IGNORECASE)
_DELETED = re.compile(r"^(?:this message was deleted|you deleted this message)\.?$", re.IGNORECASE)
_EDITED = re.compile(r"\s*<this message was edited>$", re.IGNORECASE)
_INVISIBLE = "\u200e\u200f\u202f\u00a0~ "  # direction marks and the `~` WhatsApp puts before unsaved names


def parse_chatlog(lines: SourceLines, options: ParseOptions, source: str, drops) -> Iterator[Line]:
    """Lines of a chat export, speakers spelled as written (see the module doc)."""
    speaker: str | None = None  # who sent the open message; None for a system line
    parts: list[str] | None = None  # the open message's lines; None before the first one
    start = 0
    last_date = None
    for lineno, text in lines:
        match = CHAT_LINE.match(text)
        if match is None:  # a continuation line (or a stray line before the first message)
            if is_blank(text):
                continue
            if parts is None:
                speaker, parts, start = None, [], lineno
            elif len(parts) >= MAX_TURN_LINES:  # a message too long to hold goes on in a new piece
                if (line := _finish(speaker, parts, start, source, options, drops)) is not None:
                    yield line
                parts, start = [], lineno
            parts.append(text)
            continue
        if parts is not None and (line := _finish(speaker, parts, start, source, options, drops)) is not None:
            yield line
        date = match["date"] or match["bdate"]
        if options.new_day_breaks and date and last_date and date != last_date:
            yield break_line("", lineno, source)
        last_date = date or last_date
        speaker, message = _sender(match["rest"])
        parts, start = [message], lineno
    if parts is not None and (line := _finish(speaker, parts, start, source, options, drops)) is not None:
        yield line


def _sender(rest: str) -> tuple[str | None, str]:
    """(sender, message) of what follows the timestamp; sender None for a system line."""
    sender = _SENDER.match(rest)
    if sender is None or _SYSTEM.search(sender[2]):
        return None, rest.strip(_INVISIBLE)
    name = clean_name(sender[1].strip(_INVISIBLE))
    return name or None, _EDITED.sub("", sender[2].strip(_INVISIBLE))


def _finish(speaker: str | None, parts: list[str], start: int, source: str, options: ParseOptions,
            drops) -> Line | None:
    if speaker is None:
        return narration_line(parts, start, source, options.keep_narration, "system_message", drops)
    if len(parts) == 1 and _MEDIA.search(parts[0]):
        drops["media_omitted"] += 1
        return None
    if len(parts) == 1 and _DELETED.match(parts[0]):
        drops["deleted_message"] += 1
        return None
    return speech_line(speaker, parts, start, source, options, drops)
