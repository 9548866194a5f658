"""Does the LoRA make the model sound like the character, and what does it cost? (`eval`'s second half)

    loss        reply-only loss on the character's held-out lines and on the other speakers' held-out
                lines of the same source, base vs LoRA: the LoRA should lower the first more
    classifier  replies generated for held-out contexts, sampled as chat samples them (its default
                temperature, top-p and repetition penalty; a fixed seed per reply), attributed by a
                speaker classifier trained on the source's other lines: the share given to the
                character for the base model, the LoRA, the real held-out lines (the ceiling) and the
                other speakers' real held-out lines (what the classifier gives the character by mistake)
    yes_no      is this passage dialogue? answered by the instruct model, base vs LoRA (`yes_no.py`)

Everything here needs the source the dataset was prepared from (report.json names it); without it
each part says it was skipped and why. The model is one peft model: the base numbers are taken with
the adapter switched off.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from characterkit.chat.engine import ChatEngine, Character, GenerationSettings
from characterkit.memory import MemoryIndex
from characterkit.memory.blocks import trained_with_blocks
from characterkit.prompts import Conversation
from characterkit.records import Sample
from characterkit.train import yes_no
from characterkit.train.classifier import SpeakerClassifier, paired_difference
from characterkit.train.encode import ConversationEncoder
from characterkit.train.held_out import SourceLines

EXAMPLES = 3  # generated replies kept in eval.json per model, to read beside the figures


def fidelity_and_cost(model, tokenizer, fmt, data, card: dict, settings, measure) -> tuple[dict, dict]:
    """(fidelity, general) parts of eval.json but the character loss and the perplexity, which the
    caller measures. measure(rows) -> {"base": {...}, "lora": {...}, "samples", "tokens"}."""
    folder = data.path if data.path.is_dir() else data.path.parent
    source = SourceLines.from_dataset(folder) if not data.is_text else None
    if source is None:
        skipped = {"skipped": f"no report.json in {folder} naming a dialogue source on this machine"}
        return {"loss": {"others": dict(skipped)}, "classifier": dict(skipped)}, {"yes_no": dict(skipped)}
    character = card.get("character") or data.character()
    engine = ChatEngine(model, tokenizer, Character(character, persona=card.get("persona") or ""),
                        prompt_format=fmt.name, stop_strings=card.get("stop_strings") or [],
                        memory=MemoryIndex.in_folder(folder, character), memory_blocks=trained_with_blocks(card))
    greedy = GenerationSettings(temperature=0, max_new_tokens=settings.max_new_tokens, seed=settings.seed)
    sampled = GenerationSettings(max_new_tokens=settings.max_new_tokens, seed=settings.seed)  # chat's defaults
    others = source.other_held_out(character, settings.seed)
    encoder = ConversationEncoder(fmt, tokenizer, card.get("settings", {}).get("cutoff", 256), card.get("add_eos", True))
    fidelity = {"loss": {"others": _others_loss(others, encoder, settings.seed, settings.samples, measure)},
                "classifier": _classifier(source, character, data.val, others[0], engine, sampled, settings)}
    passages = source.passages(settings.samples, settings.seed)
    general = {"yes_no": {"base": yes_no.ask(engine, passages, greedy, use_adapter=False),
                          "lora": yes_no.ask(engine, passages, greedy, use_adapter=True),
                          "passages": len(passages), "dialogue": sum(truth for _, truth in passages)}}
    return fidelity, general


def _others_loss(others: tuple[list[Sample], Counter], encoder: ConversationEncoder, seed: int, limit: int,
                 measure) -> dict:
    """Reply-only loss on the other speakers' held-out samples, rendered as the character's are (each
    with the persona prepare would write for its speaker)."""
    samples, drops = others
    # The loss of up to twice --samples of them, seeded: each costs two forward passes on a CPU.
    samples = sorted(random.Random(seed).sample(samples, min(len(samples), 2 * limit)), key=lambda s: s.id)
    rows = [e.as_dict() for s in samples
            if (e := encoder.encode(Conversation(character=s.character, turns=s.context, reply=s.reply,
                                                 persona=s.persona))) is not None]
    if not rows:
        return {"skipped": "no other speaker has a held-out sample that fits the cutoff"}
    return {**measure(rows), "speakers": len({s.character for s in samples}), "seed": seed,
            "held_out": len(others[0]),
            "dropped": {**drops, **encoder.stats.dropped}}


def _classifier(source: SourceLines, character: str, held_out: list[Conversation], others: list[Sample],
                engine: ChatEngine, generation: GenerationSettings, settings) -> dict:
    """Train on the source's lines but the held-out ones; score real and generated held-out replies.

    `settings.samples` replies per model: the held-out contexts in a seeded order, again from the
    first when there are fewer, each reply with its own seed (base and LoRA get the same seeds)."""
    excluded = {c.reply.strip() for c in held_out} | {s.reply.strip() for s in others}
    classifier = SpeakerClassifier.train(source.speech(exclude=excluded), character, seed=settings.seed)
    order = random.Random(settings.seed).sample(held_out, len(held_out))
    contexts = [(order[i % len(order)], replace(generation, seed=generation.seed + i))
                for i in range(settings.samples if order else 0)]
    replies = {use: [_generate(engine, conv, seeded, use)
                     for conv, seeded in progress(contexts, f"replies, {'LoRA' if use else 'base'}")]
               for use in (False, True)}
    generated = {"base": replies[False], "lora": replies[True]}
    base, lora = classifier.report(replies[False]), classifier.report(replies[True])
    reference = classifier.report([c.reply for c in held_out])
    mistaken = classifier.report([s.reply for s in others])
    with_memory = {}
    if engine.memory is not None:  # both again, with the character's own lines recalled as in chat
        for use, who in ((True, "lora"), (False, "base")):  # the base pane recalls them too, by default
            remembered = [_generate(engine, conv, seeded, use, memory=True)
                          for conv, seeded in progress(contexts, f"replies, {'LoRA' if use else 'base'} + memory")]
            report = classifier.report(remembered)
            generated[f"{who}_memory"] = remembered
            with_memory |= {f"{who}_memory": report["share"],
                            f"{who}_memory_details": {**report, "examples": remembered[:EXAMPLES]},
                            f"memory_paired{'' if use else '_base'}":
                                _paired(classifier, replies[use], remembered, who, settings.seed)}
    return {"reference": reference["share"], "base": base["share"], "lora": lora["share"], **with_memory,
            "others_reference": mistaken["share"],
            "details": {"reference": reference, "others_reference": mistaken,
                        "base": {**base, "examples": replies[False][:EXAMPLES]},
                        "lora": {**lora, "examples": replies[True][:EXAMPLES]}},
            "trained_on": classifier.lines, "classes": classifier.classes, "contexts": len(order),
            "replies": len(contexts), "sampling": {k: getattr(generation, k) for k in
                                                   ("temperature", "top_p", "repetition_penalty", "max_new_tokens")},
            "seed": settings.seed, "reply_rows": _reply_rows(classifier, contexts, generated)}


def _reply_rows(classifier: SpeakerClassifier, contexts: list, generated: dict[str, list[str]]) -> list[dict]:
    """Every generated reply with what it answered and how the classifier read it (eval_replies.jsonl):
    the shares are counts of these rows, so a reader can check any of them."""
    rows = []
    for model, replies in generated.items():
        for i, ((conv, seeded), reply, who, p) in enumerate(zip(contexts, replies, classifier.predict(replies),
                                                                  classifier.probability(replies))):
            rows.append({"model": model, "reply_index": i, "seed": seeded.seed,
                         "message": conv.turns[-1].text if conv.turns else "", "reply": reply,
                         "attributed_to": who, "p_character": round(p, 4)})
    return rows


def _generate(engine: ChatEngine, conv: Conversation, generation: GenerationSettings, use_adapter: bool,
              memory: bool = False) -> str:
    """The model's reply to a held-out context, cut where the format's turn ends; with `memory`, the
    character's own lines recalled for it as chat recalls them (the last turn is the message)."""
    prompt_conv = replace(conv, reply=None, persona=conv.persona or engine.character.persona)
    if memory and conv.turns:
        prompt_conv = replace(prompt_conv, memories=engine.recall(conv.turns[:-1], conv.turns[-1].text))
    prompt, _ = engine.format.render(prompt_conv, tokenizer=engine.tokenizer)
    return engine.complete(prompt, engine.stop_strings(prompt_conv), generation, use_adapter=use_adapter,
                           conv=prompt_conv)


def _paired(classifier: SpeakerClassifier, without: list[str], remembered: list[str], who: str, seed: int) -> dict:
    """The same contexts and seeds without and with memory: P(character) per reply, paired."""
    before, after = classifier.probability(without), classifier.probability(remembered)
    return {"probability": {who: _mean(before), f"{who}_memory": _mean(after)},
            "difference": paired_difference(before, after, seed),
            "only_with_memory": _flips(classifier, remembered, without),
            "only_without": _flips(classifier, without, remembered)}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _flips(classifier: SpeakerClassifier, first: list[str], second: list[str]) -> int:
    """Replies attributed to the character in `first` whose pair in `second` is not."""
    return sum(a == classifier.character != b for a, b in zip(classifier.predict(first), classifier.predict(second)))


def progress(items: list, what: str):
    """`items`, with a progress bar on stderr: generation is the slow part of eval on a CPU."""
    from tqdm import tqdm

    return tqdm(items, desc=what, leave=False)
