"""paraphrase_one: validated attempts with a new seed each, a named reason when it gives up.

A scripted Backend stands in for the model here, so each reply (good, bad, cut off, rejected) is
chosen by the test; the same code against a real server is in test_style_pipeline.py.
"""

from characterkit.data import sample_novel_path
from characterkit.llm import Backend, Completion, RequestRejected
from characterkit.style.paraphrase import paraphrase_one
from characterkit.style.passages import Passage
from characterkit.style.prompts import load_template
from characterkit.style.settings import StyleSettings

NOVEL = sample_novel_path()
PASSAGE = Passage(id="p1", chapter=1, type="description",
                  text="The fog came in the night, as fogs do in that part of the world, without a sound.")
GOOD = "Tone: eerie\nThe fog rolled in overnight, silently, the way it does in that part of the world."


class Scripted(Backend):
    def __init__(self, replies):
        super().__init__()
        self.replies, self.seeds = list(replies), []

    def complete(self, messages, **generation):
        self.seeds.append(generation["seed"])
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def run(replies, **settings):
    backend = Scripted(replies)
    result = paraphrase_one(PASSAGE, backend, load_template("plain"),
                            StyleSettings(novel=str(NOVEL), author="Ada Winter", seed=10, **settings))
    return result, backend


def test_a_bad_reply_is_retried_with_the_next_seed():
    result, backend = run([Completion("Here is the rewrite: " + GOOD, 50, 20), Completion(GOOD, 50, 18)])
    assert result["status"] == "ok" and result["attempts"] == 2
    assert result["paraphrase"].startswith("The fog rolled in") and result["tone"] == "eerie"
    assert result["failures"] == {"talks_about_task": 1}
    assert (result["prompt_tokens"], result["completion_tokens"]) == (100, 38)
    assert backend.seeds == [10, 11]


def test_after_max_retries_the_passage_is_skipped_with_its_last_reason():
    replies = [Completion("Fog."), Completion(GOOD, finish_reason="length"), Completion(PASSAGE.text)]
    result, backend = run(replies, max_retries=3)
    assert result["status"] == "skipped" and result["reason"] == "identical" and result["attempts"] == 3
    assert result["failures"] == {"too_short": 1, "cut_off": 1, "identical": 1}
    assert result["paraphrase"] == ""


def test_a_request_the_server_rejects_is_not_retried():
    result, backend = run([RequestRejected("HTTP 400: prompt too long"), Completion(GOOD)])
    assert result["status"] == "skipped" and result["reason"] == "rejected_by_server"
    assert "prompt too long" in result["detail"] and len(backend.seeds) == 1


def test_a_reply_without_a_tone_line_gets_the_tone_asked_separately():
    result, backend = run([Completion(GOOD.split("\n", 1)[1], 50, 20), Completion("The tone is eerie.", 30, 4)])
    assert result["status"] == "ok" and result["tone"] == "eerie" and result["tone_asked"] is True
    assert (result["prompt_tokens"], result["completion_tokens"]) == (80, 24)
    assert len(backend.seeds) == 2


def test_a_reply_with_a_tone_line_asks_nothing_more():
    result, backend = run([Completion(GOOD)])
    assert result["tone"] == "eerie" and "tone_asked" not in result and len(backend.seeds) == 1
