"""Stop rules replayed on a logged series: what each would have done.

Every rule works on 0-based positions in the array it receives; the caller
maps positions to the run's epoch numbers.
"""

from diagnose_api.analysis.stop_rules.keras import KerasStopResult
from diagnose_api.analysis.stop_rules.keras import improves
from diagnose_api.analysis.stop_rules.keras import simulate_keras
from diagnose_api.analysis.stop_rules.lightning import LightningStopResult
from diagnose_api.analysis.stop_rules.lightning import simulate_lightning

__all__ = [
    "KerasStopResult",
    "LightningStopResult",
    "improves",
    "simulate_keras",
    "simulate_lightning",
]
