"""`prepare style`: a novel -> passages -> LLM paraphrases -> "rephrase in the style of AUTHOR" pairs.

    report = prepare_style(StyleSettings(novel="goblin.txt", author="George MacDonald"))

The dataset folder (datasets/NAME/) is built in a temporary folder and swapped in at the end:
- samples.jsonl and every export of `characterkit.export` (alpaca.json, human_bot.jsonl, ...),
  one sample per paraphrased passage: the paraphrase is the input, the author's passage the target;
- the tutorial's own files: analysed_passages.json (`author, tone, type, text, id` per passage),
  paraphrases.json (`id, gptText`) and output.jsonl (`text` as `<human>: ...\\n<bot>: ...` with a
  real newline, and `metadata.source`);
- report.json: passages, paraphrased, skipped by reason, retries, tokens, time, passages per second.
The LLM work itself lives in the journal beside the folder, so a rerun costs no calls.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from characterkit import atomic, paths
from characterkit.errors import UserError
from characterkit.llm import token_totals
from characterkit.records import Sample, Turn
from characterkit.style.paraphrase import ParaphraseStats, paraphrase_passages
from characterkit.style.passages import Passage, split_passages
from characterkit.style.prompts import load_template
from characterkit.style.settings import StyleSettings
from characterkit.style.tones import ToneMap
from characterkit.summary import counts_line, print_table

INSTRUCTION = "Rephrase the following text in the style of {author}:"


def prepare_style(settings: StyleSettings) -> dict:
    """Write the style-pair dataset for `settings` and return its report (also in report.json)."""
    from characterkit.export import get_exports

    started = time.perf_counter()
    get_exports(settings.formats)  # a bad format, template or tone file fails before any LLM call
    template = load_template(settings.template)
    tones = ToneMap.load(settings.tones)
    passages, drops, source = read_passages(settings)
    folder = settings.folder
    paths.check_output_folder(folder)

    results, stats = paraphrase_passages(passages, template, settings)
    tone_of, unmapped = _map_tones(passages, results, tones)
    samples = [style_pair(p, r, settings, tone_of[p.id]) for p, r in zip(passages, results) if r["status"] == "ok"]
    if not samples:
        reasons = counts_line(dict(Counter(r["reason"] for r in results).most_common()))
        raise UserError(f"no passage got a usable paraphrase ({reasons}); the replies are in {settings.journal_path}. "
                        "Try another --model or --template, or looser --min-ratio / --max-ratio, with --fresh")
    with atomic.replace_dir(folder) as tmp:
        exports = _write_exports(samples, tmp, settings)
        _write_tutorial_files(tmp, passages, results, samples, tone_of, settings)
        report = _report(settings, source, passages, results, drops, stats, unmapped, samples, exports)
        report["seconds"] = round(time.perf_counter() - started, 3)
        atomic.write_json(tmp / "report.json", report)
    report["folder"] = str(folder)
    return report


def read_passages(settings: StyleSettings) -> tuple[list[Passage], Counter, dict]:
    """The novel's passages (after --limit), drop counts, and what reading it found (encoding...)."""
    from characterkit.io import read_text

    text, info = read_text(settings.novel)
    passages, drops = split_passages(text, settings.min_words, settings.max_words, settings.beats)
    if settings.limit is not None:
        passages = passages[: settings.limit]
    if not passages:
        dropped = ", ".join(f"{reason}: {n}" for reason, n in drops.items()) or "the text is empty"
        raise UserError(f"no passages left after filtering ({dropped}); try a smaller --min-words or --beats",
                        path=settings.novel)
    return passages, drops, info.to_dict()


def style_pair(passage: Passage, result: dict, settings: StyleSettings, tone: str) -> Sample:
    """The training sample: input = the paraphrase, target = the author's own passage."""
    from characterkit.samples import assign_split

    sample_id = f"{paths.slug(settings.author)}-{passage.id}"
    return Sample(
        id=sample_id, character=settings.author, context=[Turn(None, result["paraphrase"])], reply=passage.text,
        instruction=INSTRUCTION.format(author=settings.author),
        persona=f"You rewrite text in the style of {settings.author}.", source=Path(settings.novel).name,
        split=assign_split(sample_id, settings.val_ratio, settings.seed),
        meta={"tone": tone, "type": passage.type, "passage": passage.id, "chapter": passage.chapter})


def _map_tones(passages: list[Passage], results: list[dict], tones: ToneMap) -> tuple[dict[str, str], Counter]:
    """Core tone per passage id ("" when the model gave none); tones outside the mapping, counted."""
    tone_of, unmapped = {}, Counter()
    for passage, result in zip(passages, results):
        tone, known = tones.map(result.get("tone", ""))
        tone_of[passage.id] = tone
        if tone and not known:
            unmapped[tone] += 1
    return tone_of, unmapped


