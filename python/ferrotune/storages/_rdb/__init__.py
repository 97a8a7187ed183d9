"""Relational database storage on Optuna's schema (SQLite, PostgreSQL, MySQL)."""

from __future__ import annotations

from ferrotune.storages._rdb.storage import RDBStorage

__all__ = ["RDBStorage"]
