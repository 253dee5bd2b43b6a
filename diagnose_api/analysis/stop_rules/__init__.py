"""Stop rules replayed on a logged series: what each would have done.

Every rule works on 0-based positions in the array it receives, and the
caller maps positions to the run's epoch numbers.
"""

from diagnose_api.analysis.stop_rules.keras import KerasStopResult
from diagnose_api.analysis.stop_rules.keras import improves
from diagnose_api.analysis.stop_rules.keras import simulate_keras
from diagnose_api.analysis.stop_rules.lightning import LightningStopResult
from diagnose_api.analysis.stop_rules.lightning import simulate_lightning
from diagnose_api.analysis.stop_rules.prechelt import CriterionResult
from diagnose_api.analysis.stop_rules.prechelt import PrecheltResult
from diagnose_api.analysis.stop_rules.prechelt import simulate_prechelt
from diagnose_api.analysis.stop_rules.recommended import RecommendedStopRule
from diagnose_api.analysis.stop_rules.recommended import recommend_stop_rule

__all__ = [
    "CriterionResult",
    "KerasStopResult",
    "LightningStopResult",
    "PrecheltResult",
    "RecommendedStopRule",
    "improves",
    "recommend_stop_rule",
    "simulate_keras",
    "simulate_lightning",
    "simulate_prechelt",
]
