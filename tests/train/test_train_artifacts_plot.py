"""loss.png: drawn without warnings, even for a run that logged no loss."""

import warnings

from characterkit.train.artifacts import plot_loss


def test_a_run_without_logged_losses_plots_without_a_legend_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_loss([], tmp_path / "empty.png")
        plot_loss([{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5, "eval_loss": 1.7}], tmp_path / "loss.png")
    assert (tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"
