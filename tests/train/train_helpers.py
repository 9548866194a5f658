"""Small dataset builders shared by the training tests (imported as `train_helpers`)."""

import json
import re
from pathlib import Path

from characterkit.data import sample_transcript_text
from characterkit.records import Sample, Turn

_SPEECH = re.compile(r"^(\w+): (.*)$")


def transcript_samples(character: str = "Mara", rounds: int = 4, val_every: int = 0) -> list[Sample]:
    """Samples from the bundled transcript by a tiny local parse (independent of `prepare`)."""
    samples, turns = [], []
    for line in sample_transcript_text().splitlines():
        if line.strip() == "* * *":  # scene break: context never crosses it
            turns = []
        match = _SPEECH.match(line)
        if not match:
            continue
        speaker, text = match.groups()
        if speaker == character and turns:
            split = "val" if val_every and len(samples) % val_every == val_every - 1 else "train"
            samples.append(Sample(id=f"s{len(samples)}", character=character, context=turns[-rounds:], reply=text,
                                  persona="Mara keeps the lighthouse on Gull Rock.", split=split))
        turns.append(Turn(speaker, text))
    return samples


def write_samples(folder: Path, samples: list[Sample]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "samples.jsonl"
    path.write_text("".join(json.dumps(s.to_dict()) + "\n" for s in samples), encoding="utf-8")
    return path
