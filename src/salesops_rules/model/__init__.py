"""Data only: the events, decisions, policy files and clause catalogue as pydantic models,
and the one JSON reader events are read with (`jsonread`), whose bounds the models share."""
