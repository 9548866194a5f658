"""Who speaks an undecided turn: every speaker decided in the scene, scored on what the scene shows.

    TurnScorer(shares).choose(t, anchors, guesses, votes, called, called_before, first_quote, named) -> Character | None
    fit(examples) -> weights          (python -m bench.bench_attribution --write-table)

Speakers alternate, but not strictly: a third voice cuts in, a speech runs on over two turns, the one
just called by name answers, and the book's main people talk more than the rest. Alternation alone
(attribute._turn_taking's votes from the nearest decided turns before and after) misses all of that.
Here each speaker decided in the scene is a candidate, described by yes/no facts of English dialogue
(FEATURES: is it the alternation's vote from before or after, at what distance; how recently did they
speak; did the turn before call them by name; did they speak the turn before or the one before that;
do they speak the next, decided, turn; do the turn's own words, or the turn before's, name them;
their share of the book's explicit tags), and the candidate
with the highest weighted sum speaks. The weights are a logistic regression (one row per candidate:
is this the speaker?) fitted on the 12 PDNC dev novels with the cast given; the table
(characterkit/data/turn_taking_weights.json) holds figures only. Fitted on 11 novels and scored on the
12th, in turn: see the module constant MEASURED. A vocative still rules a candidate out: a name the
turn itself calls belongs to someone listening.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parents[2] / "data" / "turn_taking_weights.json"
MEASURED = ("PDNC dev, weights fitted on 11 novels and scored on the 12th, in turn: quotes right 10,263 -> "
            "10,382 of 13,168 with the cast given (better on 10 novels, worse on 1), 10,018 -> 10,133 discovered "
            "(better on 9, worse on 1)")
FEATURES = (
    "vote_before_1", "vote_before_2", "vote_before_3",  # alternation's vote from the decided turn before, at 1, 2, 3+ turns
    "vote_after_1", "vote_after_2", "vote_after_3",
    "vote_before_crowd", "vote_after_crowd",  # the same vote in a scene of three or more voices
    "last_before_1", "last_before_2", "last_before_3",  # the latest / second / third+ decided speaker before
    "first_after_1", "first_after_2", "first_after_3",
    "last_before_1_crowd", "last_before_2_crowd", "first_after_1_crowd",
    "called_before",  # the turn before called them by name
    "spoke_turn_before", "spoke_two_turns_before", "speaks_turn_after",
    "share", "lead",  # their share of the book's explicit tags; at least LEAD_SHARE of them
    "named_in_turn", "named_in_turn_before",  # the turn's own words name them (people rarely say their own name); the turn before's
)
LEAD_SHARE = 0.2


@lru_cache(maxsize=1)
def load_weights(path: str = str(WEIGHTS)) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["weights"]
    except FileNotFoundError:
        return None


@dataclass
class TurnScorer:
    """Chooses among a scene's speakers for an undecided turn. `shares`: each character's share of
    the book's explicit tags. Without weights (no table) it chooses nothing and the votes decide.
    `record`, when a list, collects (first quote of the turn, [(candidate, features)]) for fitting."""

    shares: dict
    weights: dict | None = field(default_factory=load_weights)
    record: list | None = None

    def choose(self, t: int, anchors: list[int], guesses: list, votes: dict, called: list, called_before: list,
               first_quote: int, named: tuple = ((), ())):
        """The best candidate for turn `t`. `guesses[a].who` is turn a's speaker (decided for a in
        `anchors`, the forward pass's alternation otherwise); `votes`: {"before" / "after": (who,
        distance)}; `called`: the names turn t calls (never its speaker); `called_before`: turn t-1's;
        `named`: the people turn t's words name, and turn t-1's."""
        options = self.candidates(t, anchors, guesses, votes, called, called_before, named)
        if self.record is not None:
            self.record.append((first_quote, options))
        if not options or self.weights is None:
            return None
        return max(options, key=lambda option: sum(self.weights.get(k, 0.0) * v for k, v in option[1].items()))[0]

    def candidates(self, t, anchors, guesses, votes, called, called_before, named=((), ())) -> list[tuple[object, dict]]:
        before = _distinct(guesses[a].who for a in reversed(anchors) if a < t)
        after = _distinct(guesses[a].who for a in anchors if a > t)
        crowd = len(_distinct(guesses[a].who for a in anchors)) >= 3
        options = []
        for who in _distinct(before + after):
            if who in called:
                continue
            f = dict.fromkeys(FEATURES, 0.0)
            for side in ("before", "after"):
                voted, distance = votes.get(side, (None, 0))
                if voted is who:
                    f[f"vote_{side}_{min(distance, 3)}"] = 1.0
                    f[f"vote_{side}_crowd"] = float(crowd)
            if who in before:
                rank = min(before.index(who) + 1, 3)
                f[f"last_before_{rank}"] = 1.0
                if crowd and rank < 3:
                    f[f"last_before_{rank}_crowd"] = 1.0
            if who in after:
                rank = min(after.index(who) + 1, 3)
                f[f"first_after_{rank}"] = 1.0
                f["first_after_1_crowd"] = float(crowd and rank == 1)
            f["called_before"] = float(who in called_before)
            f["spoke_turn_before"] = float(t > 0 and guesses[t - 1].who is who)
            f["spoke_two_turns_before"] = float(t > 1 and guesses[t - 2].who is who)
            f["speaks_turn_after"] = float(t + 1 in anchors and guesses[t + 1].who is who)
            f["share"] = self.shares.get(who, 0.0) if who.__hash__ is not None else 0.0  # an unlisted name: none
            f["lead"] = float(f["share"] >= LEAD_SHARE)
            f["named_in_turn"] = float(who in named[0])
            f["named_in_turn_before"] = float(who in named[1])
            options.append((who, f))
        return options


def _distinct(people) -> list:
    found = []
    for who in people:
        if who is not None and who not in found:
            found.append(who)
    return found


def fit(examples: list[tuple[list[dict], int]], c: float = 1.0) -> dict:
    """Weights from (candidates' features, index of the true speaker) pairs: a logistic regression of
    'is the speaker' over every candidate row. scikit-learn is imported here only."""
    from sklearn.linear_model import LogisticRegression

    rows, labels = [], []
    for features, right in examples:
        for n, f in enumerate(features):
            rows.append([f[k] for k in FEATURES])
            labels.append(n == right)
    model = LogisticRegression(C=c, max_iter=5000).fit(rows, labels)
    return {k: round(float(w), 4) for k, w in zip(FEATURES, model.coef_[0])}
