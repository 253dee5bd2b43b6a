"""The error envelope, application/problem+json (RFC 9457)."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields


class ProblemSchema(Schema):
    type = fields.String(
        required=True, metadata={"description": "URI of the problem type."}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field path (history.val_loss[7]) -> messages."},
    )
    request_id = fields.String()
