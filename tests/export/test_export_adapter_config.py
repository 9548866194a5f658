"""adapter_config.json as finetune saves it loads with peft 0.8 (the keys its LoraConfig takes) and still
means the same adapter to the installed peft."""

import json
import os
import subprocess
import sys

import pytest

from characterkit.export.adapter_config import PEFT_0_8_FIELDS, lora_defaults, make_portable, portable


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real peft adapter config: a LoRA on the tiny llama, saved by the installed peft."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from characterkit.train.tiny import make_tiny_model

    root = tmp_path_factory.mktemp("lora")
    model = AutoModelForCausalLM.from_pretrained(make_tiny_model(root / "tiny"))
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                  task_type="CAUSAL_LM"))
    peft_model.save_pretrained(root / "adapter")
    return root / "adapter" / "adapter_config.json"


def test_new_peft_writes_keys_old_peft_rejects(saved):
    assert set(json.loads(saved.read_text())) - PEFT_0_8_FIELDS  # what the fix is for (e.g. alora_invocation_tokens)


def test_portable_config_has_only_keys_peft_0_8_knows(saved, tmp_path):
    path = tmp_path / "adapter_config.json"
    path.write_text(saved.read_text())
    make_portable(path)
    config = json.loads(path.read_text())
    assert set(config) <= PEFT_0_8_FIELDS
    assert (config["r"], config["lora_alpha"], sorted(config["target_modules"])) == (4, 8, ["q_proj", "v_proj"])


def test_installed_peft_reads_the_same_adapter_back(saved, tmp_path):
    from peft import LoraConfig

    path = tmp_path / "adapter_config.json"
    path.write_text(saved.read_text())
    make_portable(path)
    full, trimmed = LoraConfig.from_pretrained(saved.parent), LoraConfig.from_pretrained(tmp_path)
    assert trimmed.to_dict() == full.to_dict()


def test_a_newer_setting_that_changes_the_adapter_is_kept():
    defaults = lora_defaults()
    config = {"r": 8, "use_dora": True, "lora_bias": False, "alora_invocation_tokens": None, "peft_version": "0.21"}
    assert portable(config, defaults) == {"r": 8, "use_dora": True}  # DoRA must not load as a plain LoRA


@pytest.mark.skipif(not os.environ.get("CHARACTERKIT_OLD_PEFT"),
                    reason="set CHARACTERKIT_OLD_PEFT to an unpacked peft 0.8.2 wheel to load with the real one")
def test_real_old_peft_loads_it(saved, tmp_path):
    """`pip download --no-deps peft==0.8.2` and unzip it; its LoraConfig.from_pretrained reads the file."""
    path = tmp_path / "adapter_config.json"
    path.write_text(saved.read_text())
    make_portable(path)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import peft; from peft import LoraConfig; "
            "c = LoraConfig.from_pretrained(sys.argv[2]); print(peft.__version__, c.r)")
    out = subprocess.run([sys.executable, "-c", code, os.environ["CHARACTERKIT_OLD_PEFT"], str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0.8.2", "4"]
