#!/usr/bin/env python3
"""Drop-in replacement for the legacy `lora_finetune.py`: same flags and defaults, correct training.

    python lora_finetune.py -m pygmalion-6b          # processed_dataset.json -> loras/lora_test/

The old script trained the context as well as the reply, never learned where a reply ends and
padded every sample to the cutoff; this one calls `characterkit finetune` (reply-only loss with the
newline and EOS, dynamic padding, checkpoints inside loras/NAME/). The legacy recipe is kept where
it was a choice: 2 gradient-accumulation steps, 60 warmup steps, lr 3e-4, LoRA alpha 16, dropout
0.05, a checkpoint every 200 steps. The old script always loaded the model in 8 bits; here that is
--load_in_8bit (CUDA only). For every other setting use `characterkit finetune`.
"""

import sys

import click

from characterkit.cli import run_command


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-d", "--dataset_name", default="processed_dataset.json", show_default=True,
              help="The dataset file (or a folder under datasets/).")
@click.option("-m", "--model_name", default="pygmalion-6b", show_default=True, help="The model folder under models/.")
@click.option("-l", "--lora_name", default="lora_test", show_default=True, help="The folder under loras/ to write.")
@click.option("-b", "--batch_size", default=4, show_default=True, help="Samples per step (before accumulation).")
@click.option("-e", "--epochs", default=10, show_default=True)
@click.option("-c", "--cutoff_len", default=256, show_default=True, help="Longest sample in tokens.")
@click.option("-r", "--lora_rank", default=16, show_default=True)
@click.option("--load_in_8bit", is_flag=True, help="Load the model in 8 bits as the old script did (CUDA only).")
@click.option("--overwrite", is_flag=True, help="Replace an existing LoRA of the same name.")
@click.option("--resume", is_flag=True, help="Continue from the newest checkpoint in loras/NAME/.")
def main(dataset_name, model_name, lora_name, batch_size, epochs, cutoff_len, lora_rank, load_in_8bit, overwrite,
         resume):
    """Train a LoRA on processed_dataset.json with the legacy script's flags."""
    from characterkit.train.finetune import finetune, legacy_settings, summary

    click.echo(summary(finetune(legacy_settings(
        dataset_name=dataset_name, model_name=model_name, lora_name=lora_name, batch_size=batch_size, epochs=epochs,
        cutoff_len=cutoff_len, lora_rank=lora_rank, load_in_8bit=load_in_8bit, overwrite=overwrite, resume=resume))))


if __name__ == "__main__":
    sys.exit(run_command(main))
