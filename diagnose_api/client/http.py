"""``DiagnoseClient``: the HTTP API from Python, on the standard library only.

Requests are JSON written by Python's ``json`` module, so NaN and infinite
losses travel as the ``NaN`` and ``Infinity`` tokens that the service
accepts. Error responses raise ``ApiError`` with the problem details.

Retries: a request that fails to connect, times out, loses its connection
or receives a 5xx status is sent again after ``backoff * 2**k`` seconds,
k = 0, 1, ..., at most ``retries`` times. 4xx statuses are raised at once.
``create_run`` is not idempotent, so it is retried only when the request
could not be sent and on 503, which the service returns before writing.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from collections.abc import Mapping
from email.message import Message
from typing import Any

from diagnose_api.client.errors import ApiError
from diagnose_api.client.errors import ClientError
from diagnose_api.client.errors import TransportError

logger = logging.getLogger(__name__)

USER_AGENT = "diagnose-api-client/0.1.0"
JSON_TYPE = "application/json"
SERVICE_UNAVAILABLE = 503


class DiagnoseClient:
    """Client of a diagnose-api service.

    Parameters
    ----------
    base_url : str
        Root URL of the service, such as ``http://127.0.0.1:8000``.
    api_key : str or None, default None
        Sent as ``Authorization: Bearer <api_key>`` when given.
    timeout : float, default 5.0
        Seconds to wait for the connection and for each read, > 0.
    retries : int, default 3
        Retries after the first attempt, >= 0.
    backoff : float, default 0.5
        Wait before the first retry in seconds, doubled before each next
        one, >= 0.

    Raises
    ------
    ValueError
        If ``base_url`` is not an http or https URL, or a number is out of
        range.

    Examples
    --------
    >>> client = DiagnoseClient("http://127.0.0.1:8000")  # doctest: +SKIP
    >>> run = client.create_run(name="mnist", options={"patience": 3})  # doctest: +SKIP
    >>> client.append_epochs(run["id"], {"epoch": 1, "loss": 0.9})  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(
                f"base_url must be an http:// or https:// URL, got {base_url!r}"
            )

        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")

        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be an integer >= 0, got {retries!r}")

        if not backoff >= 0:
            raise ValueError(f"backoff must be >= 0 seconds, got {backoff!r}")

        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = float(backoff)
        self._opener = urllib.request.build_opener()

    def diagnose(
        self,
        history: Mapping[str, Iterable[float | None]],
        epochs: Iterable[float] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Diagnose one history, such as Keras' ``model.fit(...).history``."""
        body: dict[str, Any] = {
            "history": {name: list(values) for name, values in history.items()}
        }
        if epochs is not None:
            body["epochs"] = list(epochs)
        if options is not None:
            body["options"] = dict(options)

        result: dict[str, Any] = self._request("POST", "/v1/diagnoses", body=body)
        return result

    def create_run(
        self,
        name: str | None = None,
        tags: Iterable[str] = (),
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a live run; ``options`` is the stop rule to apply to it."""
        body: dict[str, Any] = {"name": name, "tags": list(tags)}
        if options is not None:
            body["options"] = dict(options)

        result: dict[str, Any] = self._request(
            "POST", "/v1/runs", body=body, idempotent=False
        )
        return result

    def append_epochs(
        self,
        run_id: str,
        epochs: Mapping[str, Any] | Iterable[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Append one epoch object, or several, such as ``{"epoch": 3, "loss": 0.4}``.

        Resending an epoch with the same values is reported in ``unchanged``;
        resending it with other values raises ``ApiError`` with status 409.
        """
        if isinstance(epochs, Mapping):
            body: Any = dict(epochs)
        else:
            body = {"epochs": [dict(epoch) for epoch in epochs]}

        result: dict[str, Any] = self._request(
            "POST", f"{self._run_path(run_id)}/epochs", body=body
        )
        return result

    def get_diagnosis(self, run_id: str) -> dict[str, Any]:
        """Return the diagnosis of the run's epochs so far, with ``should_stop``."""
        result: dict[str, Any] = self._request(
            "GET", f"{self._run_path(run_id)}/diagnosis"
        )
        return result

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the run and its stored epochs."""
        result: dict[str, Any] = self._request("GET", self._run_path(run_id))
        return result

    def delete_run(self, run_id: str) -> None:
        """Delete the run and its epochs.

        NOTE: when a response is lost and the retried DELETE finds the run
        already gone, this raises ``ApiError`` with status 404.
        """
        self._request("DELETE", self._run_path(run_id))

    def list_runs(
        self,
        tag: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """Return one page of runs, newest first: ``runs`` and ``next_cursor``."""
        query = {"tag": tag, "limit": limit, "cursor": cursor}
        result: dict[str, Any] = self._request("GET", "/v1/runs", query=query)
        return result

    def _run_path(self, run_id: str) -> str:
        return "/v1/runs/" + urllib.parse.quote(run_id, safe="")

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """Send one request with retries and return its decoded JSON body.

        Raises
        ------
        ApiError
            On a 4xx status, or a 5xx status after the last retry.
        TransportError
            When the service stayed unreachable through the last retry.
        """
        url = self.base_url + path
        present = {
            name: value for name, value in (query or {}).items() if value is not None
        }
        if present:
            url += "?" + urllib.parse.urlencode(present)

        data = None
        if body is not None:
            data = json.dumps(body, allow_nan=True, default=_to_json).encode("utf-8")

        attempt = 0
        while True:
            try:
                return self._send(method, url, data)
            except ApiError as error:
                retriable = error.status >= 500 and (
                    idempotent or error.status == SERVICE_UNAVAILABLE
                )
                if not retriable or attempt >= self.retries:
                    raise
                failure: Exception = error
            except urllib.error.URLError as error:
                # urllib raises URLError when the request could not be sent,
                # so the service has not acted on it and a retry is safe.
                if attempt >= self.retries:
                    raise TransportError(
                        f"{method} {url} failed: {error.reason}"
                    ) from error
                failure = error
            except (OSError, http.client.HTTPException) as error:
                # Sent, but the response was lost or late: only an idempotent
                # request may be sent again.
                if not idempotent or attempt >= self.retries:
                    raise TransportError(f"{method} {url} failed: {error!r}") from error
                failure = error

            delay = self.backoff * 2**attempt
            attempt += 1
            logger.info(
                "retrying %s %s in %.2f s (retry %d of %d) after %s",
                method,
                url,
                delay,
                attempt,
                self.retries,
                failure,
            )
            time.sleep(delay)

    def _send(self, method: str, url: str, data: bytes | None) -> Any:
        headers = {"Accept": JSON_TYPE, "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = JSON_TYPE
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key}"

        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            with error:
                raw_error = error.read()
            raise _api_error(
                error.code, error.reason, error.headers, raw_error
            ) from None

        if not raw:
            return None

        try:
            return json.loads(raw)
        except ValueError as error:
            raise ClientError(
                f"{method} {url} returned a body that is not JSON: {raw[:80]!r}"
            ) from error


def _api_error(status: int, reason: str, headers: Message, raw: bytes) -> ApiError:
    """Build an ``ApiError`` from an error response, problem+json or not."""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None

    if isinstance(body, dict) and ("title" in body or "detail" in body):
        errors = body.get("errors")
        return ApiError(
            status=status,
            title=str(body.get("title") or reason),
            detail=str(body.get("detail") or ""),
            errors=errors if isinstance(errors, dict) else None,
            type=body.get("type"),
            body=body,
        )

    text = raw.decode("utf-8", errors="replace").strip()[:200]
    content_type = headers.get_content_type() if headers is not None else "unknown"
    return ApiError(
        status=status,
        title=str(reason or "HTTP error"),
        detail=text or f"HTTP {status} with an empty {content_type} body",
    )


def _to_json(value: Any) -> Any:
    """Convert numpy and torch values, which ``json`` cannot write, to Python."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()

    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
