#!/usr/bin/env python3
"""Drop-in replacement for the legacy `prepare_dataset.py`: same flags, same files, correct samples.

    python prepare_dataset.py --name Bob            # dataset.txt -> processed_dataset.json

For everything else (plays, chat logs, novels, every trainer's format) use `characterkit prepare dialogue`.
"""

import sys

import click

from characterkit.cli import run_command


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-n", "--name", required=True, help="The character whose lines become the outputs.")
@click.option("-r", "--rounds", default=5, show_default=True,
              help="Context turns before each line (speaker turns; the old script counted raw lines).")
@click.option("-t", "--txtfilename", default="dataset.txt", show_default=True, help="The transcript to read.")
@click.option("-j", "--jsonfilename", default="processed_dataset.json", show_default=True, help="The JSON file to write.")
def main(name, rounds, txtfilename, jsonfilename):
    """Turn a `Name: line` transcript into [{"input", "output"}] samples for one character."""
    from characterkit.prepare import prepare_legacy, summary

    click.echo(summary(prepare_legacy(name=name, rounds=rounds, txtfilename=txtfilename, jsonfilename=jsonfilename)))


if __name__ == "__main__":
    sys.exit(run_command(main))
