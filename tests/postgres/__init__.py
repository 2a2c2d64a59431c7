"""Tests against a PostgreSQL server; a package so its conftest does not shadow tests/conftest.py."""
