"""Kept pairs -> Samples -> the dataset folder (every export, prompt_completion.jsonl, rejected.jsonl).

A synthetic pair is an instruction sample with no input text:

    Sample(instruction=PROMPT, context=[], reply=COMPLETION, persona=SYSTEM, character=CHARACTER)

so every export reads naturally (alpaca: instruction = the prompt, input empty; OpenAI chat and
ShareGPT: system, user = the prompt, assistant = the completion) and `finetune` trains on
samples.jsonl directly: the prompt is masked, the completion is trained. Character cards skip
instruction samples, so a synthetic set never becomes a character's example dialogue.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.records import Sample
from characterkit.synth.filters import Candidate

PROMPT_COMPLETION = "prompt_completion.jsonl"
PROMPT_COMPLETION_VAL = "prompt_completion.val.jsonl"
REJECTED = "rejected.jsonl"


def synth_sample(candidate: Candidate, character: str, persona: str, source: str, val_ratio: float,
                 seed: int) -> Sample:
    """The training sample for one kept pair; its split is a pure function of (seed, id)."""
    from characterkit.samples import assign_split

    return Sample(id=candidate.id, character=character, context=[], reply=candidate.completion.strip(),
                  instruction=candidate.prompt.strip(), persona=persona.strip(), source=source,
                  split=assign_split(candidate.id, val_ratio, seed), meta=dict(candidate.meta))


def write_dataset(folder: Path, samples: list[Sample], dataset_name: str, formats: list[str] | None,
                  rejected: list[tuple[Candidate, str]] | None) -> dict[str, list[str]]:
    """Write the exports, prompt_completion.jsonl and (when `rejected` is given) rejected.jsonl
    into `folder`; return {export name: [files relative to folder]}."""
    from characterkit.export import export_samples, relative_files

    exports = export_samples(samples, folder, dataset_name, formats)
    exports["prompt-completion"] = write_prompt_completion(folder, samples)
    if rejected is not None:
        exports["rejected"] = [write_rejected(folder, rejected)]
    return relative_files(exports, folder)


def write_prompt_completion(folder: Path, samples: list[Sample]) -> list[Path]:
    """`{"prompt", "completion"}` per line: OpenAI's legacy fine-tuning layout, which TRL's
    SFTTrainer also reads as a prompt-completion dataset. The texts are written as they are, with
    no separator or stop sequence added; validation rows go to prompt_completion.val.jsonl (only
    written when there are any)."""
    written = []
    for split, name in (("train", PROMPT_COMPLETION), ("val", PROMPT_COMPLETION_VAL)):
        rows = [_encode({"prompt": s.instruction, "completion": s.reply}) for s in samples if s.split == split]
        if rows or split == "train":
            path = folder / name
            path.write_text("".join(row + "\n" for row in rows), encoding="utf-8", newline="\n")
            written.append(path)
    return written


def write_rejected(folder: Path, rejected: list[tuple[Candidate, str]]) -> Path:
    """Every dropped completion with its reason, for a look at what the filters threw away."""
    path = folder / REJECTED
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for candidate, reason in rejected:
            f.write(_encode({"id": candidate.id, "reason": reason, "prompt": candidate.prompt,
                             "completion": candidate.completion, "meta": candidate.meta}) + "\n")
    return path


def write_review_files(folder: Path, samples: list[Sample]) -> None:
    """prompts/ID.txt and completions/ID.txt per kept pair: edit or delete completions by hand,
    then `characterkit pair prompts completions` builds the dataset again from what is left."""
    for kind, text_of in (("prompts", lambda s: s.instruction), ("completions", lambda s: s.reply)):
        (folder / kind).mkdir()
        for sample in samples:
            (folder / kind / f"{sample.id}.txt").write_text(text_of(sample) + "\n", encoding="utf-8")


def _encode(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False)
