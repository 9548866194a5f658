"""`characterkit demo`: the whole job on the bundled sample (see characterkit/demo.py)."""

from __future__ import annotations

import click


@click.command(short_help="The whole job on the bundled sample, then a chat.")
@click.option("--tiny", is_flag=True,
              help="Use a tiny model built here in seconds instead of SmolLM2-135M-Instruct (fast, but its "
                   "replies are nonsense words).")
@click.option("--epochs", default=None, type=float,
              help="Training epochs over the sample's lines (default: 3 with SmolLM2, 8 with --tiny).")
def demo(tiny, epochs):
    """Run the whole job on the bundled sample: prepare, a base model, finetune, chat (a few minutes on a CPU)."""
    from characterkit.demo import run_demo

    run_demo(tiny=tiny, epochs=epochs, say=click.echo)


def register(cli: click.Group) -> None:
    cli.add_command(demo)
