"""Who said it? A speaker classifier over the source's lines, to score how character-like a reply is.

    clf = SpeakerClassifier.train([("ALGERNON", "I never travel without my diary."), ...], "ALGERNON")
    clf.share(["some reply", ...])     # the share attributed to ALGERNON, in [0, 1]

Character n-gram TF-IDF (2 to 5 characters, across word boundaries: spelling, punctuation, the
character's pet words and how he joins them, "my dear", "Oh! I") and a logistic regression: the
character against every other speaker pooled. Classes are weighted by their size (`balanced`), so a
text is attributed to the character when the model finds it likelier his than anyone else's, whoever
talks more. On Algernon (The Importance of Being Earnest, 15% held out) one-against-all recognised
more of his held-out lines (46-50% against 31-42%) and gave fewer assistant-style sentences to him
than a classifier over every main speaker. n-grams across word boundaries rather than inside them
(`char` instead of `char_wb`), chosen on real lines only (`python -m bench classifier`: 42 speakers
of 15 plays and novels, none of it generated): the area under the ROC curve for the speaker's held-out
lines against the others' rose for 28 of 42 (mean 0.770 -> 0.779), and against lines from the other
books for 28 of 42 (0.732 -> 0.743). scikit-learn is imported here only, when `eval` trains one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from characterkit.errors import UserError

OTHERS = "(others)"  # every speaker but the character, pooled
FEATURES = {"analyzer": "char", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2, "lowercase": True}  # TfidfVectorizer settings
EMPTY = "(empty)"  # what an empty reply is attributed to: nobody


@dataclass
class SpeakerClassifier:
    character: str
    pipeline: object
    classes: list[str]
    lines: int

    @classmethod
    def train(cls, lines: list[tuple[str, str]], character: str, seed: int = 0,
              features: dict = FEATURES) -> "SpeakerClassifier":
        """Fit on (speaker, text) pairs: `character`'s lines against everyone else's. `features`: the
        TfidfVectorizer's settings (`bench classifier` compares others)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        labels = [character if speaker == character else OTHERS for speaker, _ in lines]
        if len(set(labels)) < 2:
            raise UserError(f"a speaker classifier needs lines of {character} and of someone else in the source")
        pipeline = make_pipeline(
            TfidfVectorizer(**features),
            LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed),
        )
        pipeline.fit([text for _, text in lines], labels)
        return cls(character, pipeline, [str(c) for c in pipeline.classes_], len(lines))

    def predict(self, texts: list[str]) -> list[str]:
        """The speaker each text is attributed to (EMPTY for an empty text)."""
        filled = [t for t in texts if t.strip()]
        found = iter(self.pipeline.predict(filled)) if filled else iter(())
        return [str(next(found)) if t.strip() else EMPTY for t in texts]

    def probability(self, texts: list[str]) -> list[float]:
        """How likely each text is the character's, in [0, 1] (0.0 for an empty text)."""
        filled = [t for t in texts if t.strip()]
        column = self.classes.index(self.character)
        found = iter(self.pipeline.predict_proba(filled)[:, column]) if filled else iter(())
        return [float(next(found)) if t.strip() else 0.0 for t in texts]

    def share(self, texts: list[str]) -> float:
        """The share of `texts` attributed to the character (0.0 for no texts)."""
        return _share(self.predict(texts), self.character)

    def report(self, texts: list[str]) -> dict:
        """The share and who else the texts were attributed to (most often first)."""
        predicted = self.predict(texts)
        return {"share": _share(predicted, self.character), "n": len(texts),
                "attributed_to": dict(Counter(predicted).most_common())}


def _share(predicted: list[str], character: str) -> float:
    return sum(p == character for p in predicted) / len(predicted) if predicted else 0.0


def paired_difference(before: list[float], after: list[float], seed: int = 0, rounds: int = 2000) -> dict:
    """Mean of after - before over paired values (the same contexts and seeds), with a 95% bootstrap
    interval: pairing removes what the contexts share, so a small change shows where two shares of
    a few dozen replies each cannot tell it from noise."""
    import random

    if len(before) != len(after) or not before:
        raise ValueError("paired_difference needs two lists of the same, non-zero length")
    differences = [b - a for a, b in zip(before, after)]
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(differences, k=len(differences))) / len(differences) for _ in range(rounds))
    return {"mean": sum(differences) / len(differences), "interval_95": [means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]],
            "n": len(differences)}
