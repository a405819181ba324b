"""JSON Schemas of the policy file format, generated from the pydantic models.

The models in `model/policy.py` and `model/catalogue.py` are the one definition of the
format; these schemas are derived from them so that an editor's YAML plugin checks a file
while it is typed. They check the shape only: what needs the whole folder (expressions
against the event models, citations against the catalogue, approval graphs) is for
`salesops-rules lint`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# file type -> which files it describes. The names are all `salesops-rules` needs to build its
# parser; the models behind them are imported only when a schema is asked for (`_models`).
FILE_TYPES: dict[str, str] = {
    "policy": "policy.yaml: the policy's name, versions and the values a decision may carry",
    "regulation": "regulation.yaml: the clause catalogue, every article of the regulation",
    "roles": "roles.yaml: the roles and the named approval chains",
    "penalties": "penalties.yaml: the sanction of each violation code",
    "labels": "labels.yaml: the words of kinds, fields, values, codes and actions",
    # Not `events`: `schema events` prints the JSON Schemas of the events themselves.
    "event-kinds": "events.yaml: the event kinds, their fields, shapes, enums and checks",
    "rules": "any other *.yaml of the policy folder: a `rules:` list",
}


def _models() -> dict[str, type[BaseModel]]:
    from ..model.catalogue import Catalogue
    from ..model.event_spec import EventsFile
    from ..model.labels import LabelsFile
    from ..model.policy import Manifest, PenaltiesFile, RolesFile, RulesFile

    return {
        "policy": Manifest,
        "regulation": Catalogue,
        "roles": RolesFile,
        "penalties": PenaltiesFile,
        "labels": LabelsFile,
        "event-kinds": EventsFile,
        "rules": RulesFile,
    }


def file_schema(file_type: str) -> dict[str, Any]:
    """The schema of one file type (a key of FILE_TYPES)."""
    model, description = _models()[file_type], FILE_TYPES[file_type]
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": DIALECT,
        "title": f"salesops-rules {file_type} file",
        "description": description,
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def combined_schema() -> dict[str, Any]:
    """One schema for every file of a policy folder: each file must match one of the types."""
    from pydantic.json_schema import models_json_schema

    models = _models()
    keys, defs = models_json_schema([(models[t], "validation") for t in FILE_TYPES], by_alias=True)
    branches = []
    for file_type, description in FILE_TYPES.items():
        ref = keys[(models[file_type], "validation")]
        branches.append({**ref, "title": file_type, "description": description})
    return {
        "$schema": DIALECT,
        "title": "salesops-rules policy file",
        "description": "a file of a salesops-rules policy folder; which one is told by its top-level keys: "
        + "; ".join(FILE_TYPES.values()),
        "anyOf": branches,
        **defs,
    }


def file_names() -> dict[str, str]:
    """The name `schema --out` writes each schema under."""
    names = {t: f"{t}.schema.json" for t in FILE_TYPES}
    names["all"] = "policy-files.schema.json"
    return names
