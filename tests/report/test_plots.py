"""render_history: image size, labels kept as SVG text, markers, determinism."""

from __future__ import annotations

import io
from dataclasses import replace
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image
from report_data import NAN_AT_309
from report_data import OVERFIT
from report_data import load_run

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.plots import PANEL_HEIGHT_PX
from diagnose_api.plots import WIDTH_PX
from diagnose_api.plots import Marker
from diagnose_api.plots import describe_plot
from diagnose_api.plots import epoch_markers
from diagnose_api.plots import non_finite_marker
from diagnose_api.plots import plan_panels
from diagnose_api.plots import render_history
from diagnose_api.plots.render import group_close

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: bytes) -> list[str]:
    """Every string drawn as an SVG <text> element."""
    root = ElementTree.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize(
    ("name", "n_panels"),
    [(OVERFIT, 2), (NAN_AT_309, 1), ("generated_wine_underfit_tiny_lr", 2)],
)
def test_png_pixel_size(name: str, n_panels: int) -> None:
    run = load_run(name)
    png = render_history(run.request.history, run.diagnosis, fmt="png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH_PX, PANEL_HEIGHT_PX * n_panels)


@pytest.fixture(scope="module")
def overfit_svg() -> bytes:
    run = load_run(OVERFIT)
    return render_history(run.request.history, run.diagnosis, fmt="svg")


@pytest.fixture(scope="module")
def nan_svg() -> bytes:
    run = load_run(NAN_AT_309)
    return render_history(run.request.history, run.diagnosis, fmt="svg")


def test_svg_keeps_best_epoch_label(overfit_svg: bytes) -> None:
    assert "best epoch 3" in svg_texts(overfit_svg)


@pytest.mark.parametrize("kind", ["best", "divergence", "stop"])
def test_svg_keeps_marker_labels_as_text(overfit_svg: bytes, kind: str) -> None:
    markers = {
        marker.kind: marker for marker in epoch_markers(load_run(OVERFIT).diagnosis)
    }
    assert markers[kind].label in svg_texts(overfit_svg)


def test_svg_marks_non_finite_epoch_309(nan_svg: bytes) -> None:
    texts = svg_texts(nan_svg)
    assert "non-finite from epoch 309 (2 epochs)" in texts
    assert "non-finite value" in texts
    assert "best epoch 308" in texts


def test_svg_axis_uses_run_epoch_numbers(nan_svg: bytes) -> None:
    texts = svg_texts(nan_svg)
    assert {"308", "309", "310"} <= set(texts)
    assert "epoch" in texts


def test_accuracy_panel_only_when_logged() -> None:
    with_accuracy = load_run(OVERFIT).request.history
    without_accuracy = load_run(NAN_AT_309).request.history
    assert [panel.kind for panel in plan_panels(with_accuracy)] == ["loss", "accuracy"]
    assert [panel.kind for panel in plan_panels(without_accuracy)] == ["loss"]


def test_svg_is_deterministic(overfit_svg: bytes) -> None:
    run = load_run(OVERFIT)
    assert render_history(run.request.history, run.diagnosis, fmt="svg") == overfit_svg


def test_png_is_deterministic() -> None:
    run = load_run(NAN_AT_309)
    first = render_history(run.request.history, run.diagnosis, fmt="png")
    second = render_history(run.request.history, run.diagnosis, fmt="png")
    assert first == second


def test_svg_has_no_date(overfit_svg: bytes) -> None:
    assert b"<dc:date>" not in overfit_svg


def test_epoch_markers_of_overfit_run() -> None:
    diagnosis = load_run(OVERFIT).diagnosis
    assert diagnosis.divergence is not None
    divergence = diagnosis.divergence.epoch
    stop = diagnosis.early_stopping["recommended"]["stopped_epoch"]
    assert epoch_markers(diagnosis) == (
        Marker("best", 3.0, "best epoch 3"),
        Marker("divergence", divergence, f"divergence epoch {divergence:g}"),
        Marker("stop", stop, f"recommended stop epoch {stop:g}"),
    )


def test_markers_skip_missing_divergence() -> None:
    history = History.from_lists({"loss": [1.0, 0.8, 0.7, 0.6, 0.55]})
    diagnosis = diagnose(history)
    kinds = [marker.kind for marker in epoch_markers(diagnosis)]
    assert diagnosis.divergence is None
    assert "divergence" not in kinds


def test_markers_at_one_epoch_drawn_apart() -> None:
    history = History.from_lists({"loss": [1.0, 0.8, 0.7, 0.6, 0.55]})
    diagnosis = replace(
        diagnose(history),
        best_epoch=3.0,
        early_stopping={"recommended": {"stopped_epoch": 3.0}},
    )
    texts = svg_texts(render_history(history, diagnosis, fmt="svg"))
    assert "best epoch 3" in texts
    assert "recommended stop epoch 3" in texts


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ([0.9, 0.8, 0.7, 0.6], None),
        (
            [0.9, 0.8, float("nan"), 0.6],
            Marker("non_finite", 3.0, "non-finite epoch 3"),
        ),
        (
            [0.9, float("inf"), float("nan"), 0.6],
            Marker("non_finite", 2.0, "non-finite from epoch 2 (2 epochs)"),
        ),
        ([0.9, None, 0.7, None], None),
    ],
)
def test_non_finite_marker(loss: list[float | None], expected: Marker | None) -> None:
    history = History.from_lists({"loss": loss})
    assert non_finite_marker(history, ("loss",)) == expected


