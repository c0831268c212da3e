"""Relational storage: SQLAlchemy 2 models, sessions scoped to a tenant, Alembic migrations."""
