"""A seeded train/validation split that works on a stream.

Each sample's split is a pure function of (seed, sample id), so the same input always splits the
same way, no sample needs to be held back, and adding a source does not reshuffle the others.
"""

from __future__ import annotations

import hashlib


def assign_split(sample_id: str, val_ratio: float, seed: int = 0) -> str:
    """'val' for about `val_ratio` of ids (deterministic for a given seed), else 'train'."""
    if val_ratio <= 0:
        return "train"
    digest = hashlib.blake2b(f"{seed}:{sample_id}".encode(), digest_size=8).digest()
    fraction = int.from_bytes(digest, "big") / 2**64
    return "val" if fraction < val_ratio else "train"
