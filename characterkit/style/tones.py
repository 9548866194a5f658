"""Map the free-form tone a model gives a passage onto a small core set, from an editable YAML file.

    tones = ToneMap.load()                # characterkit/data/tones.yaml, or ToneMap.load("my.yaml")
    tones.map("dark and brooding")        # -> ("Gloomy", True)
    tones.map("Byronic")                  # -> ("Byronic", False): kept as said, counted as unmapped
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import regex

from characterkit.errors import UserError

DEFAULT_TONES = Path(__file__).resolve().parents[1] / "data" / "tones.yaml"


@dataclass
class ToneMap:
    """core: the core tones in file order. synonyms: lower-case word -> core tone."""

    core: list[str]
    synonyms: dict[str, str]

    @classmethod
    def load(cls, path=None) -> "ToneMap":
        """Read a mapping `{Core: [synonym, ...]}`; a clear UserError naming the file if it is malformed."""
        import yaml

        path = Path(path) if path else DEFAULT_TONES
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise UserError(f"cannot read the tone mapping: {e.strerror}", path=path) from None
        except yaml.YAMLError as e:
            line = getattr(getattr(e, "problem_mark", None), "line", None)
            raise UserError(f"not valid YAML: {getattr(e, 'problem', e)}", path=path,
                            line=None if line is None else line + 1) from None
        if not isinstance(data, dict) or not data:
            raise UserError("a tone mapping is a YAML mapping `Core tone: [synonym, ...]`", path=path)
        synonyms = {}
        for core, words in data.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise UserError(f"tone {core!r}: expected a list of words", path=path)
            for word in [str(core), *words]:
                synonyms[word.strip().lower()] = str(core)
        return cls(core=[str(c) for c in data], synonyms=synonyms)

    def map(self, tone: str) -> tuple[str, bool]:
        """(core tone, True) when the tone or one of its words is in the mapping, else (tone, False).

        The whole phrase is tried first ("matter-of-fact"), then each word in order.
        """
        cleaned = " ".join(regex.findall(r"[\p{L}-]+", tone.lower()))
        if not cleaned:
            return "", False
        for candidate in [cleaned, *cleaned.split()]:
            if candidate in self.synonyms:
                return self.synonyms[candidate], True
        return tone.strip().strip(".").title(), False
