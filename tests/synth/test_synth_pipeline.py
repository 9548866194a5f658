"""`characterkit prepare synth` end to end against a real OpenAI-compatible server, and on to a
LoRA: template -> requests -> completions -> filters -> training files that `finetune` accepts.

The tiny model writes random words, so these tests check the plumbing (every request accounted
for, files consistent with each other, the journal reused), never the quality of a story.
"""

import json

import pytest

from characterkit.cli import main
from characterkit.synth.template import expand_prompts, load_template

pytestmark = pytest.mark.slow


def synth(server, template, *extra):
    return main(["prepare", "synth", str(template), "--base-url", server.base_url, "--model", server.model,
                 "--min-chars", "20", "--quiet", *extra])


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_template_to_filtered_pairs_in_every_export(llm_server, write_template, home, capsys):
    template = write_template()
    assert synth(llm_server, template, "--keep-rejected", "--write-files", "--val-ratio", "0.3", "--seed", "1") == 0
    folder = home / "datasets" / "stories"
    report = json.loads((folder / "report.json").read_text())
    assert report["prompts"] == {"combinations": 6, "chosen": 6, "sampled": False, "duplicate_prompts": 0,
                                 "per_prompt": 1, "requests": 6}
    counts = report["completions"]
    assert counts["total"] == 6 and counts["kept"] + counts["dropped"] == 6
    assert sum(report["drops"].values()) == counts["dropped"]
    assert report["lengths"]["before"]["count"] == 6 and report["lengths"]["after"]["count"] == counts["kept"]
    assert report["llm"]["generated_this_run"] == 6 and report["llm"]["tokens"]["completion"] > 0

    prompts = {item.id: item.prompt for item in expand_prompts(load_template(template), None, seed=1)[0]}
    samples = read_jsonl(folder / "samples.jsonl")
    pairs = read_jsonl(folder / "prompt_completion.jsonl") + read_jsonl(folder / "prompt_completion.val.jsonl")
    assert len(samples) == len(pairs) == counts["kept"]
    assert sorted((p["prompt"], p["completion"]) for p in pairs) == sorted(
        (s["instruction"], s["reply"]) for s in samples)
    for sample in samples:
        assert sample["instruction"] == prompts[sample["id"]] and "request id" not in sample["instruction"]
        assert sample["character"] == "Storyteller" and sample["persona"] == "You are a storyteller."
        assert len(sample["reply"]) >= 20 and sample["context"] == []
        assert (folder / "completions" / f"{sample['id']}.txt").read_bytes().decode() == sample["reply"] + "\n"
    assert {s["split"] for s in samples} <= {"train", "val"}
    rejected = read_jsonl(folder / "rejected.jsonl")
    assert sorted(r["reason"] for r in rejected) == sorted(r for r, n in report["drops"].items() for _ in range(n))
    for export in ("alpaca.json", "sharegpt.json", "openai.jsonl", "webui-chat.json", "processed_dataset.json"):
        assert (folder / export).exists()
    out = capsys.readouterr().out
    assert "slot combinations" in out and "before filtering" in out


def test_a_rerun_with_other_filters_sends_no_request(llm_server, write_template, home):
    template = write_template()
    assert synth(llm_server, template, "--min-chars", "100000", "--sample", "4") == 2  # nothing kept: an error
    assert synth(llm_server, template, "--min-chars", "1", "--near-duplicate", "1.0", "--sample", "4") == 0
    report = json.loads((home / "datasets" / "stories" / "report.json").read_text())
    assert report["llm"]["generated_this_run"] == 0 and report["llm"]["resumed_from_journal"] == 4
    assert report["completions"]["total"] == 4 and report["prompts"]["sampled"]
    assert synth(llm_server, template, "--min-chars", "1") == 0  # all six: two more requests
    report = json.loads((home / "datasets" / "stories" / "report.json").read_text())
    assert report["llm"]["generated_this_run"] == 2 and report["llm"]["resumed_from_journal"] == 4


def test_other_generation_settings_refuse_the_journal_until_fresh(llm_server, write_template, small_template, home,
                                                                 capsys):
    assert synth(llm_server, write_template(), "--sample", "2") == 0
    hotter = write_template(small_template.replace("temperature: 0.9", "temperature: 1.2"))
    capsys.readouterr()
    assert synth(llm_server, hotter, "--sample", "2") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--fresh" in err and "journal" in err and err.count("\n") == 1
    assert synth(llm_server, hotter, "--sample", "2", "--fresh") == 0


def test_finetune_trains_on_the_synthetic_dataset(llm_server, chat_model, write_template, home):
    """The end of the road: the dataset folder goes straight into `finetune`, prompts masked."""
    assert synth(llm_server, write_template(), "--min-chars", "1", "--near-duplicate", "1.0") == 0
    samples = read_jsonl(home / "datasets" / "stories" / "samples.jsonl")
    argv = ["finetune", "-m", str(chat_model), "-d", "stories", "--max-steps", "2", "--save-steps", "0",
            "-c", "512", "--lr", "1e-3"]
    assert main(argv) == 0
    lora = home / "loras" / "stories"
    assert (lora / "adapter_model.safetensors").exists()
    card = json.loads((lora / "characterkit.json").read_text())
    assert card["character"] == "Storyteller" and card["persona"] == "You are a storyteller."
    assert card["dataset"]["format"] == "samples"
    assert card["dataset"]["train"]["kept"] == len(samples) and card["dataset"]["train"]["trained_tokens"] > 0
    assert card["result"]["global_step"] == 2


def test_the_in_process_backend_runs_the_same_pipeline(chat_model, write_template, home):
    args = ["prepare", "synth", str(write_template()), "--backend", "local", "--model", str(chat_model),
            "--concurrency", "3", "--min-chars", "1", "--sample", "3", "--quiet"]
    assert main(args) == 0
    report = json.loads((home / "datasets" / "stories" / "report.json").read_text())
    assert report["llm"]["backend"] == "local" and report["completions"]["total"] == 3
    assert report["llm"]["tokens"]["completion"] > 0
