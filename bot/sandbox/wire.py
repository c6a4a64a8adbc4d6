"""Requests and responses as the sandbox's routes see them, and body decoding.

Slack accepts the same parameters three ways: in the query string, as a form
(`application/x-www-form-urlencoded` or multipart) or as a JSON object; a
token may come as `Authorization: Bearer ...` or as the `token` parameter.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(status, body, headers=headers or {})

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), "text/plain; charset=utf-8")


class BadBody(ValueError):
    """The body could not be decoded as its content type says."""


def query_params(query: str) -> dict[str, Any]:
    """Last value wins, except `name[]` parameters, which collect every value."""
    params: dict[str, Any] = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        params[name] = values if name.endswith("[]") else values[-1]
    return params


def request_params(request: Request) -> dict[str, Any]:
    """Query string, then body, merged; raises BadBody on undecodable JSON."""
    params = query_params(request.query)
    kind = request.content_type
    if kind == "application/x-www-form-urlencoded" or (not kind and request.body):
        params.update(query_params(request.body.decode("utf-8", "replace")))
    elif kind == "application/json" and request.body:
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise BadBody("invalid_json") from exc
        if not isinstance(data, dict):
            raise BadBody("invalid_json")
        params.update(data)
    elif kind == "multipart/form-data":
        params.update(_multipart(request))
    return params


def _multipart(request: Request) -> dict[str, Any]:
    head = f"Content-Type: {request.header('content-type')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        fields[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def bearer_token(request: Request, params: dict[str, Any]) -> str | None:
    """The caller's token, taken out of `params` if it came as a parameter."""
    from_param = params.pop("token", None)
    auth = request.header("authorization")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return str(from_param) if from_param else None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """`Authorization: Basic` (how slack_sdk sends an app's client id and secret), decoded."""
    auth = request.header("authorization")
    if not auth.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password
