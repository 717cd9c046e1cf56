"""Persistence: SQLModel tables, the engine, and the repository that maps rows to the core."""
