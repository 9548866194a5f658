"""Tone mapping: synonyms to ten core tones, unknown tones kept as said, user files."""

import pytest

from characterkit.errors import UserError
from characterkit.style.tones import ToneMap


def test_the_bundled_mapping_has_ten_core_tones_and_maps_synonyms():
    tones = ToneMap.load()
    assert tones.core == ["Calm", "Positive", "Mysterious", "Thoughtful", "Gloomy", "Dramatic", "Tense", "Joyful",
                          "Sad", "Humorous"]
    assert tones.map("Melancholy.") == ("Sad", True)
    assert tones.map("dark and brooding") == ("Gloomy", True)
    assert tones.map("matter-of-fact") == ("Thoughtful", True)
    assert tones.map("JOYFUL") == ("Joyful", True)


def test_an_unknown_tone_is_kept_as_said_and_flagged():
    assert ToneMap.load().map("byronic") == ("Byronic", False)
    assert ToneMap.load().map("") == ("", False)


def test_a_user_mapping_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "tones.yaml"
    path.write_text("Cosy: [warm, snug]\nEerie: [uncanny]\n")
    tones = ToneMap.load(path)
    assert tones.core == ["Cosy", "Eerie"] and tones.map("Snug") == ("Cosy", True)
    assert tones.map("calm") == ("Calm", False)  # not in this file: kept, flagged


@pytest.mark.parametrize("content, complaint", [("- just\n- a list\n", "mapping"), ("Calm: quiet\n", "list of words"),
                                                ("Calm: [quiet\n", "not valid YAML")])
def test_a_malformed_mapping_names_the_file(tmp_path, content, complaint):
    path = tmp_path / "tones.yaml"
    path.write_text(content)
    with pytest.raises(UserError) as err:
        ToneMap.load(path)
    assert str(path) in str(err.value) and complaint in str(err.value)
