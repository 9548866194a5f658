"""training_parameters.json: values the current webui Training tab lists, as finetune writes them."""

from characterkit.export.webui_template import template_name
from characterkit.train import artifacts
from characterkit.train.config import FinetuneSettings


def _params(format_name, is_text=False, targets=("q_proj", "v_proj")):
    settings = FinetuneSettings(model="tiny", data="Mara")
    return artifacts.training_parameters(settings, "Mara", list(targets), "Mara", is_text, format_name)


def test_our_format_names_the_template_prepare_writes():
    params = _params("pygmalion")
    assert params["format"] == template_name("Mara") == "Mara-characterkit"  # not "pygmalion": not a webui choice
    assert params["dataset"] == "Mara" and params["text_dataset"] == "None"


def test_the_tokenizers_template_is_webuis_chat_template_choice():
    assert _params("chat-template")["format"] == "Chat Template"


def test_text_training_names_no_template():
    params = _params("pygmalion", is_text=True)
    assert (params["format"], params["dataset"], params["text_dataset"]) == ("None", "None", "Mara")
