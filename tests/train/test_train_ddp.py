"""DDP: two CPU processes (gloo) under torchrun split the data and write one adapter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from train_helpers import transcript_samples, write_samples

WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


@pytest.mark.slow  # two fresh processes importing torch: ~15-35 s on a shared 2-core machine
def test_torchrun_two_processes_see_different_data_and_write_one_adapter(home, tmp_path):
    samples = transcript_samples()
    write_samples(home / "datasets" / "Mara", samples)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER),
               str(tmp_path), "finetune", "-m", "tiny", "-d", "Mara", "-e", "1", "-b", "2", "--save-steps", "0"]
    env = {**os.environ, "CHARACTERKIT_HOME": str(home), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]

    rank0, rank1 = ({tuple(ids) for ids in json.loads((tmp_path / f"rank{r}.json").read_text())} for r in (0, 1))
    assert rank0 - rank1 and rank1 - rank0  # each process trained on samples the other did not
    assert len(rank0 | rank1) == len(samples)  # together they covered the epoch

    assert [p.name for p in (home / "loras").iterdir()] == ["Mara"]
    lora = home / "loras" / "Mara"
    assert (lora / "adapter_model.safetensors").is_file()
    assert json.loads((lora / "characterkit.json").read_text())["result"]["world_size"] == 2