def _write_exports(samples: list[Sample], folder: Path, settings: StyleSettings) -> dict:
    from characterkit.export import export_samples, relative_files

    return relative_files(export_samples(samples, folder, settings.dataset_name, settings.formats), folder)


def _write_tutorial_files(folder: Path, passages: list[Passage], results: list[dict], samples: list[Sample],
                          tone_of: dict[str, str], settings: StyleSettings) -> None:
    """The files the style-transfer tutorials read, for users who follow them step by step."""
    from characterkit.export.render import reply_text, user_text

    analysed = [{"author": settings.author, "tone": tone_of[p.id], "type": p.type, "text": p.text, "id": p.id}
                for p in passages]
    atomic.write_json(folder / "analysed_passages.json", analysed)
    paraphrases = [{"id": p.id, "gptText": r["paraphrase"]} for p, r in zip(passages, results) if r["status"] == "ok"]
    atomic.write_json(folder / "paraphrases.json", paraphrases)
    source = Path(settings.novel).name
    rows = [json.dumps({"text": f"<human>: {user_text(s)}\n<bot>: {reply_text(s)}", "metadata": {"source": source}},
                       ensure_ascii=False) for s in samples]
    atomic.write_text(folder / "output.jsonl", "".join(row + "\n" for row in rows))


def _report(settings: StyleSettings, source: dict, passages: list[Passage], results: list[dict], drops: Counter,
            stats: ParaphraseStats, unmapped: Counter, samples: list[Sample], exports: dict) -> dict:
    skipped = Counter(r["reason"] for r in results if r["status"] != "ok")
    return {
        "dataset": settings.dataset_name,
        "kind": "style",
        "author": settings.author,
        "source": source,
        "passages": {
            "total": len(passages),
            "paraphrased": len(passages) - sum(skipped.values()),
            "skipped": dict(skipped.most_common()),
            "resumed_from_journal": stats.resumed,
            "by_type": dict(Counter(p.type for p in passages).most_common()),
            "by_tone": dict(Counter(s.meta["tone"] for s in samples).most_common()),
            "tones_unmapped": dict(unmapped.most_common()),
            # replies without a tone line, whose tone was then asked for separately
            "tones_asked_separately": sum(bool(r.get("tone_asked")) for r in results if r["status"] == "ok"),
        },
        "drops": dict(drops),
        "llm": {
            **settings.llm.describe(), "model": stats.model, "concurrency": settings.llm.concurrency,
            "attempts": sum(r["attempts"] for r in results),
            "validation_failures": dict(Counter(_all_failures(results)).most_common()),
            "validation_retries_this_run": stats.validation_retries,
            "request_retries_this_run": stats.request_retries,
            "tokens": token_totals(results),
            "paraphrased_this_run": stats.done,
            "paraphrase_seconds": round(stats.seconds, 3),
            "passages_per_second": round(stats.per_second, 3),
        },
        "samples": {"total": len(samples), "by_split": dict(Counter(s.split for s in samples))},
        "exports": exports,
        "files": ["analysed_passages.json", "paraphrases.json", "output.jsonl", "report.json"],
        "journal": str(settings.journal_path),
        "settings": settings.to_dict(),
    }


def _all_failures(results: list[dict]) -> Counter:
    """Failed attempts by reason, over every passage (including the ones that succeeded later)."""
    total = Counter()
    for result in results:
        total.update(result["failures"])
    return total


def print_summary(report: dict, console=None) -> None:
    """The report as a table on the terminal (rich)."""
    passages, llm = report["passages"], report["llm"]
    rows = [
        ("passages", passages["total"]),
        ("paraphrased", passages["paraphrased"]),
        ("skipped", counts_line(passages["skipped"]) or "none"),
        ("from the journal", passages["resumed_from_journal"]),
        ("paragraphs dropped", counts_line(report["drops"]) or "none"),
        ("retries", f"{llm['validation_retries_this_run']} validation, {llm['request_retries_this_run']} request"),
        ("tokens", f"{llm['tokens']['prompt']} prompt, {llm['tokens']['completion']} completion"),
        ("wall time", f"{report['seconds']:.1f} s"),
        ("passages / second", f"{llm['passages_per_second']:.2f} (this run, concurrency {llm['concurrency']})"),
        ("tones", (counts_line(passages["by_tone"]) or "none")
                  + (f" ({passages['tones_asked_separately']} asked separately: no tone line in the reply)"
                     if passages.get("tones_asked_separately") else "")),
        ("tones not in the mapping", counts_line(passages["tones_unmapped"]) or "none"),
        ("samples", counts_line(report["samples"]["by_split"]) or "0"),
        ("folder", report["folder"]),
    ]
    print_table(f"{report['dataset']}: style pairs for {report['author']}", rows, console)
