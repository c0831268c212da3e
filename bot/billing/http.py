"""What the billing HTTP edges share: the OpenAPI description of their error answers and
of a raw JSON body (read as bytes, verified before it is parsed)."""

from __future__ import annotations

from typing import Any

from bot.api.schemas import ErrorOut

RAW_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}}


def error_responses(**statuses: str) -> dict[int | str, dict[str, Any]]:
    """`s401="why"` -> {401: {model: ErrorOut, description: "why"}}."""
    return {
        int(code[1:]): {"model": ErrorOut, "description": why} for code, why in statuses.items()
    }
