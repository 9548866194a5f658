"""`characterkit prepare style` end to end against a real OpenAI-compatible server.

The tiny model writes random words, so these tests check the plumbing (every passage accounted
for, files consistent with each other, the journal reused), never the quality of a paraphrase.
"""

import json

import pytest

from characterkit.cli import main

pytestmark = pytest.mark.slow
AUTHOR = "Ada Winter"


def style(server, novel, *extra):
    return main(["prepare", "style", str(novel), "--author", AUTHOR, "--base-url", server.base_url,
                 "--model", server.model, "--max-retries", "2", "--min-ratio", "0.1", "--max-ratio", "10",
                 "--limit", "8", "--quiet", *extra])


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_pairs_exports_tutorial_files_and_report(llm_server, novel, home, capsys):
    assert style(llm_server, novel) == 0
    folder = home / "datasets" / "Ada_Winter-style"
    report = json.loads((folder / "report.json").read_text())
    passages = report["passages"]
    assert passages["total"] == 8
    assert passages["paraphrased"] + sum(passages["skipped"].values()) == 8
    assert report["llm"]["attempts"] >= 8 and report["llm"]["tokens"]["completion"] > 0

    analysed = json.loads((folder / "analysed_passages.json").read_text())
    assert len(analysed) == 8 and all(set(row) == {"author", "tone", "type", "text", "id"} for row in analysed)
    paraphrases = json.loads((folder / "paraphrases.json").read_text())
    assert len(paraphrases) == passages["paraphrased"] and all(set(p) == {"id", "gptText"} for p in paraphrases)

    text_of = {row["id"]: row["text"] for row in analysed}
    gpt_of = {p["id"]: p["gptText"] for p in paraphrases}
    samples = read_jsonl(folder / "samples.jsonl")
    assert len(samples) == passages["paraphrased"]
    for sample in samples:
        passage = sample["meta"]["passage"]
        assert sample["instruction"] == f"Rephrase the following text in the style of {AUTHOR}:"
        assert sample["reply"] == text_of[passage] and sample["context"][0]["text"] == gpt_of[passage]
        assert sample["character"] == AUTHOR and set(sample["meta"]) == {"tone", "type", "passage", "chapter"}

    rows = read_jsonl(folder / "output.jsonl")
    assert len(rows) == len(samples)
    for row in rows:
        assert row["metadata"] == {"source": novel.name}
        assert row["text"].startswith("<human>: Rephrase") and "\n<bot>: " in row["text"]
    for export in ("alpaca.json", "human_bot.jsonl", "sharegpt.json", "openai.jsonl"):
        assert (folder / export).exists()
    out = capsys.readouterr().out
    assert "paraphrased" in out and "passages / second" in out


def test_a_rerun_takes_every_passage_from_the_journal(llm_server, novel, home):
    assert style(llm_server, novel) == 0
    folder = home / "datasets" / "Ada_Winter-style"
    first = (folder / "samples.jsonl").read_text()
    first_report = json.loads((folder / "report.json").read_text())
    assert style(llm_server, novel, "--formats", "llama-factory") == 0
    report = json.loads((folder / "report.json").read_text())
    assert report["passages"]["resumed_from_journal"] == 8 and report["llm"]["paraphrased_this_run"] == 0
    assert report["llm"]["tokens"] == first_report["llm"]["tokens"]
    assert (folder / "samples.jsonl").read_text() == first
    assert not (folder / "human_bot.jsonl").exists()  # the folder was replaced as a whole


def test_other_settings_refuse_the_journal_until_fresh(llm_server, novel, home, capsys):
    assert style(llm_server, novel, "--limit", "2") == 0
    capsys.readouterr()
    assert style(llm_server, novel, "--limit", "2", "--template", "ai-text") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--fresh" in err and "journal" in err and err.count("\n") == 1
    assert style(llm_server, novel, "--limit", "2", "--template", "ai-text", "--fresh") == 0


def test_the_in_process_backend_runs_the_same_pipeline(chat_model, novel, home):
    args = ["prepare", "style", str(novel), "--author", AUTHOR, "--backend", "local", "--model", str(chat_model),
            "--concurrency", "4", "--max-retries", "2", "--min-ratio", "0.1", "--max-ratio", "10", "--limit", "6",
            "--quiet"]
    assert main(args) == 0
    report = json.loads((home / "datasets" / "Ada_Winter-style" / "report.json").read_text())
    assert report["llm"]["backend"] == "local" and report["llm"]["model"] == chat_model.name
    assert report["passages"]["total"] == 6 and report["llm"]["tokens"]["completion"] > 0
    assert report["passages"]["paraphrased"] + sum(report["passages"]["skipped"].values()) == 6
