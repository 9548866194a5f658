"""Templates: loading and checking (errors name the file and line), slot expansion, request ids."""

from pathlib import Path

import pytest

from characterkit.errors import UserError
from characterkit.synth.template import RANDOM_ID_LINE, expand_prompts, load_template

EXAMPLE = Path(__file__).resolve().parents[2] / "characterkit" / "data" / "synth_example.yaml"


def test_the_bundled_example_loads_and_expands_to_every_combination():
    template = load_template(EXAMPLE)
    items, expansion = expand_prompts(template, sample=None, seed=0)
    sizes = [len(values) for values in template.slots.values()]
    assert expansion.combinations == len(items) == sizes[0] * sizes[1] * sizes[2] * sizes[3]
    assert len({item.prompt for item in items}) == len(items)
    assert all("{" not in item.prompt for item in items)


def test_full_expansion_fills_every_slot_first_slot_slowest(write_template):
    items, expansion = expand_prompts(load_template(write_template()), sample=None, seed=0)
    assert not expansion.sampled and expansion.chosen == 6
    assert [(i.values["genre"], i.values["place"]) for i in items[:3]] == [
        ("mystery", "a lighthouse"), ("mystery", "a train"), ("comedy", "a lighthouse")]
    first = items[0]
    assert first.prompt == "Write a mystery story set in a lighthouse."
    assert first.system == "You write short stories about a lighthouse."


def test_a_sample_is_seeded_and_a_subset(write_template):
    template = load_template(write_template())
    everything = {i.values["genre"] + "/" + i.values["place"] for i in expand_prompts(template, None, 0)[0]}
    first, expansion = expand_prompts(template, sample=4, seed=7)
    again, _ = expand_prompts(template, sample=4, seed=7)
    assert expansion.sampled and expansion.chosen == len(first) == 4
    assert [i.id for i in first] == [i.id for i in again]
    assert {i.values["genre"] + "/" + i.values["place"] for i in first} <= everything
    other_seeds = {tuple(sorted(i.prompt for i in expand_prompts(template, 4, seed)[0])) for seed in range(8)}
    assert len(other_seeds) > 1
    assert expand_prompts(template, sample=100, seed=0)[1].chosen == 6  # more than there are: all of them


def test_per_prompt_repeats_get_their_own_ids(write_template, small_template):
    template = load_template(write_template(small_template + "per_prompt: 3\n"))
    items, _ = expand_prompts(template, None, 0)
    assert len(items) == 18 and len({i.id for i in items}) == 18
    assert [i.repeat for i in items[:3]] == [0, 1, 2] and len({i.prompt for i in items[:3]}) == 1


def test_the_random_id_goes_to_the_request_only(write_template):
    item = expand_prompts(load_template(write_template()), None, 0)[0][0]
    system, user = item.messages(random_id=True)
    assert system.role == "system" and user.content == item.prompt + RANDOM_ID_LINE.format(id=item.id)
    assert item.id not in item.prompt
    assert item.messages(random_id=False)[-1].content == item.prompt
    assert expand_prompts(load_template(write_template()), None, 1)[0][0].id != item.id  # the seed changes ids


def test_slot_values_from_a_file_beside_the_template(write_template, tmp_path):
    (tmp_path / "places.txt").write_text("# places\na harbour\n\na moor\na harbour\n", encoding="utf-8")
    template = load_template(write_template(
        'prompt: "A story in {place}."\nslots:\n  place: places.txt\n'))
    assert template.slots == {"place": ["a harbour", "a moor"]}  # comments, blanks and repeats left out


def test_values_that_render_alike_are_counted_once(write_template):
    template = load_template(write_template('prompt: "A story{a}{b}."\nslots:\n  a: ["", "!"]\n  b: ["!", ""]\n'))
    items, expansion = expand_prompts(template, None, 0)
    assert [i.prompt for i in items] == ["A story!.", "A story.", "A story!!."]  # "!" + "" is "" + "!"
    assert expansion.drops == {"duplicate_prompt": 1}


@pytest.mark.parametrize("text, line, words", [
    ('prompt: "A {genre} tale in {plac}."\nslots:\n  genre: [x]\n  place: [y]\n', 1, ["{plac}", "{place}"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: []\n', 3, ["genre", "empty value list"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: [x]\n  mood: [y]\n', 4, ["mood", "not used"]),
    ('prompt: "A {genre} tale."\nslot:\n  genre: [x]\n', 2, ["unknown key `slot`", "slots"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: [x]\ngeneration:\n  temprature: 1\n', 4, ["temprature"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: [x]\nper_prompt: 0\n', 4, ["per_prompt"]),
    ('prompt: "A {genre} tale {."\nslots:\n  genre: [x]\n', 1, ["literal braces"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: [x, [y]]\n', 3, ["list of values"]),
    ('prompt: "A {genre} tale."\nslots:\n  genre: missing.txt\n', 3, ["missing.txt", "not found"]),
    ('prompt: "A {genre} tale."\n  slots: x\n', 2, ["not valid YAML"]),
])
def test_bad_templates_name_the_file_and_line(write_template, text, line, words):
    path = write_template(text)
    with pytest.raises(UserError) as error:
        load_template(path)
    message = str(error.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert all(word in message for word in words), message


def test_too_many_combinations_ask_for_a_sample(write_template):
    values = "[" + ", ".join(str(i) for i in range(400)) + "]"
    template = load_template(write_template(f'prompt: "{{a}} {{b}}"\nslots:\n  a: {values}\n  b: {values}\n'))
    with pytest.raises(UserError, match="--sample"):
        expand_prompts(template, None, 0)
    items, expansion = expand_prompts(template, sample=5, seed=0)  # 160,000 combinations, never listed
    assert len(items) == 5 and expansion.combinations == 160_000
