"""FastAPI dependencies shared by the REST API: settings and the calling tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.keys import ApiPrincipal, resolve_api_key
from integrations.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="a tenant API key: `bmad apikeys create`")


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


class Unauthorized(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=401,
            detail={
                "code": "unauthorized",
                "message": "a valid API key is required: Authorization: Bearer <key>",
            },
            headers={"WWW-Authenticate": "Bearer"},
        )


def api_principal(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiPrincipal:
    """The tenant behind the bearer key; 401 for a missing, unknown or revoked key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    principal = resolve_api_key(settings.database_url, credentials.credentials)
    if principal is None:
        raise Unauthorized()
    request.state.tenant_id = principal.tenant_id  # for the access log line
    return principal


PrincipalDep = Annotated[ApiPrincipal, Depends(api_principal)]


class ReadOnlyKey(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=403,
            detail={
                "code": "read_only_key",
                "message": "this API key acts for no user, so it may only read; "
                "create one with `bmad apikeys create --user <id>` to act",
            },
        )


def acting_principal(principal: PrincipalDep) -> ApiPrincipal:
    """Starting or deciding work needs a key bound to a person (their role, their rate
    limit, their name in the audit log); a key without a user is read-only."""
    if not principal.bound:
        raise ReadOnlyKey()
    return principal


ActingPrincipalDep = Annotated[ApiPrincipal, Depends(acting_principal)]
