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
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiPrincipal:
    """The tenant behind the bearer key; 401 for a missing, unknown or revoked key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    principal = resolve_api_key(settings.database_url, credentials.credentials)
    if principal is None:
        raise Unauthorized()
    return principal


PrincipalDep = Annotated[ApiPrincipal, Depends(api_principal)]
