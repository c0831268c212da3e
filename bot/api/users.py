"""PUT /api/v1/users/{id}: an admin sets a user's email address, email opt-outs or role.

The same rules as the CLI and Slack: addresses are validated and audited
(`integrations.email.addresses`), role changes go through `agents.roles.change_role`
(manage_roles, never above the caller's own role, the last owner kept, audited).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from agents.access import PermissionDenied, require
from agents.roles import RoleChangeRefused, change_role
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, ID_PATTERN, ErrorOut
from bot.errors import error_body
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import find_user, role_of
from integrations.email.addresses import _ADDRESS, EMAIL_KINDS, InvalidEmail, set_email, set_opt_out

router = APIRouter(tags=["users"])
ADDRESS_PATTERN = _ADDRESS.pattern.removeprefix("^").removesuffix("$")
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
# Documented as the enum it is; checked in put_user, which names the kinds in its 422.
# What clean_address accepts (surrounding whitespace is stripped), or '' to clear.
EmailIn = Annotated[
    str | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 0},
                {"type": "string", "maxLength": 254, "pattern": rf"^\s*{ADDRESS_PATTERN}\s*$"},
                {"type": "null"},
            ]
        }
    ),
]
EmailKind = Annotated[str, WithJsonSchema({"type": "string", "enum": list(EMAIL_KINDS)})]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailIn = Field(None, max_length=254, description="'' clears the address")
    email_opt_out: list[EmailKind] | None = Field(None, max_length=len(EMAIL_KINDS))
    role: Role | None = None


class UserOut(BaseModel):
    id: str
    email: str | None
    email_opt_out: list[str]
    role: str


@router.put(
    "/users/{user_id}",
    response_model=UserOut,
    responses={
        **ERRORS,
        403: {"model": ErrorOut, "description": "the key's user lacks manage_roles"},
        404: {"model": ErrorOut, "description": "no such user in this tenant"},
        409: {"model": ErrorOut, "description": "the tenant's last owner cannot be demoted"},
    },
)
def put_user(user_id: UserId, body: UserIn, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Set a user's email, email opt-outs and/or role (admin)."""
    actor = principal.user_id
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        try:
            require(role_of(session, actor), "manage_roles")
        except PermissionDenied as err:
            return error_body(403, "not_allowed", err.message, required_role=err.needed_role.value)
    if body.email_opt_out is not None and set(body.email_opt_out) - set(EMAIL_KINDS):
        return error_body(
            422, "invalid_request", f"email_opt_out: use some of {', '.join(EMAIL_KINDS)}"
        )
    if body.role is not None:
        try:
            change_role(
                settings,
                principal.tenant_id,
                actor_id=actor,
                target_id=user_id,
                role=body.role,
                source="api",
            )
        except PermissionDenied as err:
            return error_body(403, "not_allowed", err.message, required_role=err.needed_role.value)
        except RoleChangeRefused as err:
            return error_body(409, err.reason, "the tenant's last owner keeps the owner role")
    try:
        with tenant_session(settings.database_url, principal.tenant_id) as session:
            if body.email is not None:
                set_email(
                    session,
                    principal.tenant_id,
                    user_id,
                    body.email or None,
                    actor=f"api:{actor}",
                    source="api",
                )
            if body.email_opt_out is not None:
                set_opt_out(
                    session,
                    principal.tenant_id,
                    user_id,
                    body.email_opt_out,
                    actor=f"api:{actor}",
                    source="api",
                )
    except InvalidEmail:
        return error_body(422, "invalid_email", "email: not an email address")
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        user = find_user(session, user_id)
        if user is None:
            return error_body(404, "unknown_user", "no such user")
        return UserOut(
            id=user.external_id,
            email=user.email,
            email_opt_out=list(user.email_opt_out or []),
            role=user.role.value,
        )
