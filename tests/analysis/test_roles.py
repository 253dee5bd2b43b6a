"""Metric names to roles and directions."""

from __future__ import annotations

import pytest

from diagnose_api.analysis.roles import Direction
from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles
from diagnose_api.analysis.roles import direction_of
from diagnose_api.analysis.roles import role_of


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("loss", Role.TRAIN_LOSS),
        ("train_loss", Role.TRAIN_LOSS),
        ("training_loss", Role.TRAIN_LOSS),
        ("train_loss_epoch", Role.TRAIN_LOSS),
        ("train/loss", Role.TRAIN_LOSS),
        ("val_loss", Role.VAL_LOSS),
        ("valid_loss", Role.VAL_LOSS),
        ("validation_loss", Role.VAL_LOSS),
        ("val_loss_epoch", Role.VAL_LOSS),
        ("eval_loss", Role.VAL_LOSS),
        ("val/loss", Role.VAL_LOSS),
        ("accuracy", Role.TRAIN_ACCURACY),
        ("acc", Role.TRAIN_ACCURACY),
        ("train_acc", Role.TRAIN_ACCURACY),
        ("val_accuracy", Role.VAL_ACCURACY),
        ("val_acc", Role.VAL_ACCURACY),
        ("val_acc_epoch", Role.VAL_ACCURACY),
        ("eval_accuracy", Role.VAL_ACCURACY),
        ("train_loss_step", None),
        ("lr", None),
        ("precision", None),
    ],
)
def test_role_of_name(name: str, role: Role | None) -> None:
    assert role_of(name) == role


def test_first_alias_wins() -> None:
    roles = assign_roles(["acc", "accuracy", "loss", "val_loss"])
    assert roles[Role.TRAIN_ACCURACY] == "acc"


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("val_mse", Direction.MIN),
        ("loss", Direction.MIN),
        ("acc", Direction.MAX),
        ("val_accuracy", Direction.MAX),
        ("hinge", Direction.MIN),
        ("f1_score", Direction.MAX),
        ("val_auc", Direction.MAX),
        ("eval_perplexity", Direction.MIN),
        ("zeta", None),
    ],
)
def test_direction_of_name(name: str, direction: Direction | None) -> None:
    assert direction_of(name) == direction
