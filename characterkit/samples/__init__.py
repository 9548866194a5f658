"""Lines -> Samples: rolling context windows, filters that name why they drop, a seeded split."""

from characterkit.samples.filters import DropCounter, SampleFilter
from characterkit.samples.split import assign_split
from characterkit.samples.window import Drop, build_samples, within_reach

__all__ = ["Drop", "DropCounter", "SampleFilter", "assign_split", "build_samples", "within_reach"]
