import random

from characterkit.records import BREAK, NARRATION, SPEECH, Line, Sample, Turn
from characterkit.samples import Drop, SampleFilter, assign_split, build_samples, within_reach


def speech(speaker, text, lineno=0):
    return Line(speaker, text, SPEECH, "talk.txt", lineno)


def test_context_holds_last_rounds_turns_and_the_reply_is_the_target():
    lines = [speech("A", f"a{i}", i) if i % 2 == 0 else speech("Bob", f"b{i}", i) for i in range(10)]
    samples = list(build_samples(lines, {"Bob"}, rounds=3))
    assert [s.reply for s in samples] == ["b1", "b3", "b5", "b7", "b9"]
    last = samples[-1]
    assert [(t.speaker, t.text) for t in last.context] == [("A", "a6"), ("Bob", "b7"), ("A", "a8")]
    assert last.id == "talk-9" and last.source == "talk.txt" and last.meta["lineno"] == 9
    assert samples[0].context == [Turn("A", "a0")]


def test_scene_break_empties_the_context_and_narration_is_a_turn():
    lines = [speech("A", "hello"), Line(None, "", BREAK), Line(None, "Rain falls.", NARRATION), speech("Bob", "hi")]
    (sample,) = build_samples(lines, {"Bob"}, rounds=5)
    assert sample.context == [Turn(None, "Rain falls.")]


def test_uncertain_target_is_dropped_but_stays_in_context():
    lines = [speech("A", "one"), Line("Bob", "maybe me", SPEECH, "n.txt", 2, confidence=0.4), speech("Bob", "surely me")]
    out = list(build_samples(lines, {"Bob"}, rounds=5, min_confidence=0.5))
    assert isinstance(out[0], Drop) and out[0].reason == "uncertain"
    # it stays in the context as speech nobody is named for: the cut-off decides who is named
    assert isinstance(out[1], Sample) and out[1].context[-1] == Turn(None, '"maybe me"')
    assert out[1].meta["unattributed_context"] == 1


def test_filter_names_its_reasons():
    f = SampleFilter(min_words=2)
    mk = lambda reply, ctx=(): Sample("x", "Bob", [Turn("A", c) for c in ctx], reply)  # noqa: E731
    assert f.reason_to_drop(mk("   ")) == "empty"
    assert f.reason_to_drop(mk("Yes.")) == "too_short"
    assert f.reason_to_drop(mk("Yes, sir.", ["hi"])) is None
    assert f.reason_to_drop(mk("Yes, sir.", ["hi"])) == "duplicate"
    assert f.reason_to_drop(mk("Yes, sir.", ["hello"])) is None  # same reply, other context: kept


def test_split_is_seeded_deterministic_and_near_the_ratio():
    ids = [f"s-{i}" for i in range(4000)]
    first = [assign_split(i, 0.1, seed=1) for i in ids]
    assert first == [assign_split(i, 0.1, seed=1) for i in ids]
    assert first != [assign_split(i, 0.1, seed=2) for i in ids]
    assert 300 < first.count("val") < 500
    assert {assign_split(i, 0.0) for i in ids} == {"train"}


def _random_lines(rng, n):
    lines = []
    for lineno in range(1, n + 1):
        kind = rng.choice([SPEECH] * 6 + [NARRATION, BREAK])
        speaker = rng.choice(["Ann", "Bob", "Cy", "Dee", None]) if kind == SPEECH else None
        lines.append(Line(speaker, f"line {lineno}", kind, "talk.txt", lineno, rng.choice([1.0, 0.3])))
    return lines


def test_within_reach_keeps_what_the_samples_need_and_little_else():
    rng = random.Random(7)
    for _ in range(300):
        lines = _random_lines(rng, rng.randint(0, 60))
        characters = set(rng.sample(["Ann", "Bob", "Cy", "Dee"], rng.randint(1, 2)))
        rounds = rng.randint(1, 4)
        kept = list(within_reach(lines, characters.__contains__, rounds))
        assert list(build_samples(kept, characters, rounds, min_confidence=0.5)) == \
            list(build_samples(lines, characters, rounds, min_confidence=0.5))
    # one reply among many lines: only it and its window (after a BREAK closing the gap) are kept
    lines = [speech("A", f"a{i}", i) for i in range(100)] + [speech("Bob", "hi", 100)] + [speech("A", "bye", 101)]
    kept = list(within_reach(lines, {"Bob"}.__contains__, rounds=3))
    assert [(line.kind, line.text) for line in kept] == [(BREAK, ""), (SPEECH, "a97"), (SPEECH, "a98"),
                                                         (SPEECH, "a99"), (SPEECH, "hi")]
