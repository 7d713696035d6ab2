"""Alembic migrations of the service database: one linear chain, run by :func:`fentrace.service.db.migrate`."""
