"""An optional second opinion from an LLM on the quotations the rules leave uncertain.

    ask_llm(text, paragraphs, spoken, cast, backend) -> [SpokenQuote]   (same order, some updated)

The novel is cut into windows of whole paragraphs (about WINDOW_CHARS characters); each window
that holds an uncertain quote goes to the model once, with the cast list, every quotation marked
`[Q7]` (or `[Q7: Elizabeth]` where the rules are sure, as a hint), and the question which of the
uncertain ones each character says. The reply is read line by line (`Q7: Name`); a name that is
not in the cast is ignored, so the model can only choose among the cast, never invent a speaker.

Confidence stays on the side of precision: the model only chooses among the cast for quotes the
rules left under the cut-off, and its word never lifts a quote over it (both 'llm-agrees', where it
agrees with the rules' own guess, and 'llm' stay just under `below`). So the kept lines are the
rules' own and their precision cannot fall; what the model changes is who the uncertain lines
(context, `speakers`' all-lines count) are given to. It overrules a guess of the rules only where
that guess measured a precision under LLM_ALONE (the confidence it gives its own answers): a weak
model's word must not replace a better guess (measured with SmolLM2-135M, which overruled every
uncertain guess before: accuracy on the first 20,000 characters of each PDNC novel fell from 0.698 to
0.623, `python -m bench.llm_attribution`; now 0.698 -> 0.675, kept precision 0.988 both).
"""

from __future__ import annotations

import re
from dataclasses import replace

from characterkit.parse.novel.cast import Cast
from characterkit.parse.novel.quotes import Paragraph

LLM_AGREES, LLM_ALONE = 0.85, 0.6
WINDOW_CHARS = 6000  # about 1,500 tokens of prose per request
_ANSWER = re.compile(r"^\W*Q(\d+)\W*[:=-]\s*(.+?)\s*$", re.MULTILINE)

SYSTEM = ("You read novels closely and say who speaks each quotation. You answer only with lines "
          "of the form `Q<number>: <character name>`, choosing names from the list you are given.")


def ask_llm(text: str, paragraphs: list[Paragraph], spoken: list, cast: Cast, backend, below: float,
            concurrency: int = 4) -> list:
    """`spoken` with the quotes under `below` confidence re-decided where the model answers with a
    name of the cast. `backend` is an open characterkit.llm Backend."""
    from characterkit.llm import run_concurrent
    from characterkit.records import Message

    windows = [w for w in _windows(paragraphs, spoken) if any(spoken[i].confidence < below for i in w[2])]

    def ask(window) -> dict:
        prompt = _prompt(text, paragraphs, spoken, cast, window, below)
        reply = backend.complete([Message("system", SYSTEM), Message("user", prompt)], max_tokens=400, temperature=0.0)
        return {"text": reply.text}

    result = list(spoken)
    for window, answer in zip(windows, run_concurrent(windows, ask, concurrency=concurrency, key=lambda w: str(w[0]))):
        for number, name in _ANSWER.findall(answer["text"]):
            i = int(number)
            character = cast.get(name.strip("`*\"' ."))
            if i in window[2] and spoken[i].confidence < below and character is not None and (
                    character.name == spoken[i].speaker or not spoken[i].speaker or spoken[i].confidence < LLM_ALONE):
                result[i] = _decided(spoken[i], character.name, below)
    return result


def _decided(item, speaker: str, below: float):
    ceiling = round(max(0.0, below - 0.01), 3)  # under the cut-off whatever the model says
    if speaker == item.speaker:
        return replace(item, confidence=min(max(item.confidence, LLM_AGREES), ceiling), rule="llm-agrees")
    return replace(item, speaker=speaker, confidence=min(LLM_ALONE, ceiling), rule="llm")


def _windows(paragraphs: list[Paragraph], spoken: list):
    """(first paragraph, last paragraph, quote indices) for runs of paragraphs of about WINDOW_CHARS."""
    by_paragraph: dict[int, list[int]] = {}
    for i, item in enumerate(spoken):
        by_paragraph.setdefault(item.quote.first_paragraph, []).append(i)
    first, size, quotes = 0, 0, []
    for index, para in enumerate(paragraphs):
        if size and (size + para.end - para.start > WINDOW_CHARS or para.heading):
            yield first, index - 1, quotes
            first, size, quotes = index, 0, []
        size += para.end - para.start
        quotes += by_paragraph.get(index, [])
    if quotes:
        yield first, len(paragraphs) - 1, quotes


def _prompt(text: str, paragraphs: list[Paragraph], spoken: list, cast: Cast, window, below: float) -> str:
    first, last, indices = window
    start, end = paragraphs[first].start, paragraphs[last].end
    marked, pos = [], start
    for i in indices:  # the marker goes just before the opening quotation mark
        at = spoken[i].quote.start - 1 if spoken[i].quote.start > start else spoken[i].quote.start
        sure = spoken[i].confidence >= below and spoken[i].speaker
        marked += [text[pos:at], f"[Q{i}: {spoken[i].speaker}]" if sure else f"[Q{i}]"]
        pos = at
    marked.append(text[pos:end])
    asked = [f"Q{i}" for i in indices if not (spoken[i].confidence >= below and spoken[i].speaker)]
    characters = "\n".join(f"- {c.name}" + (f" (also: {', '.join(a for a in c.aliases if a != c.name)})" if len(c.aliases) > 1 else "")
                           for c in cast)
    return (f"Characters:\n{characters}\n\nPassage:\n{''.join(marked)}\n\n"
            f"Who speaks each of these quotations: {', '.join(asked)}? Answer one line each, like "
            f"`{asked[0]}: Name`, with a name from the character list, or `{asked[0]}: unknown`.")
