"""The `{"input", "output"}` formats: the legacy script's file and webui's old "Formatted Dataset" tab.

`processed_dataset.json` is what prepare_dataset.py wrote and lora_finetune.py reads: one line,
`[{"input": ..., "output": ...}, ...]`. `webui-legacy.json` holds the same rows for
text-generation-webui's pre-2026 training tab, which needs a format file beside it: webui uses a
template whose key, split on commas, equals the set of a row's non-empty string keys, and replaces
each `%key%` with the row's value.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.export.jsonfiles import RowWriter
from characterkit.export.render import Rendered

# `input` ends with the cue "Mara:" and `output` is the bare reply, so the space goes in the
# template; the trailing newline is the end marker the chat stops on (as in prompts.PygmalionFormat).
LEGACY_TEMPLATE = {"input,output": "%input% %output%\n"}


class ProcessedDatasetWriter(RowWriter):
    """processed_dataset.json: the legacy one-line JSON array of {input, output} rows."""

    name = "processed_dataset"
    file_name = "processed_dataset.json"
    separator = ", "  # json.dump's own separator: the whole array stays on one line

    def row(self, view: Rendered) -> str:
        return view.legacy_row


class WebuiLegacyWriter(RowWriter):
    """webui-legacy.json ({input, output} rows) and formats/NAME-format.json (the template)."""

    name = "webui-legacy"
    file_name = "webui-legacy.json"

    def row(self, view: Rendered) -> str:
        return view.legacy_row

    def close(self) -> list[Path]:
        files = super().close()
        fmt = self.folder / "formats" / f"{self.dataset_name}-format.json"
        fmt.parent.mkdir(parents=True, exist_ok=True)
        fmt.write_text(json.dumps(LEGACY_TEMPLATE, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return files + [fmt]

