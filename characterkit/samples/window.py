"""Rolling-context samples: for each line of a target character, the previous turns and the line.

A turn is one utterance by one speaker (a tagged line, or a whole speech block in a play), or one
piece of narration. The legacy script counted raw lines of any kind and kept counting across scene
breaks; here the window holds the last `rounds` turns and is emptied at every scene break.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from characterkit.records import BREAK, NARRATION, SPEECH, Line, Sample, Turn


@dataclass
class Drop:
    """A target line that did not become a sample, and why (counted in report.json)."""

    reason: str
    line: Line


def build_samples(lines: Iterable[Line], characters: set[str], rounds: int = 5, *, persona: str = "",
                  min_confidence: float = 0.0, source_id: str | None = None) -> Iterator[Sample | Drop]:
    """Yield a Sample for every speech line of one of `characters` (display names), else nothing.

    The context is the last `rounds` turns before the line (narration included), reset at breaks;
    the character's own earlier lines stay in the context, as in a real conversation. A target line
    attributed with confidence below `min_confidence` yields Drop("uncertain") but still enters the
    context of later lines (it was said; we just are not sure by whom). Context is honest: a speech
    line names its speaker only when its attribution clears `min_confidence`; below that it enters
    as unattributed speech, its words in quotation marks with no name (`"You had better go."`), as a
    novel prints it, and `meta["unattributed_context"]` counts such turns in each sample.
    """
    window: deque[Turn] = deque(maxlen=rounds)
    unsure: deque[bool] = deque(maxlen=rounds)  # beside `window`: which turns are unattributed speech
    for line in lines:
        if line.kind == BREAK:
            window.clear()
            unsure.clear()
            continue
        if line.kind == SPEECH and line.speaker in characters:
            if line.confidence < min_confidence:
                yield Drop("uncertain", line)
            else:
                yield Sample(
                    id=f"{source_id or _stem(line.source)}-{line.lineno}",
                    character=line.speaker,
                    context=list(window),
                    reply=line.text,
                    persona=persona,
                    source=line.source,
                    meta={"lineno": line.lineno, "unattributed_context": sum(unsure)},
                )
        if line.kind == SPEECH and (line.speaker is None or line.confidence < min_confidence):
            window.append(Turn(None, f'"{line.text}"'))  # said, but by whom we are not sure enough to say
            unsure.append(True)
        elif line.kind in (SPEECH, NARRATION):
            window.append(Turn(line.speaker if line.kind == SPEECH else None, line.text))
            unsure.append(False)


def within_reach(lines: Iterable[Line], is_character: Callable[[str], bool], rounds: int = 5) -> Iterator[Line]:
    """The Lines `build_samples` can use when the characters are the speakers `is_character` accepts.

    That is each character's speech line, the turns of its window before it, and a BREAK where
    lines were left out in between, so that no window reaches across the gap: `build_samples`
    yields the same from these lines as from all of them. When a few of many speakers are the
    characters, most lines are in no window at all; prepare keeps only these for its second pass.
    """
    recent: deque[Line] = deque(maxlen=rounds)  # the turns since the last line passed on
    gap = False  # a break, or turns left out, since the last line passed on
    for line in lines:
        if line.kind == BREAK:
            recent.clear()
            gap = True
        elif line.kind == SPEECH and line.speaker is not None and is_character(line.speaker):
            if gap:
                yield Line(None, "", BREAK, line.source, line.lineno)
                gap = False
            yield from recent
            recent.clear()
            yield line
        elif line.kind in (SPEECH, NARRATION):
            gap = gap or len(recent) == rounds  # the oldest turn falls out of reach
            recent.append(line)


@lru_cache(maxsize=256)
def _stem(source: str) -> str:
    """The file name without its suffix: the id prefix of the samples from `source` (memoised)."""
    return Path(source).stem
