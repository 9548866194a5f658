"""Author-style pairs: a novel -> passages -> LLM paraphrases -> "rephrase in the style of AUTHOR" data.

    passages.py    cleaning, paragraphs or story beats, chapter and type of each passage
    prompts.py     the paraphrase prompt (presets in characterkit/data/style_templates/) and its reply
    validate.py    why a paraphrase is unusable, by name
    tones.py       the model's tone word -> one of ten core tones (characterkit/data/tones.yaml)
    paraphrase.py  validated, retried, concurrent, journaled paraphrasing through characterkit.llm
    pipeline.py    prepare_style: the dataset folder, the tutorial's files, report.json
"""

from characterkit.style.pipeline import prepare_style, print_summary
from characterkit.style.settings import StyleSettings

__all__ = ["StyleSettings", "prepare_style", "print_summary"]
