"""What a character card says about its character: a greeting that can open a chat with a stranger,
and a description written from what the source shows.

The first line a character speaks is usually addressed to someone in the scene ("Did you hear what
I was playing, Lane?"), which is a poor way to greet the user. `GreetingPicker` keeps the best few
lines by a score and, at the end, rejects those that name another speaker or call someone by a
family word, so the greeting is one a stranger can answer:

    + a greeting phrase ("Good evening", "How do you do")   + a question, more when it asks "you"
    + a line that opened a scene                             - he/she/they/that: it leans on the scene
    - a line that continues another ("And…", "But…")          rejected: stage directions, another speaker's
    - a name inside a sentence (a person or place)               name, someone called by name or title
                                                               (", Lane?", "Mr. Worthing"), a family word

The description (used when the user gave no --persona) says where the lines come from (the source's
title and author), who the character talks to most, and how they speak (line length, questions,
exclamations): facts, not an instruction.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.prompts import one_line
from characterkit.records import SPEECH, Line, Sample

KEEP = 24  # candidate lines kept per character while the stream passes (a heap: memory stays bounded)
# Lines scored and described per character: plenty to find a greeting in and to say how the character
# speaks, and the cards then cost nothing more per row on a dataset of millions of rows.
MAX_SCORED = 3000
MIN_WORDS, MAX_WORDS = 3, 24
GREETING = re.compile(r"\b(hello|good (morning|afternoon|evening|day)|how do you do|how are you|welcome|"
                      r"pleased to (meet|see)|delighted|at last)\b", re.I)
QUESTION_TO_YOU = re.compile(r"\byou(r|rs|rself)?\b[^.!?]*\?", re.I)
LEANS_ON_SCENE = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|that|this|those|these|there|it)\b", re.I)
CONTINUES = re.compile(r"^(and|but|or|so|nor|yet|because|then)\b", re.I)
STAGE = re.compile(r"[\[\]()_]")
# Calling someone by name or title: ", Lane?", ", my dear Ernest.", "Mr. Worthing".
VOCATIVE = re.compile(r",\s*(my\s+)?(dear\s+)?[A-Z][a-z]+\s*[,.?!…]|\b(Mr|Mrs|Miss|Ms|Dr|Lady|Lord|Sir|Captain|Colonel)\b"
                      r"\.?\s+[A-Z]|^(?!(?:Oh|Ah|Yes|No|Well|Now|Why|Really|Indeed|Quite|Still|Then|So|Come|Look|Listen|"
                      r"Please|Thanks|Thank|Certainly|Surely|Perhaps|Alas|Dear|Good|Hush|Hello|Hi|Hey)\b)[A-Z][a-z]+,\s")
FAMILY = re.compile(r"\b(mamma|mama|mamma|mother|papa|father|aunt|auntie|uncle|cousin|brother|sister|grandmother|"
                    r"grandfather|granny|nurse|darling|dearest|sweetheart)\b", re.I)


def greeting_score(text: str, opens_scene: bool) -> int | None:
    """How well `text` opens a chat with a stranger (higher is better); None when it cannot."""
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or STAGE.search(text) or FAMILY.search(text) or VOCATIVE.search(text):
        return None
    question = 2 if QUESTION_TO_YOU.search(text) else "?" in text
    score = 3 * bool(GREETING.search(text)) + question + opens_scene
    score -= len(LEANS_ON_SCENE.findall(text)) + bool(CONTINUES.match(text)) + _proper_names(words)
    return score


def _proper_names(words: list[str]) -> int:
    """Capitalised words inside a sentence (not "I"): names of people and places the user does not know."""
    return sum(1 for before, word in zip(words, words[1:])
               if word[:1].isupper() and not before.endswith((".", "?", "!", "…")) and word.strip(".,;:?!'’") not in ("I", "I'm", "I’m", "I'll", "I’ll", "I've", "I’ve", "I'd", "I’d"))


@dataclass
class GreetingPicker:
    """The best-scored greeting lines of one character, checked at the end against every speaker seen."""

    heap: list[tuple[int, int, str]] = field(default_factory=list)  # (score, -order, text): a min-heap
    seen: int = 0

    offered: int = 0

    def offer(self, text: str, opens_scene: bool) -> None:
        if self.offered >= MAX_SCORED:
            return
        self.offered += 1
        score = greeting_score(text, opens_scene)
        if score is None:
            return
        self.seen += 1
        item = (score, -self.seen, text)  # among equal scores the earlier line wins
        if len(self.heap) < KEEP:
            heapq.heappush(self.heap, item)
        elif item > self.heap[0]:
            heapq.heapreplace(self.heap, item)

    def best(self, other_names: set[str], n: int = 4) -> list[str]:
        """Up to `n` lines, best first, that name none of `other_names` (words of other speakers' names)."""
        names = {w.lower() for name in other_names for w in re.findall(r"\w+", name) if len(w) > 2}
        lines = [text for _, _, text in sorted(self.heap, reverse=True)]
        return [t for t in lines if not names & {w.lower() for w in re.findall(r"\w+", t)}][:n]


@dataclass
class SpeechTraits:
    """Counts describing how a character speaks and to whom (bounded: a few counters)."""

    lines: int = 0
    words: int = 0
    questions: int = 0
    exclamations: int = 0
    addressees: Counter = field(default_factory=Counter)

    def add(self, sample: Sample, reply: str) -> None:
        answered = next((turn.speaker for turn in reversed(sample.context) if turn.speaker), None)
        self.add_line(reply, answered if answered != sample.character else None)

    def add_line(self, text: str, answered: str | None) -> None:
        """One line of the character's; `answered`: who spoke just before (whom it answers), if anyone else."""
        self.lines += 1
        self.words += len(text.split())
        self.questions += "?" in text
        self.exclamations += "!" in text
        if answered:
            self.addressees[answered] += 1

    def renamed(self, name_of: Callable[[str], str]) -> "SpeechTraits":
        """The same counts with each addressee under `name_of(key)` (counted by key, described by name)."""
        return SpeechTraits(self.lines, self.words, self.questions, self.exclamations,
                            Counter({name_of(k): n for k, n in self.addressees.items()}))

    def sentences(self) -> list[str]:
        out = []
        talks_to = [name for name, _ in self.addressees.most_common(3)]
        if talks_to:
            out.append(f"Talks mostly with {_and_list(talks_to)}.")
        if self.lines:
            manner = []
            average = self.words / self.lines
            if average < 8:
                manner.append("speaks in short lines")
            elif average > 30:
                manner.append("speaks at length")
            if self.questions / self.lines > 0.25:
                manner.append("asks a lot of questions")
            if self.exclamations / self.lines > 0.2:
                manner.append("exclaims often")
            if manner:
                out.append(_and_list(manner).capitalize() + ".")
        return out


def count_traits(lines: Iterable[Line], traits: dict[str, SpeechTraits], key: Callable[[str], str],
                 wanted: Callable[[str], bool]) -> Iterator[Line]:
    """`lines` passed on unchanged, counting into `traits[key(speaker)]` how each `wanted` speaker
    (by key) speaks and whom they answer: the key of the speech line's speaker before theirs."""
    last = None
    for line in lines:
        if line.kind == SPEECH and line.speaker:
            speaker = key(line.speaker)
            if wanted(speaker):
                traits.setdefault(speaker, SpeechTraits()).add_line(line.text, last if last != speaker else None)
            last = speaker
        yield line


def describe(name: str, sources: list[str], traits: SpeechTraits) -> str:
    """"Algernon, a character in The Importance of Being Earnest by Oscar Wilde. Talks mostly with …"."""
    titles = [source_title(s) for s in sources[:2]]
    if not traits.lines:  # style or synthetic pairs only: an author's (or a narrator's) voice, not a speaker
        return f"The voice of {name}" + (f", from {_and_list(titles)}." if titles else ".")
    where = f"{name}, a character in {_and_list(titles)}." if titles else f"{name}."
    return " ".join([where] + traits.sentences())


def source_title(source: str) -> str:
    """The title (and author) from a Project Gutenberg header, else the file name made readable."""
    title = author = ""
    try:
        with open(source, encoding="utf-8", errors="replace") as f:
            for _, line in zip(range(60), f):
                if line.startswith("Title:"):
                    title = line[6:].strip().split(":")[0].strip()
                elif line.startswith("Author:"):
                    author = line[7:].strip()
    except OSError:
        pass
    if not title:
        stem = re.sub(r"_pg\d+.*$|[-_]utf8$", "", Path(source).stem)
        title = " ".join(w.capitalize() if i == 0 or len(w) > 3 else w
                         for i, w in enumerate(re.split(r"[-_ ]+", stem)) if w)
    return f"{title} by {author}" if author else title


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def clean_line(text: str) -> str:
    return one_line(text).strip()
