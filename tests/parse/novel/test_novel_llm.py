"""The optional LLM pass, with a scripted backend: what it is asked, and how its answers are used."""

import re

from characterkit.llm import Backend, Completion
from characterkit.parse.novel import Cast, Character, analyse
from characterkit.parse.novel import llm as novel_llm

CAST = Cast([Character("Mara", ["Mara Holloway"], "F"), Character("Tobias", ["Toby"], "M"),
             Character("Mrs. Holloway", [], "F")])

TEXT = """\
"Is the coach ready?" asked Tobias.

"Not yet," said Mara.

"Then we wait."

"We cannot wait."

"Why not?"
"""


class Scripted(Backend):
    """Answers every asked quote with the name the test chose for its number; records the prompts."""

    def __init__(self, answers):
        super().__init__()
        self.answers, self.prompts = answers, []

    def complete(self, messages, **generation):
        prompt = messages[-1].content
        self.prompts.append(prompt)
        asked = re.search(r"Who speaks each of these quotations: (.*)\?", prompt).group(1).split(", ")
        return Completion("\n".join(f"{q}: {self.answers.get(q, 'unknown')}" for q in asked))


def test_uncertain_quotes_are_asked_with_the_cast_and_answers_checked(monkeypatch):
    rules_only, _ = analyse(TEXT, CAST)
    uncertain = [f"Q{i}" for i, s in enumerate(rules_only) if s.confidence < 0.75]
    assert uncertain[:2] == ["Q2", "Q3"]  # Q4 too while the confidence table puts its cell under 0.75
    # every asked guess weaker than the model's word, whatever today's confidence table says of them
    monkeypatch.setattr(novel_llm, "LLM_ALONE", max(s.confidence for s in rules_only if s.confidence < 0.75) + 0.01)
    backend = Scripted({"Q2": "Tobias", "Q3": "Mrs. Holloway", "Q4": "Captain Nemo"})
    spoken, _ = analyse(TEXT, CAST, llm=backend)
    (prompt,) = backend.prompts
    assert "- Mara (also: Mara Holloway)" in prompt and '[Q0: Tobias]"Is the coach' in prompt and '[Q2]"Then' in prompt
    assert (spoken[2].speaker, spoken[2].rule) == ("Tobias", "llm-agrees") and spoken[2].confidence >= 0.75
    assert (spoken[3].speaker, spoken[3].rule) == ("Mrs. Holloway", "llm") and spoken[3].confidence < 0.75
    assert (spoken[4].speaker, spoken[4].rule) == (rules_only[4].speaker, rules_only[4].rule)  # not asked, or not in the cast: ignored
    assert spoken[:2] == rules_only[:2]  # sure quotes are not asked about


def test_nothing_uncertain_means_no_request():
    backend = Scripted({})
    analyse('"Hello," said Mara.\n\n"Hello," said Tobias.\n', CAST, llm=backend)
    assert backend.prompts == []


def test_the_model_does_not_overrule_a_guess_that_measured_better_than_its_own_answers(monkeypatch):
    rules_only, _ = analyse(TEXT, CAST)
    assert rules_only[3].confidence < rules_only[4].confidence < 0.9  # both under the cut-off
    # the model's own measured precision between the two guesses' (the table's cells move with each refit)
    monkeypatch.setattr(novel_llm, "LLM_ALONE", (rules_only[3].confidence + rules_only[4].confidence) / 2)
    spoken, _ = analyse(TEXT, CAST, llm=Scripted({"Q3": "Tobias", "Q4": "Mara"}))
    assert (spoken[3].speaker, spoken[3].rule) == ("Tobias", "llm")  # a weaker guess is overruled
    assert (spoken[4].speaker, spoken[4].rule) == (rules_only[4].speaker, rules_only[4].rule)  # a better one is not


def test_the_second_opinion_through_a_real_server_leaves_the_kept_lines_alone(llm_server, tmp_path, capsys, monkeypatch):
    """`quotes --use-llm` end to end: the real OpenAI-compatible server (`transformers serve`, a tiny
    random model whose answers name nobody) is asked about the uncertain quotes; every line over the
    cut-off is the rules' own, with or without it."""
    import json

    from characterkit.cli import main
    from characterkit.llm.openai_http import OpenAIBackend
    from characterkit.records import DEFAULT_MIN_CONFIDENCE

    novel = tmp_path / "novel.txt"
    novel.write_text('CHAPTER I.\n\n' + TEXT + '\n"Because," said Tobias.\n\n"Because what?"\n\n"The horses."\n',
                     encoding="utf-8")
    assert main(["quotes", str(novel), "--jsonl"]) == 0
    rules = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    asked, complete = [], OpenAIBackend.complete
    monkeypatch.setattr(OpenAIBackend, "complete", lambda self, *a, **k: asked.append(1) or complete(self, *a, **k))
    assert main(["quotes", str(novel), "--jsonl", "--use-llm", "--base-url", llm_server.base_url,
                 "--model", llm_server.model, "--retries", "1"]) == 0
    assert asked  # the server answered at least one window's question
    with_llm = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["start"] for r in with_llm] == [r["start"] for r in rules]
    assert any(r["confidence"] < DEFAULT_MIN_CONFIDENCE for r in rules)
    kept = lambda rows: [r for r in rows if r["confidence"] >= DEFAULT_MIN_CONFIDENCE]
    assert kept(with_llm) == kept(rules) and kept(rules)
    assert all(r["confidence"] < DEFAULT_MIN_CONFIDENCE for r in with_llm if r["rule"].startswith("llm"))
