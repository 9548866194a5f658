"""Bad input to `export gguf`: one clear line on stderr, exit status 2, nothing (half-)written."""

import pytest
from gguf_helpers import make_lora

from characterkit.cli import main


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_missing_lora(home, one_error_line):
    (home / "loras" / "other").mkdir(parents=True)
    assert main(["export", "gguf", "--lora", "nope"]) == 2
    err = one_error_line()
    assert "nope" in err and "other" in err  # names what is there


def test_architecture_llama_cpp_cannot_take(home, tiny_gptj, one_error_line, capsys):
    make_lora(home, tiny_gptj, targets=("q_proj", "v_proj"))
    capsys.readouterr()  # peft's loading bars
    assert main(["export", "gguf", "--lora", "mara"]) == 2
    err = one_error_line()
    assert "GPTJForCausalLM" in err and "LlamaForCausalLM" in err and "GPT2LMHeadModel" in err
    assert not (home / "loras" / "mara" / "gguf").exists()


@pytest.mark.parametrize("options,words", [({"use_dora": True}, "DoRA"),
                                           ({"modules_to_save": ["lm_head"]}, "lm_head")])
def test_adapters_llama_cpp_cannot_hold(home, tiny_llama, one_error_line, capsys, options, words):
    make_lora(home, tiny_llama, targets=("q_proj",), **options)
    capsys.readouterr()
    assert main(["export", "gguf", "--lora", "mara"]) == 2
    assert words in one_error_line()
    assert not (home / "loras" / "mara" / "gguf").exists()


def test_existing_gguf_needs_overwrite(home, tiny_llama, one_error_line, capsys):
    make_lora(home, tiny_llama, targets=("q_proj",))
    assert main(["export", "gguf", "--lora", "mara"]) == 0
    out = home / "loras" / "mara" / "gguf"
    before = {name: (out / name).read_bytes() for name in _files(out)}
    (out / "Modelfile").write_text("# edited by hand\n")
    capsys.readouterr()
    assert main(["export", "gguf", "--lora", "mara"]) == 2
    assert "--overwrite" in one_error_line()
    assert (out / "Modelfile").read_text() == "# edited by hand\n"  # nothing replaced
    assert main(["export", "gguf", "--lora", "mara", "--overwrite"]) == 0
    assert {name: (out / name).read_bytes() for name in _files(out)} == before


def test_failed_write_leaves_no_file(home, tiny_llama, monkeypatch, capsys):
    import gguf

    make_lora(home, tiny_llama, targets=("q_proj",))

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gguf.GGUFWriter, "write_tensors_to_file", disk_full)
    assert main(["export", "gguf", "--lora", "mara"]) == 2  # one line, no traceback (run_command)
    assert "No space left on device" in capsys.readouterr().err
    assert _files(home / "loras" / "mara" / "gguf") == []  # no GGUF, no temporary file, no Modelfile


def test_bad_outtype(home, tiny_llama, capsys):
    make_lora(home, tiny_llama, targets=("q_proj",))
    assert main(["export", "gguf", "--lora", "mara", "--merge", "--outtype", "q4_0"]) == 2
    assert "q4_0" in capsys.readouterr().err


def test_merge_needs_a_llama_base(home, tmp_path, one_error_line, capsys):
    from characterkit.train.tiny import make_tiny_model

    base = make_tiny_model(tmp_path / "gpt2", arch="gpt2", hidden=64, heads=4, layers=1)
    make_lora(home, base, prompt_format="pygmalion", targets=("c_attn",))
    capsys.readouterr()
    assert main(["export", "gguf", "--lora", "mara", "--merge"]) == 2
    err = one_error_line()
    assert "GPT2LMHeadModel" in err and "merge" in err and "LlamaForCausalLM" in err
    assert not (home / "loras" / "mara" / "gguf").exists()
    assert main(["export", "gguf", "--lora", "mara"]) == 0  # the adapter alone is fine
