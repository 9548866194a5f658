"""Ready-to-run trainer configs written beside the data files they train on.

    llamafactory-train.yaml   `llamafactory-cli train llamafactory-train.yaml` (needs the llama-factory export)
    axolotl.yaml              `axolotl train axolotl.yaml` (openai.jsonl, else sharegpt.json)

Both are run from the dataset folder (paths in them are relative to it). They use characterkit's
finetune defaults (rank 16, alpha 32, dropout 0.05, lr 3e-4, batch 4, 3 epochs) and a small instruct
model; change `model_name_or_path` / `base_model` to yours. Option names are the tools' own (checked
in tests/export/test_export_configs.py against their schemas).

Which file: axolotl's `chat_template` type reads a messages list: openai.jsonl as it is (the persona
is each row's system message), sharegpt.json with its `from`/`value` keys mapped (the persona is its
`system` column, which axolotl reads too). Checked with axolotl 0.19.0's config schema and its
chat_template strategy, and LLaMA-Factory 0.9.5's argument parser and get_dataset: both train the
reply only.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.export.jsonfiles import val_sibling

MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"  # an instruct model with a chat template (ChatML)
LORA = {"rank": 16, "alpha": 32, "dropout": 0.05}
TRAIN = {"batch": 4, "epochs": 3, "lr": 3e-4, "cutoff": 512}


def write_configs(folder: Path, dataset_name: str, exports: dict[str, list[Path]]) -> list[Path]:
    """Write the configs whose data files were exported; return their paths."""
    names = {p.name for files in exports.values() for p in files}
    written = []
    if "sharegpt.json" in names:
        written.append(_write(folder / "llamafactory-train.yaml", llamafactory_config(dataset_name, names),
                              "LLaMA-Factory: cd into this folder, then `llamafactory-cli train llamafactory-train.yaml`"))
    data = "openai.jsonl" if "openai.jsonl" in names else "sharegpt.json" if "sharegpt.json" in names else None
    if data:
        written.append(_write(folder / "axolotl.yaml", axolotl_config(dataset_name, data, names),
                              "axolotl: cd into this folder, then `axolotl train axolotl.yaml`"))
    return written


def llamafactory_config(dataset_name: str, names: set[str]) -> dict:
    """LoRA SFT on the sharegpt entry of dataset_info.json (persona in its system column)."""
    config = {
        "model_name_or_path": MODEL,
        "stage": "sft", "do_train": True, "finetuning_type": "lora",
        "lora_rank": LORA["rank"], "lora_alpha": LORA["alpha"], "lora_dropout": LORA["dropout"], "lora_target": "all",
        "dataset_dir": ".", "dataset": f"{dataset_name}_sharegpt", "cutoff_len": TRAIN["cutoff"],
        "output_dir": f"saves/{dataset_name}-lora", "logging_steps": 10, "save_steps": 500, "plot_loss": True,
        "overwrite_output_dir": True, "report_to": "none",
        "per_device_train_batch_size": TRAIN["batch"], "gradient_accumulation_steps": 1,
        "learning_rate": TRAIN["lr"], "num_train_epochs": float(TRAIN["epochs"]), "lr_scheduler_type": "linear",
    }
    if val_sibling(Path("sharegpt.json")).name in names:
        config.update({"eval_dataset": f"{dataset_name}_sharegpt_val", "per_device_eval_batch_size": TRAIN["batch"],
                       "eval_strategy": "steps", "eval_steps": 100})
    return config


def axolotl_config(dataset_name: str, data: str, names: set[str]) -> dict:
    """LoRA on the messages file with axolotl's chat_template type (trains assistant turns only)."""
    def entry(path: str) -> dict:
        item = {"path": path, "ds_type": "json", "type": "chat_template", "split": "train"}
        if path.startswith("sharegpt"):
            item.update({"field_messages": "conversations",
                         "message_property_mappings": {"role": "from", "content": "value"}})
        else:
            item["field_messages"] = "messages"
        item["roles_to_train"] = ["assistant"]
        item["train_on_eos"] = "turn"  # the end-of-turn token after each reply: the model learns to stop
        return item

    config = {
        "base_model": MODEL,
        "chat_template": "tokenizer_default",
        "datasets": [entry(data)],
        "dataset_prepared_path": "last_run_prepared",
        "val_set_size": 0.0,
        "output_dir": f"./outputs/{dataset_name}-lora",
        "adapter": "lora", "lora_r": LORA["rank"], "lora_alpha": LORA["alpha"], "lora_dropout": LORA["dropout"],
        "lora_target_linear": True,
        "sequence_len": TRAIN["cutoff"], "train_on_inputs": False,
        "micro_batch_size": TRAIN["batch"], "gradient_accumulation_steps": 1, "num_epochs": TRAIN["epochs"],
        "optimizer": "adamw_torch", "lr_scheduler": "linear", "learning_rate": TRAIN["lr"],
        "logging_steps": 10, "save_steps": 500,
    }
    val = val_sibling(Path(data)).name
    if val in names:
        config["test_datasets"] = [entry(val)]
        config["eval_steps"] = 100
    return config


def _write(path: Path, config: dict, how: str) -> Path:
    import yaml

    header = f"# Written by characterkit. {how}.\n# Change the model to yours (a hub id or a local folder).\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
