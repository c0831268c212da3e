"""All tables. Each concern has its own module; importing this package registers them all."""

from integrations.db.models.tenancy import Role, Tenant, User

__all__ = ["Role", "Tenant", "User"]
