"""A small character to chat with, built locally in seconds: for the tests, the benchmark and demos.

`make_sample_model` pre-trains a tiny model on the bundled transcript rendered through the prompt
format, so it learns `Name: line` turns that end with a newline (what the stop logic is tested on).
`make_sample_lora` writes the files finetune writes (a peft adapter and the run card) without
training: enough to exercise loading, the run card and the with/without-adapter switch.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.atomic import write_json
from characterkit.data import SAMPLE_CHARACTER, sample_transcript_path
from characterkit.prompts import Conversation, get_format
from characterkit.samples import Drop, build_samples
from characterkit.train.artifacts import RUN_CARD

SAMPLE_PERSONA = "Mara keeps the lighthouse on Gull Rock. She is dry, practical and counts everything."
SAMPLE_GREETING = "You again? Mind the third step, it is loose."


def sample_dialogue_text(character: str = SAMPLE_CHARACTER, persona: str = SAMPLE_PERSONA, rounds: int = 6,
                         prompt_format: str = "pygmalion") -> str:
    """Every line of `character` in the bundled transcript as a training sample (persona, previous
    turns, reply), parsed and windowed by the same stages as `prepare`, rendered as finetune does."""
    from characterkit.parse import parse_source

    fmt = get_format(prompt_format)
    pieces = []
    for sample in build_samples(parse_source(sample_transcript_path()), {character}, rounds, persona=persona):
        if not isinstance(sample, Drop):
            conv = Conversation(character=sample.character, turns=sample.context, reply=sample.reply,
                                persona=sample.persona)
            pieces.append("".join(fmt.render(conv)))
    return "".join(pieces)


def make_sample_model(out_dir, steps: int = 300, seed: int = 0, progress: bool = False) -> Path:
    """A tiny llama pre-trained on `sample_dialogue_text()` (about 10 s on one CPU thread)."""
    from characterkit.train.tiny import make_tiny_model

    return make_tiny_model(out_dir, pretrain_text=sample_dialogue_text(), steps=steps, seed=seed, progress=progress)


def make_sample_lora(out_dir, base_model, character: str = SAMPLE_CHARACTER, persona: str = SAMPLE_PERSONA,
                     greeting: str = SAMPLE_GREETING, random_weights: bool = True, seed: int = 0) -> Path:
    """An untrained r=4 q/v adapter on `base_model` plus its run card, in `out_dir`.

    random_weights: peft normally starts B at zero (the adapter changes nothing); random weights make
    the adapter change the answers, so a test can see that switching it off makes a difference.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    config = LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                        init_lora_weights=not random_weights)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base_model), config)
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    write_json(out_dir / RUN_CARD, {
        "base_model": str(base_model), "base_model_path": str(Path(base_model).resolve()),
        "prompt_format": "pygmalion", "character": character, "persona": persona, "greeting": greeting,
        "user_name": "You", "stop_strings": ["\n"],
    })
    return out_dir
