"""The yes/no test: is a passage dialogue? Does the model still answer a plain question plainly?

A fine-tune that "lobotomises" an instruct model shows it here first: asked to answer only yes or
no, it rambles on in the character's voice, or answers wrongly. The passages come from the source,
so the right answer is known from the parse (a speech line is dialogue; narration and stage
directions are not). Two figures per model: accuracy (an answer that is not yes or no is wrong)
and the share of answers that are a bare "yes" or "no" (case and a final full stop aside).

Instruct models are asked through their chat template; a model without one gets a plain
`Question: ... Answer:` prompt.
"""

from __future__ import annotations

import re

QUESTION = ('Is the following passage dialogue, that is, words spoken aloud by a character? '
            'Answer only "yes" or "no".\n\nPassage: {passage}')
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_BARE = re.compile(r"^\W*(yes|no)\W{0,2}$", re.I)


def parse_answer(text: str) -> tuple[str | None, bool]:
    """("yes" | "no" | None, bare): the answer the text opens with, and whether that is all it says."""
    first = _FIRST_WORD.search(text)
    word = first.group(0).lower() if first else ""
    answer = word if word in ("yes", "no") and text[: first.start()].strip(" \"'*") == "" else None
    return answer, bool(_BARE.match(text.strip()))


def prompt_for(passage: str, tokenizer) -> tuple[str, list[str]]:
    """The prompt asking about `passage`, and the stop strings for its answer."""
    question = QUESTION.format(passage=" ".join(passage.split()))
    if getattr(tokenizer, "chat_template", None):
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                               add_generation_prompt=True)
        return prompt, [s for s in (tokenizer.eos_token,) if s]
    return f"Question: {question}\nAnswer:", ["\n"]


def score(answers: list[str], truths: list[bool]) -> dict:
    """Accuracy, bare-answer share and counts for `answers` to passages whose answers are `truths`."""
    parsed = [parse_answer(a) for a in answers]
    correct = sum(answer == ("yes" if truth else "no") for (answer, _), truth in zip(parsed, truths))
    n = len(answers)
    return {"accuracy": correct / n if n else 0.0, "bare_share": sum(bare for _, bare in parsed) / n if n else 0.0,
            "answered_share": sum(a is not None for a, _ in parsed) / n if n else 0.0, "n": n,
            "examples": [a[:80] for a in answers[:3]]}


def ask(engine, passages: list[tuple[str, bool]], settings, use_adapter: bool) -> dict:
    """Ask the model in `engine` (a ChatEngine) about every passage; the score of its answers."""
    from characterkit.train.fidelity import progress

    answers = []
    for passage, _ in progress(passages, f"yes/no, {'LoRA' if use_adapter else 'base'}"):
        prompt, stops = prompt_for(passage, engine.tokenizer)
        answers.append(engine.complete(prompt, stops, settings, use_adapter=use_adapter))
    return score(answers, [truth for _, truth in passages])
