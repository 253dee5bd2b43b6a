"""The panels of a history plot and the series drawn in each."""

from __future__ import annotations

from dataclasses import dataclass

from diagnose_api.analysis.history import History
from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles


@dataclass(frozen=True)
class Panel:
    """One axes of the plot: a title and the series drawn in it.

    Attributes
    ----------
    kind : str
        ``"loss"`` or ``"accuracy"``.
    train : str or None
        Name of the training series, as the client sent it.
    val : str or None
        Name of the validation series.
    """

    kind: str
    train: str | None
    val: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name in (self.train, self.val) if name is not None)


def plan_panels(history: History) -> tuple[Panel, ...]:
    """Plan a loss panel and, when accuracy is logged, an accuracy panel below it.

    Series are picked by role (``loss``/``val_loss``, ``accuracy``/
    ``val_accuracy`` and their aliases); other metrics are not drawn.

    Raises
    ------
    ValueError
        If the history has neither a loss nor an accuracy series.
    """
    roles = assign_roles(list(history.series))
    panels = []
    loss = Panel("loss", roles.get(Role.TRAIN_LOSS), roles.get(Role.VAL_LOSS))
    if loss.names:
        panels.append(loss)
    accuracy = Panel(
        "accuracy", roles.get(Role.TRAIN_ACCURACY), roles.get(Role.VAL_ACCURACY)
    )
    if accuracy.names:
        panels.append(accuracy)
    if not panels:
        raise ValueError(
            "history has no loss or accuracy series to plot, got series "
            f"{sorted(history.series)}"
        )
    return tuple(panels)
