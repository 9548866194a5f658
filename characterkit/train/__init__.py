"""Training: tokenise + mask, collate, LoRA setup, run, save, eval. Imports torch lazily."""
