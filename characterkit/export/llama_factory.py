"""LLaMA-Factory: alpaca.json, sharegpt.json and the dataset_info.json that registers them.

Layouts follow LLaMA-Factory's data/README.md. Alpaca: the user prompt is `instruction + "\\n" +
input`, so dialogue samples put the context lines in `instruction` and leave `input` empty, while
instruction samples keep the task and the input text apart. ShareGPT: a human turn then a gpt turn,
with the persona in the `system` column. Copy the entries of dataset_info.json into your
LLaMA-Factory `data/dataset_info.json` (or point `dataset_dir` at this folder) and train with
`dataset: NAME_alpaca` or `NAME_sharegpt`.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.export.jsonfiles import SplitFiles, val_sibling
from characterkit.export.render import context_lines, input_text, reply_text, system_text, user_text
from characterkit.records import Sample

ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "system": "system"}
SHAREGPT_COLUMNS = {"messages": "conversations", "system": "system"}


def alpaca_row(sample: Sample) -> dict:
    if sample.instruction:
        instruction, query = sample.instruction.strip(), input_text(sample)
    else:
        instruction, query = context_lines(sample), ""
    return {"instruction": instruction, "input": query, "output": reply_text(sample), "system": system_text(sample)}


def sharegpt_row(sample: Sample) -> dict:
    conversations = [{"from": "human", "value": user_text(sample)}, {"from": "gpt", "value": reply_text(sample)}]
    return {"conversations": conversations, "system": system_text(sample)}


class LlamaFactoryWriter:
    name = "llama-factory"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder)
        self.dataset_name = dataset_name
        self.alpaca = SplitFiles(self.folder / "alpaca.json")
        self.sharegpt = SplitFiles(self.folder / "sharegpt.json")

    def write(self, sample: Sample) -> None:
        self.alpaca.write(sample.split, alpaca_row(sample))
        self.sharegpt.write(sample.split, sharegpt_row(sample))

    def close(self) -> list[Path]:
        has_val = self.alpaca.has_val
        files = self.alpaca.close() + self.sharegpt.close()
        info = dataset_info(self.dataset_name, has_val)
        path = self.folder / "dataset_info.json"
        path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return files + [path]


def dataset_info(dataset_name: str, has_val: bool) -> dict:
    """Entries `NAME_alpaca` and `NAME_sharegpt` (+ `_val` twins for `eval_dataset` when there are
    validation rows). Names carry the dataset name so they can be merged into another registry."""
    entries = {}
    for suffix in ("", "_val") if has_val else ("",):
        alpaca, sharegpt = Path("alpaca.json"), Path("sharegpt.json")
        if suffix:
            alpaca, sharegpt = val_sibling(alpaca), val_sibling(sharegpt)
        entries[f"{dataset_name}_alpaca{suffix}"] = {"file_name": str(alpaca), "columns": dict(ALPACA_COLUMNS)}
        entries[f"{dataset_name}_sharegpt{suffix}"] = {
            "file_name": str(sharegpt), "formatting": "sharegpt", "columns": dict(SHAREGPT_COLUMNS)}
    return entries
