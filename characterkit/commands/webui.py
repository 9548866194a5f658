"""`characterkit into-webui`: install a dataset and/or a trained LoRA into text-generation-webui."""

from __future__ import annotations

import click


@click.command("into-webui", short_help="Install a dataset into text-generation-webui.")
@click.argument("args", nargs=-1, required=True, metavar="[DATASET] WEBUI_PATH")
@click.option("--lora", default=None, help="Also install this LoRA (a folder in loras/ or a path) and its character.")
@click.option("--name", "dataset_name", default=None, help="Name to install the dataset under (default: its folder's name).")
@click.option("--overwrite", is_flag=True, help="Replace files in the webui folder that differ from these.")
def into_webui_cmd(args, lora, dataset_name, overwrite):
    """Install a prepared dataset (training files, instruction template, characters) and/or a LoRA into
    text-generation-webui, in the layout and for the training tab that install has. All files or none.

    \b
    characterkit into-webui Mara ~/text-generation-webui              the dataset datasets/Mara
    characterkit into-webui Mara ~/text-generation-webui --lora Mara  the dataset and loras/Mara
    characterkit into-webui ~/text-generation-webui --lora Mara       the LoRA and its character
    """
    from characterkit import paths
    from characterkit.errors import UserError
    from characterkit.export.webui_install import install

    if len(args) > 2 or (len(args) == 1 and not lora):
        raise UserError("usage: characterkit into-webui [DATASET] WEBUI_PATH [--lora NAME]; give a dataset, "
                        "--lora, or both")
    dataset = paths.resolve_in(paths.datasets_dir(), args[0], "dataset") if len(args) == 2 else None
    lora_dir = paths.resolve_in(paths.loras_dir(), lora, "LoRA") if lora else None
    result = install(args[-1], dataset=dataset, name=dataset_name, lora=lora_dir, overwrite=overwrite)
    for path in result.installed:
        click.echo(f"installed {path}")
    for note in result.notes:
        click.echo(f"note: {note}")


def register(cli: click.Group) -> None:
    cli.add_command(into_webui_cmd)
