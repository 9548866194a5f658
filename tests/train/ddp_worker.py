"""`characterkit finetune` as one process of a torchrun job, recording the samples this rank trained on.

    python -m torch.distributed.run --standalone --nproc_per_node 2 ddp_worker.py OUT_DIR finetune ...

Writes OUT_DIR/rank{RANK}.json: the input ids of every sample this process put into a batch.
"""

import json
import os
import sys
from pathlib import Path

from characterkit.cli import main
from characterkit.train.collate import PadCollator

seen = []
collate = PadCollator.__call__


def recording_collate(self, features):
    seen.extend(list(f["input_ids"]) for f in features)
    return collate(self, features)


PadCollator.__call__ = recording_collate
status = main(sys.argv[2:])
Path(sys.argv[1], f"rank{os.environ['RANK']}.json").write_text(json.dumps(seen))
sys.exit(status)
