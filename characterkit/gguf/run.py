"""`characterkit export gguf`: a trained LoRA as files llama.cpp, LM Studio and Ollama load.

    loras/NAME/gguf/
      NAME-lora-f32.gguf      the adapter (llama.cpp --lora, LM Studio, Ollama ADAPTER)
      NAME-f16.gguf           with --merge: base + LoRA as one model (LM Studio), f16 or q8_0
      Modelfile               `ollama create NAME -f Modelfile`: base, ADAPTER, our template, stops

Everything a user can get wrong (the LoRA name, an architecture llama.cpp cannot take, an output that
exists) is checked before the first file is written; each file is written whole or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError

OUTTYPES = ("f16", "q8_0")


@dataclass
class GGUFExportSettings:
    """What `export gguf` was asked for. lora: a name under loras/ or a path; model: the base model
    when the run card's is elsewhere; base_gguf: what the Modelfile's FROM names (a GGUF file or an
    Ollama model name; default: the base model folder, which Ollama imports itself); character: for
    the Modelfile, when the LoRA has no run card (a characters/ name or a character file)."""

    lora: str
    model: str | None = None
    output_dir: str | None = None
    merge: bool = False
    outtype: str = "f16"
    base_gguf: str | None = None
    character: str | None = None
    overwrite: bool = False

    def __post_init__(self):
        if self.outtype not in OUTTYPES:
            raise UserError(f"--outtype must be one of {', '.join(OUTTYPES)} (got {self.outtype!r})")


@dataclass
class Plan:
    """The resolved inputs and the files to write, all checked."""

    setup: object  # characterkit.chat.load.ChatSetup
    arch: object  # characterkit.gguf.arch.Arch
    base_config: dict
    adapter: Path
    merged: Path | None
    modelfile: Path


def plan_export(settings: GGUFExportSettings) -> Plan:
    from characterkit.chat.load import resolve_setup
    from characterkit.gguf import lora
    from characterkit.gguf.arch import find_arch
    from characterkit.gguf.files import check_can_write
    from characterkit.paths import slug

    setup = resolve_setup(lora=settings.lora, model=settings.model, character=settings.character)
    config_path = setup.base_model / "config.json"
    try:
        base_config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"cannot read the base model's config: {str(e).splitlines()[0]}", path=config_path) from None
    arch = find_arch(base_config, config_path)
    if settings.merge:
        find_arch(base_config, config_path, merge=True)
    lora.check_convertible(lora.read_adapter_config(setup.lora), setup.lora / "adapter_config.json")
    out = Path(settings.output_dir) if settings.output_dir else setup.lora / "gguf"
    name = slug(setup.lora.name)
    plan = Plan(setup=setup, arch=arch, base_config=base_config, adapter=out / f"{name}-lora-f32.gguf",
                merged=out / f"{name}-{settings.outtype}.gguf" if settings.merge else None,
                modelfile=out / "Modelfile")
    for path in (plan.adapter, plan.merged, plan.modelfile):
        if path is not None:
            check_can_write(path, settings.overwrite)
    return plan


def export_gguf(settings: GGUFExportSettings, echo=print) -> Plan:
    """Check everything, then write the adapter, the merged model (--merge) and the Modelfile."""
    from characterkit import atomic
    from characterkit.gguf.lora import export_lora

    plan = plan_export(settings)
    modelfile = build_modelfile(plan, settings)  # renders the template: fails before any write
    if plan.merged is not None:
        from characterkit.gguf.merge import export_merged

        echo(f"merging the LoRA into {plan.setup.base_model.name} ...")
        export_merged(plan.setup, plan.arch, plan.base_config, plan.merged, settings.outtype, echo=echo)
        echo(f"wrote {plan.merged}")
    count = export_lora(plan.setup.lora, plan.base_config, plan.arch, plan.adapter)
    echo(f"wrote {plan.adapter} ({count} adapted weights, architecture {plan.arch.gguf_name})")
    atomic.write_text(plan.modelfile, modelfile)
    echo(f"wrote {plan.modelfile}; load it with: ollama create {plan.setup.lora.name} -f {plan.modelfile}")
    return plan


def build_modelfile(plan: Plan, settings: GGUFExportSettings) -> str:
    from characterkit.gguf import modelfile as mf

    setup = plan.setup
    char = setup.character
    if setup.prompt_format == "pygmalion":
        wraps = mf.pygmalion_wraps(char.name, char.user_name)
    else:
        from transformers import AutoTokenizer

        wraps = mf.chat_template_wraps(AutoTokenizer.from_pretrained(setup.tokenizer_dir), char.user_name)
    if plan.merged is not None:
        base, adapter = f"./{plan.merged.name}", None
    else:
        base, adapter = _ollama_base(settings.base_gguf, setup.base_model), f"./{plan.adapter.name}"
    comment = (f"{char.name}: LoRA {setup.lora.name} on {setup.base_model.name}, prompt format "
               f"{setup.prompt_format}. Made by characterkit export gguf.\nollama create NAME -f Modelfile")
    return mf.modelfile_text(base=base, adapter=adapter, template=mf.go_template(wraps),
                             stops=setup.stop_strings or [], system=char.persona, comment=comment)


def _ollama_base(base_gguf: str | None, base_model: Path) -> str:
    """FROM: the GGUF given (absolute, since Ollama resolves paths from the Modelfile's folder), an
    Ollama model name, or the base model's folder (Ollama converts safetensors LLaMA/Mistral itself)."""
    if base_gguf is None:
        return str(base_model.resolve())
    path = Path(base_gguf)
    if path.suffix == ".gguf" or path.exists():
        if not path.is_file():
            raise UserError("--base-gguf: no such file", path=path)
        return str(path.resolve())
    return base_gguf
