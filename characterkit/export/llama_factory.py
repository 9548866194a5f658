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
from characterkit.export.render import Rendered, escaped, input_text, row_template

ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "system": "system"}
SHAREGPT_COLUMNS = {"messages": "conversations", "system": "system"}

# Dialogue: the context lines (the user text) are the instruction, the input is empty.
ALPACA_ROW = row_template({"instruction": "{user}", "input": "", "output": "{reply}", "system": "{system}"})
ALPACA_INSTRUCTION_ROW = row_template({"instruction": "{instruction}", "input": "{input}", "output": "{reply}",
                                       "system": "{system}"})
SHAREGPT_ROW = row_template({"conversations": [{"from": "human", "value": "{user}"}, {"from": "gpt", "value": "{reply}"}],
                             "system": "{system}"})


def alpaca_row(view: Rendered) -> str:
    sample = view.sample
    if not sample.instruction:
        return ALPACA_ROW.format_map(view.fields)
    return ALPACA_INSTRUCTION_ROW.format(instruction=escaped(sample.instruction.strip()),
                                         input=escaped(input_text(sample)), **view.fields)


def sharegpt_row(view: Rendered) -> str:
    return SHAREGPT_ROW.format_map(view.fields)


class LlamaFactoryWriter:
    name = "llama-factory"

    def __init__(self, folder: Path, dataset_name: str):
        self.folder = Path(folder)
        self.dataset_name = dataset_name
        self.alpaca = SplitFiles(self.folder / "alpaca.json")
        self.sharegpt = SplitFiles(self.folder / "sharegpt.json")

    def write(self, view: Rendered) -> None:
        self.alpaca.write(view.sample.split, alpaca_row(view))
        self.sharegpt.write(view.sample.split, sharegpt_row(view))

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
