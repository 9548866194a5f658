"""Finding the LoRA, its base model and the character: names, paths, run cards, character files."""

import json
import shutil

import pytest

from characterkit.chat.load import find_character, load_character_file, resolve_setup
from characterkit.errors import UserError


def _own_lora(home, sample_lora, **card_changes):
    """A copy of the session LoRA in home/loras/copy with some run card keys changed (None removes)."""
    folder = home / "loras" / "copy"
    shutil.copytree(sample_lora, folder)
    card = json.loads((folder / "characterkit.json").read_text())
    card.update(card_changes)
    card = {k: v for k, v in card.items() if v is not None}
    (folder / "characterkit.json").write_text(json.dumps(card))
    return folder


def test_a_lora_name_brings_its_base_model_format_and_character(home, sample_model):
    setup = resolve_setup(lora="mara")
    assert setup.base_model.resolve() == sample_model.resolve()
    assert setup.character.name == "Mara" and setup.character.greeting and setup.character.persona
    assert setup.prompt_format == "pygmalion" and setup.stop_strings == ["\n"]
    assert setup.tokenizer_dir == setup.base_model  # the LoRA folder holds no tokenizer of its own


def test_the_base_model_name_is_looked_up_in_this_homes_models_folder(home, sample_lora):
    _own_lora(home, sample_lora, base_model="tiny-mara", base_model_path="/moved/away/tiny-mara")
    assert resolve_setup(lora="copy").base_model == home / "models" / "tiny-mara"


def test_a_missing_base_model_is_named_with_where_it_was_recorded(home, sample_lora):
    folder = _own_lora(home, sample_lora, base_model="gone-model", base_model_path="/nowhere/gone-model")
    config = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(json.dumps({**config, "base_model_name_or_path": "/nowhere/x"}))
    with pytest.raises(UserError) as e:
        resolve_setup(lora="copy")
    message = str(e.value)
    assert "'gone-model'" in message and "characterkit.json" in message and "tiny-mara" in message
    assert "--model" in message
    assert resolve_setup(lora="copy", model="tiny-mara").base_model == home / "models" / "tiny-mara"


def test_an_unknown_lora_lists_the_available_ones(home):
    with pytest.raises(UserError, match=r"'nobody' not found.*mara"):
        resolve_setup(lora="nobody")
    with pytest.raises(UserError, match="nothing to chat with"):
        resolve_setup()


def test_an_unknown_model_lists_the_available_ones(home):
    with pytest.raises(UserError, match=r"'nope' not found.*available: tiny-mara"):
        resolve_setup(model="nope", character="x")


def test_a_folder_without_an_adapter_is_not_a_lora(home):
    (home / "loras" / "empty").mkdir()
    with pytest.raises(UserError, match="no adapter_config.json"):
        resolve_setup(lora="empty")


def test_a_lora_without_a_character_needs_one(home, sample_lora):
    _own_lora(home, sample_lora, character=None)
    with pytest.raises(UserError, match="--character"):
        resolve_setup(lora="copy")


def test_a_webui_character_file_replaces_the_run_cards(home):
    (home / "characters" / "Keeper.yaml").write_text(
        "name: Keeper\nyour_name: Tobias\ngreeting: |-\n  *waves* Hello, {{user}}.\n"
        "context: |-\n  {{char}}'s Persona: {{char}} counts the steps.\n\n  {{user}}: How many?\n  {{char}}: Forty-one.\n")
    setup = resolve_setup(lora="mara", character="Keeper", user_name="Ann")
    character = setup.character
    assert character.name == "Keeper" and character.greeting == "*waves* Hello, Tobias."
    assert character.persona.startswith("Keeper counts the steps.")  # the prompt format adds "Keeper's Persona:"
    assert "Tobias: How many?\nKeeper: Forty-one." in character.persona
    assert character.user_name == "Ann"  # --user-name wins over the file


