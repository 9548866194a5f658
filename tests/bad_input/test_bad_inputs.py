"""Bad sources, models, templates, names and paths: one line, exit 2, nothing written.

Every row runs the real CLI in this process on a copy of a prepared home (see conftest.py) and
checks the whole home is unchanged afterwards."""

from __future__ import annotations

import pytest
from bad_input_support import Case

T, N = "transcript.txt", "novel.txt"
LOCAL = ["--backend", "local", "--model"]


def _add(path, text="x"):
    def setup(home):
        target = home / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    return setup


SOURCES = [
    Case(f"{cmd} {name}", [*args_of(name)], err=err)
    for cmd, args_of in (
        ("dialogue", lambda s: ["prepare", "dialogue", s, "--name", "Mara"]),
        ("speakers", lambda s: ["speakers", s]),
        ("style", lambda s: ["prepare", "style", s, "--author", "X"]),
        ("quotes", lambda s: ["quotes", s]),
    )
    for name, err in (("missing.txt", "missing.txt"), ("/dev/zero", "not a regular file"),
                      ("empty.txt", "empty"), ("blank.txt", ""), ("binary.bin", "binary.bin"))
] + [
    Case("dialogue somedir", ["prepare", "dialogue", "somedir", "--name", "Mara"], err="directory"),
    Case("dialogue unknown name", ["prepare", "dialogue", T, "--name", "Nobody"], err="Nobody"),
    Case("dialogue no name", ["prepare", "dialogue", T], err="--name"),
    Case("dialogue bad format", ["prepare", "dialogue", T, "--name", "Mara", "--format", "xml"], err="xml"),
    Case("dialogue bad export", ["prepare", "dialogue", T, "--name", "Mara", "--formats", "nope"], err="nope"),
    Case("dialogue bad alias", ["prepare", "dialogue", T, "--name", "Mara", "--alias", "x"], err="--alias"),
    Case("dialogue dataset ../x", ["prepare", "dialogue", T, "--name", "Mara", "--dataset", "../x"],
         err="invalid dataset name"),
    Case("dialogue missing cast", ["prepare", "dialogue", T, "--name", "Mara", "--cast", "nocast.yaml"], err="cast"),
    Case("dialogue min-words drops all", ["prepare", "dialogue", T, "--name", "Mara", "--min-words", "1000"],
         err="no samples"),
    Case("style no author", ["prepare", "style", N, "--author", " "], err="--author"),
    Case("style bad template", ["prepare", "style", N, "--author", "X", "--template", "nope"], err="nope"),
    Case("style missing tones", ["prepare", "style", N, "--author", "X", "--tones", "none.yaml"], err="none.yaml"),
    Case("pair missing prompts", ["pair", "nothere", "completions"], err="nothere"),
    Case("pair unmatched", ["pair", "completions", "somedir"], err=""),
    Case("pair strict orphans", ["pair", "prompts", "completions", "--strict"], err="",
         setup=_add("completions/orphan.txt", "an orphan")),
    Case("into-webui unknown dataset", ["into-webui", "Nobody", "webui"], err="Nobody"),
    Case("into-webui not webui", ["into-webui", "Mara", "somedir"], err="not a text-generation-webui"),
    Case("into-webui missing webui", ["into-webui", "Mara", "nowebui"], err="nowebui"),
    Case("into-webui differs", ["into-webui", "Mara", "webui"], err="different content",
         setup=_add("webui/training/datasets/Mara.json", "[]")),
    Case("eval unknown lora", ["eval", "-l", "nolora"], err="nolora"),
    Case("chat unknown lora", ["chat", "-l", "nolora"], err="nolora"),
    Case("chat nothing", ["chat"], err=""),
    Case("eval-attribution missing", ["eval-attribution", "nopdnc"], err="nopdnc"),
    Case("make-tiny-model pretrain empty", ["make-tiny-model", "out", "--pretrain", "empty.txt"], err="empty"),
    Case("make-tiny-model bad arch", ["make-tiny-model", "out", "--arch", "bert"], err="bert"),
    Case("prepare_dataset.py missing", ["-n", "Mara", "-t", "nothere.txt"], err="nothere.txt", script="prepare_dataset"),
    Case("prepare_dataset.py -j folder", ["-n", "Mara", "-t", T, "-j", "somedir"], err="somedir",
         script="prepare_dataset"),
    Case("prepare_dataset.py unknown name", ["-n", "Nobody", "-t", T], err="Nobody", script="prepare_dataset"),
    Case("lora_finetune.py missing model", ["-m", "nomodel", "-d", "Mara"], err="nomodel", script="lora_finetune"),
    Case("lora_finetune.py missing data", ["-m", "tiny", "-d", "nodata.json"], err="nodata", script="lora_finetune"),
    Case("unknown command", ["frobnicate"], err="frobnicate"),
    Case("unknown flag", ["finetune", "--frobnicate"], err="--frobnicate"),
    Case("missing required", ["finetune"], err="--model"),
]

