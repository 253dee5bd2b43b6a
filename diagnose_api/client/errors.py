"""Exceptions of the diagnose-api client, all subclasses of ``ClientError``."""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base class of every error the client raises on purpose."""


class TransportError(ClientError):
    """The service could not be reached, or did not respond in time.

    Raised after the last retry; ``__cause__`` is the last ``OSError``.
    """


class ApiError(ClientError):
    """The service returned an error status.

    The attributes are the members of the ``application/problem+json`` body
    (RFC 9457). A body that is not a problem document leaves ``errors``
    empty, and ``title`` and ``detail`` come from the status line and text.

    Attributes
    ----------
    status : int
        HTTP status code.
    title : str
        Short summary of the problem type.
    detail : str
        What went wrong with this request.
    errors : dict of str to list of str
        Messages keyed by field path, such as ``epochs[2].val_loss``.
    type : str or None
        URI of the problem type.
    body : dict
        The whole problem document, extension members included.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        type: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or {}
        self.type = type
        self.body = body or {}
