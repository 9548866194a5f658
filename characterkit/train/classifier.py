"""Who said it? A speaker classifier over the source's lines, to score how character-like a reply is.

    clf = SpeakerClassifier.train([("ALGERNON", "I never travel without my diary."), ...], "ALGERNON")
    clf.share(["some reply", ...])     # the share attributed to ALGERNON, in [0, 1]

Character n-gram TF-IDF (inside word boundaries, 2 to 5 characters: spelling, punctuation, the
character's pet words and turns of phrase) and a logistic regression. Speakers with few lines are
pooled into one class, so the character competes with every main speaker and with "someone else".
Classes are weighted by their size (`balanced`): a talkative character is not favoured just for
talking more. scikit-learn is imported here only, when `eval` trains one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from characterkit.errors import UserError

OTHERS = "(others)"  # the pooled class of speakers with fewer than `min_lines` lines
EMPTY = "(empty)"  # what an empty reply is attributed to: nobody


@dataclass
class SpeakerClassifier:
    character: str
    pipeline: object
    classes: list[str]
    lines: int

    @classmethod
    def train(cls, lines: list[tuple[str, str]], character: str, min_lines: int = 10,
              seed: int = 0) -> "SpeakerClassifier":
        """Fit on (speaker, text) pairs; speakers with fewer than `min_lines` lines become OTHERS."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        counts = Counter(speaker for speaker, _ in lines)
        labels = [speaker if speaker == character or counts[speaker] >= min_lines else OTHERS for speaker, _ in lines]
        if counts[character] == 0 or len(set(labels)) < 2:
            raise UserError(f"the source has too few speakers besides {character} to train a speaker classifier")
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True),
            LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed),
        )
        pipeline.fit([text for _, text in lines], labels)
        return cls(character, pipeline, list(pipeline.classes_), len(lines))

    def predict(self, texts: list[str]) -> list[str]:
        """The speaker each text is attributed to (EMPTY for an empty text)."""
        filled = [t for t in texts if t.strip()]
        found = iter(self.pipeline.predict(filled)) if filled else iter(())
        return [str(next(found)) if t.strip() else EMPTY for t in texts]

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
