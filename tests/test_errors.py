"""The shared setting checks: the first bad value is named as its flag, with what it was."""

import pytest

from characterkit.errors import UserError, check_at_least, check_fraction


def test_check_at_least_names_the_first_value_below_the_minimum():
    check_at_least(1, rank=1, cutoff=256)
    with pytest.raises(UserError, match=r"^--micro-batch-size must be at least 1 \(got 0\)$"):
        check_at_least(1, rank=4, micro_batch_size=0, cutoff=0)


def test_check_fraction_takes_zero_but_not_one():
    check_fraction(val_ratio=0.0, dropout=0.99)
    for bad in (1.0, -0.1):
        with pytest.raises(UserError, match=rf"^--val-split must be in \[0, 1\) \(got {bad}\)$"):
            check_fraction(dropout=0.1, val_split=bad)
