"""Map metric names to the four roles and decide each metric's direction.

A name is normalized first: lower case, ``/`` and ``-`` read as ``_``, and
Lightning's ``_epoch`` suffix dropped (``val_loss_epoch`` is ``val_loss``);
names ending in ``_step`` are per-step values and take no role. The split
prefix (``val_``, ``valid_``, ``validation_``, ``eval_``, ``dev_`` for
validation; ``train_``, ``training_`` or none for training) then decides the
split, and the rest decides the kind (loss or accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

VALIDATION_PREFIXES = ("validation_", "valid_", "val_", "eval_", "dev_")
TRAINING_PREFIXES = ("training_", "train_")

LOSS_NAMES = frozenset({"loss"})
ACCURACY_NAMES = frozenset(
    {
        "acc",
        "accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "binary_accuracy",
    }
)

# Metric kinds that are better when larger, after the split prefix is removed.
# Keras 3 reads the direction from each metric object. From a name alone, this
# list reproduces its choices for the built-in metrics.
MAXIMIZED_NAMES = frozenset(
    {
        "acc",
        "accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "binary_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "auc",
        "roc_auc",
        "pr_auc",
        "precision",
        "recall",
        "f1",
        "f1_score",
        "fbeta_score",
        "iou",
        "mean_iou",
        "miou",
        "dice",
        "r2",
        "r2_score",
        "map",
        "bleu",
        "rouge",
        "exact_match",
        "matthews_correlation",
        "specificity",
        "sensitivity",
    }
)
MINIMIZED_NAMES = frozenset(
    {
        "loss",
        "mse",
        "mae",
        "mape",
        "msle",
        "rmse",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
        "logcosh",
        "log_cosh",
        "kld",
        "kl_divergence",
        "poisson",
        "crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "binary_crossentropy",
        "cosine_proximity",
        "error",
        "perplexity",
        "wer",
        "cer",
        "mean_squared_error",
        "mean_absolute_error",
        "mean_absolute_percentage_error",
        "mean_squared_logarithmic_error",
        "root_mean_squared_error",
    }
)


class Role(str, Enum):
    """Quantity that a series measures."""

    TRAIN_LOSS = "train_loss"
    VAL_LOSS = "val_loss"
    TRAIN_ACCURACY = "train_accuracy"
    VAL_ACCURACY = "val_accuracy"


class Direction(str, Enum):
    """Whether a metric improves by decreasing (min) or increasing (max)."""

    MIN = "min"
    MAX = "max"


@dataclass(frozen=True)
class NameParts:
    split: str  # "train" or "val"
    kind: str  # the name without split prefix or _epoch suffix


def normalize(name: str) -> str:
    """Return the lower-case, underscore-separated form of a metric name."""
    normalized = name.strip().lower().replace("/", "_").replace("-", "_")
    normalized = normalized.replace(" ", "_")
    if normalized.endswith("_epoch"):
        normalized = normalized[: -len("_epoch")]
    return normalized


def split_name(name: str) -> NameParts:
    """Split a metric name into its split (train or val) and its kind."""
    normalized = normalize(name)
    for prefix in VALIDATION_PREFIXES:
        if normalized.startswith(prefix):
            return NameParts("val", normalized[len(prefix) :])
    for prefix in TRAINING_PREFIXES:
        if normalized.startswith(prefix):
            return NameParts("train", normalized[len(prefix) :])
    return NameParts("train", normalized)


def role_of(name: str) -> Role | None:
    """Return the role of a metric name, or None for any other metric."""
    if normalize(name).endswith("_step"):
        return None
    parts = split_name(name)
    if parts.kind in LOSS_NAMES:
        return Role.VAL_LOSS if parts.split == "val" else Role.TRAIN_LOSS
    if parts.kind in ACCURACY_NAMES:
        return Role.VAL_ACCURACY if parts.split == "val" else Role.TRAIN_ACCURACY
    return None


def assign_roles(names: list[str]) -> dict[Role, str]:
    """Pick one series name per role.

    When several names map to one role (``acc`` and ``accuracy``), the first
    in the client's order wins, so the choice is stable.
    """
    roles: dict[Role, str] = {}
    for name in names:
        role = role_of(name)
        if role is not None and role not in roles:
            roles[role] = name
    return roles


def direction_of(name: str) -> Direction | None:
    """Return the direction of a metric, or None when the name does not decide.

    Rule: a kind in the maximized list, or one ending in ``acc``,
    ``accuracy`` or ``auc``, is maximized; a kind containing ``loss``,
    ``error`` or ``crossentropy``, or in the minimized list, is minimized.
    """
    kind = split_name(name).kind
    if kind in MAXIMIZED_NAMES or kind.endswith(("acc", "accuracy", "auc")):
        return Direction.MAX
    if kind in MINIMIZED_NAMES:
        return Direction.MIN
    if "loss" in kind or "error" in kind or "crossentropy" in kind:
        return Direction.MIN
    return None
