"""`prepare synth` and `pair`: from a template, or from two folders of files, to a dataset folder.

    report = prepare_synth(SynthSettings(template="stories.yaml", sample=200))
    report = pair_folders(PairSettings(prompts_dir="prompts", completions_dir="completions"))

Both end the same way: candidates -> filters (drops by reason) -> Samples -> datasets/NAME/ built
in a temporary folder and swapped in whole, holding samples.jsonl, every export,
prompt_completion.jsonl, rejected.jsonl (with --keep-rejected) and report.json.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from characterkit import atomic, paths
from characterkit.errors import UserError
from characterkit.llm import RunStats, token_totals
from characterkit.synth.dataset import synth_sample, write_dataset, write_review_files
from characterkit.synth.filters import Candidate, filter_candidates
from characterkit.synth.generate import generate_completions
from characterkit.synth.pair import describe_unmatched, match_files, read_pair_file
from characterkit.synth.report import length_distribution
from characterkit.synth.settings import OutputSettings, PairSettings, SynthSettings
from characterkit.summary import counts_line
from characterkit.synth.template import PromptItem, SynthTemplate, expand_prompts, load_template


def prepare_synth(settings: SynthSettings) -> dict:
    """Generate, filter and write the synthetic dataset for `settings`; return its report."""
    from characterkit.export import get_exports

    started = time.perf_counter()
    get_exports(settings.output.formats)  # a bad format or template fails before any LLM call
    template = load_template(settings.template)
    settings.filters.check_slots(template.slots)
    items, expansion = expand_prompts(template, settings.sample, settings.output.seed)
    paths.check_output_folder(settings.folder)
    results, stats = generate_completions(items, template, settings.llm, settings.journal_path,
                                          seed=settings.output.seed, fresh=settings.fresh, progress=settings.progress)
    candidates, server_drops = _candidates(items, results)
    kept, rejected, drops = filter_candidates(candidates, settings.filters)
    drops = server_drops + drops
    samples = [synth_sample(c, template.character, template.training_persona, template.path.name,
                            settings.output.val_ratio, settings.output.seed) for c in kept]
    if not samples:
        raise UserError(f"no completion passed the filters ({_drops_line(drops)}); the completions are in "
                        f"{settings.journal_path}. Loosen the filters (--min-chars ...) and run again: "
                        "no request is sent twice")
    report = {"dataset": settings.dataset_name, "kind": "synth", "template": str(template.path),
              "prompts": {"combinations": expansion.combinations, "chosen": expansion.chosen,
                          "sampled": expansion.sampled, "duplicate_prompts": expansion.drops["duplicate_prompt"],
                          "per_prompt": template.per_prompt, "requests": len(items)},
              **_outcome(len(items), candidates, kept, drops, samples),
              "llm": _llm_report(settings, template, results, stats),
              "journal": str(settings.journal_path), "settings": settings.to_dict()}
    with atomic.replace_dir(settings.folder) as tmp:
        if settings.write_files:
            write_review_files(tmp, samples)
        _finish(tmp, samples, rejected, settings.output, settings.dataset_name, report, started)
    return {**report, "folder": str(settings.folder)}


def pair_folders(settings: PairSettings) -> dict:
    """Pair prompt and completion files by name, filter, and write the dataset; return its report."""
    from characterkit.export import get_exports

    started = time.perf_counter()
    get_exports(settings.output.formats)
    matched = match_files(settings.prompts_dir, settings.completions_dir)
    orphans = matched.completions_without_prompt
    if orphans and settings.strict:
        raise UserError(f"{len(orphans)} completion(s) have no prompt file of the same name: "
                        f"{describe_unmatched(orphans)}", path=settings.completions_dir)
    if not matched.pairs:
        raise UserError(f"no completion has a prompt file of the same name in {settings.prompts_dir}",
                        path=settings.completions_dir)
    paths.check_output_folder(settings.folder)
    candidates = [Candidate(id=name, prompt=read_pair_file(prompt), completion=read_pair_file(completion),
                            meta={"prompt_file": str(prompt), "completion_file": str(completion)})
                  for name, prompt, completion in matched.pairs]
    kept, rejected, drops = filter_candidates(candidates, settings.filters)
    samples = [synth_sample(c, settings.character.strip(), settings.persona, Path(settings.completions_dir).name,
                            settings.output.val_ratio, settings.output.seed) for c in kept]
    if not samples:
        raise UserError(f"no pair passed the filters ({_drops_line(drops)})", path=settings.completions_dir)
    report = {
        "dataset": settings.dataset_name, "kind": "pair", "prompts_dir": str(settings.prompts_dir),
        "completions_dir": str(settings.completions_dir),
        "unmatched": {"completions_without_prompt": orphans,
                      "prompts_without_completion": matched.prompts_without_completion},
        **_outcome(len(candidates), candidates, kept, drops, samples), "settings": settings.to_dict(),
    }
    with atomic.replace_dir(settings.folder) as tmp:
        _finish(tmp, samples, rejected, settings.output, settings.dataset_name, report, started)
    return {**report, "folder": str(settings.folder)}


def _llm_report(settings: SynthSettings, template: SynthTemplate, results: list[dict],
                stats: RunStats) -> dict:
    """Which model, how fast, how many tokens; what came from the journal instead of the server."""
    return {**settings.llm.describe(), "model": stats.model, "concurrency": settings.llm.concurrency,
            "resumed_from_journal": stats.resumed, "generated_this_run": stats.done,
            "request_retries_this_run": stats.request_retries,
            "tokens": token_totals(results),
            "generation": vars(template.generation), "seconds": round(stats.seconds, 3),
            "requests_per_second": round(stats.per_second, 3)}


def _candidates(items: list[PromptItem], results: list[dict]) -> tuple[list[Candidate], Counter]:
    """The completions to judge; requests the server refused are counted and left out."""
    candidates, drops = [], Counter()
    for item, result in zip(items, results):
        if result["status"] != "ok":
            drops[result["status"]] += 1
            continue
        meta = {"slots": item.values, "repeat": item.repeat, "finish_reason": result["finish_reason"]}
        candidates.append(Candidate(id=item.id, prompt=item.prompt, completion=result["text"],
                                    finish_reason=result["finish_reason"], values=item.values, meta=meta))
    return candidates, drops


def _outcome(total: int, candidates: list[Candidate], kept: list[Candidate], drops: Counter, samples: list) -> dict:
    """The report's counts: completions (total = requests), drops by reason, lengths before and
    after filtering (of the completions received), samples by split."""
    return {
        "completions": {"total": total, "kept": len(kept), "dropped": sum(drops.values())},
        "drops": dict(drops.most_common()),
        "lengths": {"before": length_distribution([len(c.completion.strip()) for c in candidates]),
                    "after": length_distribution([len(c.completion.strip()) for c in kept])},
        "samples": {"total": len(samples), "by_split": dict(Counter(s.split for s in samples))},
    }


def _finish(folder: Path, samples: list, rejected: list, output: OutputSettings, dataset_name: str, report: dict,
            started: float) -> None:
    """Write the dataset files and report.json into the temporary `folder`."""
    report["exports"] = write_dataset(folder, samples, dataset_name, output.formats,
                                      rejected if output.keep_rejected else None)
    report["seconds"] = round(time.perf_counter() - started, 3)
    atomic.write_json(folder / "report.json", report)


def _drops_line(drops: Counter) -> str:
    return counts_line(dict(drops.most_common())) or "nothing generated"