@pytest.mark.parametrize(
    ("epochs", "expected_groups"),
    [
        ([3.0, 4.0, 5.0], [[3.0], [4.0], [5.0]]),
        ([3.0, 3.0, 9.0], [[3.0, 3.0], [9.0]]),
        ([500.0, 510.0, 90_000.0], [[500.0, 510.0], [90_000.0]]),
    ],
)
def test_close_labels_grouped(
    epochs: list[float], expected_groups: list[list[float]]
) -> None:
    markers = tuple(Marker("best", epoch, f"e{epoch:g}") for epoch in epochs)
    span = max(epochs) - 1.0
    groups = group_close(markers, 1.0, span)
    assert [[marker.epoch for marker in group] for group in groups] == expected_groups


def test_describe_plot_lists_markers() -> None:
    markers = (
        Marker("best", 3.0, "best epoch 3"),
        Marker("stop", 5.0, "recommended stop epoch 5"),
    )
    text = describe_plot(("loss", "accuracy"), markers)
    assert text == (
        "Training and validation loss and accuracy by epoch; marked: best epoch 3; "
        "recommended stop epoch 5."
    )


def test_sparse_validation_and_fractional_epochs() -> None:
    history = History.from_lists(
        {
            "loss": [1.0, 0.8, 0.7, 0.6, 0.55, 0.5],
            "val_loss": [None, 0.9, None, 0.85, None, 0.95],
        },
        epochs=[0.5, 0.99, 1.5, 1.98, 2.5, 2.97],
    )
    svg = render_history(history, diagnose(history), fmt="svg")
    assert "val_loss" in svg_texts(svg)


NAN = float("nan")
INF = float("inf")


@pytest.mark.parametrize(
    "series",
    [
        {"loss": [1.0, 0.8, 0.6, 0.5], "val_loss": [NAN, NAN, NAN, NAN]},
        {"loss": [INF, INF, INF]},
        {"loss": [0.5] * 5, "val_loss": [0.5] * 5, "accuracy": [0.1] * 5},
        {"loss": [-1.0, -2.0, -3.0, -4.0], "val_loss": [-1.0, -1.5, -1.2, -1.0]},
        {"loss": [1e300, 1e200, 1e100, 1.0], "val_loss": [1e308, 1e10, 1.0, 0.5]},
        {"loss": [1e-12, 1e-13, 1e-14]},
        {"val_loss": [None, 0.9, None, 0.8, None]},
    ],
    ids=[
        "val-all-nan",
        "all-inf",
        "constant",
        "negative",
        "near-max",
        "tiny",
        "sparse",
    ],
)
def test_degenerate_history_renders(series: dict[str, list[float | None]]) -> None:
    history = History.from_lists(series)
    diagnosis = diagnose(history)
    png = render_history(history, diagnosis, fmt="png")
    assert Image.open(io.BytesIO(png)).size == (
        WIDTH_PX,
        PANEL_HEIGHT_PX * len(plan_panels(history)),
    )


def test_long_history_draws_bounded_points() -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    epochs = np.arange(1, n + 1, dtype=float)
    train = 1.0 / np.sqrt(epochs) + rng.normal(0.0, 0.01, n)
    val = 1.0 / np.sqrt(epochs) + 1e-6 * epochs + rng.normal(0.0, 0.02, n)
    history = History.from_lists({"loss": list(train), "val_loss": list(val)})
    svg = render_history(history, diagnose(history), fmt="svg")
    # Two curves of 4,000 points each, raw and smoothed, at about 25 bytes a point.
    assert len(svg) < 1_500_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "gif"}, "fmt must be 'png' or 'svg', got 'gif'"),
        ({"smoothing": 1.0}, r"smoothing must be in \[0, 1\), got 1.0"),
        ({"smoothing": -0.1}, r"smoothing must be in \[0, 1\), got -0.1"),
    ],
)
def test_invalid_arguments_rejected(kwargs: dict, message: str) -> None:
    run = load_run(OVERFIT)
    with pytest.raises(ValueError, match=message):
        render_history(run.request.history, run.diagnosis, **kwargs)


def test_history_without_loss_or_accuracy_rejected() -> None:
    history = History.from_lists({"lr": [0.1, 0.1, 0.01]})
    with pytest.raises(
        ValueError, match=r"no loss or accuracy series to plot, got series \['lr'\]"
    ):
        plan_panels(history)
