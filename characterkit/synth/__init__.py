"""Synthetic data: templated prompts, generated completions, filtered and paired into training files.

    template.py  the template file: a prompt with {slots}, values per slot, generation settings;
                 every combination or a seeded sample, each request with its own id
    generate.py  one completion per request through characterkit.llm (concurrent, journaled)
    filters.py   why a completion is dropped, by name: length, refusals, off-task chatter, banned
                 phrases, a user regex, missing slot values, duplicates and near-duplicates
    pair.py      the folder-of-files workflow: prompts/x.txt <-> completions/x.txt
    dataset.py   pairs -> Samples -> every export, prompt_completion.jsonl, rejected.jsonl
    report.py    counts, drops, length distribution before/after; the terminal table
    pipeline.py  prepare_synth and pair_folders, the two library calls behind the commands
"""

from characterkit.synth.filters import FilterSettings
from characterkit.synth.pipeline import pair_folders, prepare_synth
from characterkit.synth.report import print_summary
from characterkit.synth.settings import OutputSettings, PairSettings, SynthSettings

__all__ = ["FilterSettings", "OutputSettings", "PairSettings", "SynthSettings", "pair_folders", "prepare_synth",
           "print_summary"]
