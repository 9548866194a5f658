"""The README's main command: the demo runs the whole job in a fresh home folder."""

import json


def test_tiny_demo_prepares_trains_and_chats_in_a_fresh_home(tmp_path, monkeypatch):
    from characterkit.demo import DATASET, QUESTIONS, TINY_MODEL, run_demo

    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    said = []
    where = run_demo(tiny=True, epochs=1, pretrain_steps=20, say=said.append)

    assert (tmp_path / "datasets" / DATASET / "report.json").is_file()
    assert (tmp_path / "models" / TINY_MODEL / "config.json").is_file()
    card = json.loads((tmp_path / "loras" / DATASET / "characterkit.json").read_text())
    assert card["character"] == "Mara" and card["persona"] and card["greeting"]
    assert where["lora"] == str(tmp_path / "loras" / DATASET)
    chat_lines = "\n".join(said)
    for question in QUESTIONS:
        assert f"You: {question}" in chat_lines
    replies = [line for line in chat_lines.splitlines() if line.strip().startswith("Mara:")]
    assert len(replies) == len(QUESTIONS)  # each reply is one line: generation stopped at the newline
    finetune_line = next(line for line in said if " steps in " in line)
    assert "{" not in finetune_line and ("(fp32)" in finetune_line or "(bf16-autocast)" in finetune_line)
    chat_block = chat_lines.split("4/4", 1)[1].split("\nNext:", 1)[0].splitlines()[1:]
    assert chat_block and all(line.startswith("    ") for line in chat_block if line)  # replies stay indented
