"""`characterkit export ...`: a trained LoRA in the formats other tools load (GGUF for llama.cpp,
LM Studio and Ollama)."""

from __future__ import annotations

import click


@click.group("export", short_help="Write a trained LoRA in the formats other tools load.")
def export():
    """Write a trained LoRA in the formats other tools load."""


@export.command("gguf")
@click.option("-l", "--lora", required=True, help="The LoRA: a folder under loras/ or a path.")
@click.option("-m", "--model", default=None,
              help="Base model folder (under models/ or a path), when not the one the LoRA records.")
@click.option("-o", "--output-dir", default=None, type=click.Path(), help="Write here instead of loras/NAME/gguf.")
@click.option("--merge", is_flag=True, help="Also write base + LoRA merged into one GGUF model (for LM Studio).")
@click.option("--outtype", default="f16", show_default=True, type=click.Choice(["f16", "q8_0"]),
              help="Weight type of the merged model.")
@click.option("--base-gguf", default=None,
              help="The Modelfile's FROM: a base GGUF file or an Ollama model name (default: the base "
                   "model folder, which Ollama imports).")
@click.option("--character", default=None,
              help="For the Modelfile, when the LoRA has no run card: a name in characters/ or a character file.")
@click.option("--overwrite", is_flag=True, help="Replace GGUF files and a Modelfile that already exist.")
def gguf(lora, model, output_dir, merge, outtype, base_gguf, character, overwrite):
    """A LoRA as a llama.cpp GGUF adapter plus an Ollama Modelfile (and, with --merge, a merged GGUF).

    Base architectures: LLaMA/Mistral, GPT-2 and GPT-NeoX for the adapter; LLaMA/Mistral for --merge.
    """
    from characterkit.gguf.run import GGUFExportSettings, export_gguf

    settings = GGUFExportSettings(lora=lora, model=model, output_dir=output_dir, merge=merge, outtype=outtype,
                                  base_gguf=base_gguf, character=character, overwrite=overwrite)
    export_gguf(settings, echo=lambda text: click.echo(text, err=True))


def register(cli):
    cli.add_command(export)