MODELS = [
    case
    for model, err in (("onlycfg", "no model weights"), ("trunc", "cut short"), ("bert", "not a causal language model"),
                       ("nomodel", "nomodel"), ("somedir", ""))
    for case in (
        Case(f"finetune -m {model}", ["finetune", "-m", model, "-d", "Mara"], err=err),
        Case(f"style --backend local {model}", ["prepare", "style", N, "--author", "X", *LOCAL, model], err=err),
        Case(f"synth --backend local {model}", ["prepare", "synth", "synth/good.yaml", *LOCAL, model], err=err),
        Case(f"quotes --use-llm local {model}", ["quotes", N, "--use-llm", *LOCAL, model], err=err),
        Case(f"lora_finetune.py -m {model}", ["-m", model, "-d", "Mara"], err=err, script="lora_finetune"),
    )
] + [
    Case("finetune lora exists", ["finetune", "-m", "tiny", "-d", "Mara"], err="already exists",
         setup=_add("loras/Mara/adapter_config.json", "{}")),
    Case("finetune foreign lora folder --overwrite", ["finetune", "-m", "tiny", "-d", "Mara", "--overwrite"],
         err="not written by characterkit", setup=_add("loras/Mara/adapter_config.json", "{}")),
    Case("finetune foreign files in lora folder", ["finetune", "-m", "tiny", "-d", "Mara"],
         err="not written by characterkit", setup=_add("loras/Mara/notes.txt")),
    Case("finetune --resume nothing", ["finetune", "-m", "tiny", "-d", "Mara", "--resume"], err="no checkpoint"),
    Case("finetune data unknown", ["finetune", "-m", "tiny", "-d", "Nobody"], err="Nobody"),
    Case("finetune data empty file", ["finetune", "-m", "tiny", "-d", "empty.txt"], err="empty.txt"),
    Case("finetune cutoff too small", ["finetune", "-m", "tiny", "-d", "Mara", "--cutoff", "2", "--overlap", "0"],
         err="--cutoff"),
    Case("finetune 8bit on cpu", ["finetune", "-m", "tiny", "-d", "Mara", "--load-in-8bit"], err="CUDA"),
    Case("chat bert", ["chat", "-m", "bert", "--character", "datasets/Mara/characters/Mara.yaml", "--terminal"],
         err=""),
]

TEMPLATES = [
    Case("synth slot ../../etc/passwd", ["prepare", "synth", "synth/escape.yaml"], err="outside the template's folder"),
    Case("synth slot /etc/passwd", ["prepare", "synth", "synth/absolute.yaml"], err="outside the template's folder"),
    Case("synth slot ../sibling", ["prepare", "synth", "synth/sibling.yaml"], err="outside the template's folder"),
    Case("synth slot symlink out", ["prepare", "synth", "synth/symlink.yaml"], err="outside the template's folder"),
    Case("synth generation temperature hot", ["prepare", "synth", "synth/hot.yaml"], err="temperature must be a number"),
    Case("synth generation temperature nan", ["prepare", "synth", "synth/nan.yaml"], err="temperature must be a number"),
    Case("synth generation temperature 9", ["prepare", "synth", "synth/toohot.yaml"], err="temperature"),
    Case("synth generation max_tokens many", ["prepare", "synth", "synth/tokens.yaml"], err="max_tokens"),
    Case("synth generation max_tokens 0", ["prepare", "synth", "synth/zerotokens.yaml"], err="max_tokens"),
    Case("synth generation stop 5", ["prepare", "synth", "synth/stop.yaml"], err="stop"),
    Case("synth generation top_p 0", ["prepare", "synth", "synth/topp.yaml"], err="top_p"),
    Case("synth generation list", ["prepare", "synth", "synth/genlist.yaml"], err="generation"),
    Case("synth missing template", ["prepare", "synth", "nothere.yaml"], err="nothere.yaml"),
    Case("synth template is a transcript", ["prepare", "synth", T], err=T),
    Case("synth template binary", ["prepare", "synth", "binary.bin"], err="binary.bin"),
    Case("synth require unknown slot", ["prepare", "synth", "synth/good.yaml", "--require-slot", "nope"], err="nope"),
    Case("synth journal is a folder", ["prepare", "synth", "synth/good.yaml", "--journal", "somedir", "--timeout",
                                       "1", "--retries", "1", "--base-url", "http://127.0.0.1:9/v1"], err="somedir"),
    Case("style journal is a folder", ["prepare", "style", N, "--author", "X", "--journal", "somedir", "--timeout",
                                       "1", "--retries", "1", "--base-url", "http://127.0.0.1:9/v1"], err="somedir"),
]


@pytest.mark.parametrize("case", SOURCES + MODELS + TEMPLATES, ids=str)
def test_bad_input_is_one_line_and_changes_nothing(check_case, case):
    check_case(case)