def test_a_tavern_card_is_read_from_its_data_block(tmp_path):
    card = tmp_path / "Mara.card.json"
    card.write_text(json.dumps({"spec": "chara_card_v2", "data": {
        "name": "Mara", "description": "Keeps the light for <USER>.", "first_mes": "You again?"}}))
    character = load_character_file(card)
    assert (character.name, character.persona, character.greeting) == ("Mara", "Keeps the light for You.", "You again?")


def test_bad_character_files_are_reported_with_their_path(home):
    broken = home / "characters" / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(UserError, match="broken.yaml"):
        load_character_file(broken)
    nameless = home / "characters" / "nameless.yaml"
    nameless.write_text("greeting: hi\n")
    with pytest.raises(UserError, match="nameless.yaml.*no name"):
        load_character_file(nameless)
    with pytest.raises(UserError, match="'Nobody' not found.*broken, nameless"):
        find_character("Nobody")


def test_a_bad_run_card_is_reported(home, sample_lora):
    folder = _own_lora(home, sample_lora)
    (folder / "characterkit.json").write_text("{not json")
    with pytest.raises(UserError, match="characterkit.json"):
        resolve_setup(lora="copy")
    (folder / "characterkit.json").write_text(json.dumps({"character": "Mara", "prompt_format": "limerick"}))
    with pytest.raises(UserError, match="unknown prompt format 'limerick'"):
        resolve_setup(lora="copy")


def test_a_base_model_alone_chats_as_a_character_file(home):
    from characterkit.chat.engine import GenerationSettings
    from characterkit.chat.load import load_engine

    (home / "characters" / "Keeper.yaml").write_text("name: Mara\ngreeting: Hello.\ncontext: Keeps the light.\n")
    setup = resolve_setup(model="tiny-mara", character="Keeper")
    assert setup.lora is None and setup.base_model == home / "models" / "tiny-mara"
    engine = load_engine(setup)
    assert not engine.has_adapter
    reply = engine.reply([], "Where do you want the oil?", GenerationSettings(temperature=0, max_new_tokens=40))
    assert "\n" not in reply and engine.last_stats.tokens_after_stop == 0


def test_loading_the_engine_says_nothing_about_deprecations(sample_lora):
    """peft's FutureWarning (a transformers property it calls) used to greet every chat start."""
    import warnings

    from characterkit.chat.load import load_engine, resolve_setup

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_engine(resolve_setup(lora=str(sample_lora)))
    assert [str(w.message) for w in caught if issubclass(w.category, (FutureWarning, DeprecationWarning))] == []


@pytest.mark.parametrize("flags, asked, dtype", [
    (["avx512_bf16"], "auto", "bf16"),  # native bf16 dot products: about twice as fast
    ([], "auto", "fp32"),  # bf16 would be emulated: slower than fp32
    (["amx_bf16"], "fp32", "fp32"),
    ([], "bf16", "bf16"),
])
def test_a_cpu_chat_loads_bf16_where_the_cpu_has_bf16_instructions(monkeypatch, flags, asked, dtype):
    from characterkit.chat.load import chat_dtype
    from characterkit.train import hardware

    monkeypatch.setattr(hardware, "cpu_bf16_flags", lambda: flags)
    chosen, why = chat_dtype(asked)
    assert chosen == dtype and why
    with pytest.raises(UserError, match="unknown precision"):
        chat_dtype("fp8")


@pytest.mark.parametrize("precision, dtype", [("fp32", "torch.float32"), ("bf16", "torch.bfloat16")])
def test_the_engine_loads_the_base_model_in_the_precision_asked(sample_lora, precision, dtype):
    from characterkit.chat.engine import GenerationSettings
    from characterkit.chat.load import load_engine, resolve_setup

    engine = load_engine(resolve_setup(lora=str(sample_lora)), precision=precision)
    assert str(engine.model.get_base_model().dtype) == dtype
    reply = engine.reply([], "Hello there.", GenerationSettings(temperature=0, max_new_tokens=12))
    assert isinstance(reply, str) and "\n" not in reply  # generates, and stops at the line's end
