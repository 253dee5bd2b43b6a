"""Python client of diagnose-api and training callbacks that use it.

``DiagnoseClient`` needs only the standard library. The callbacks live in
``diagnose_api.client.keras`` and ``diagnose_api.client.lightning`` and
import their framework when imported, so this package needs neither.
"""

from diagnose_api.client.errors import ApiError
from diagnose_api.client.errors import ClientError
from diagnose_api.client.errors import TransportError
from diagnose_api.client.http import DiagnoseClient

__all__ = ["ApiError", "ClientError", "DiagnoseClient", "TransportError"]
