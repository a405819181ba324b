"""Data only: the events, decisions, policy files and clause catalogue as pydantic models."""
