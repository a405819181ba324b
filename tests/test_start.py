"""`check` and `explain` start without the modules only other commands need (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What `serve`, `audit`, `lint` and the tests need, and `check`/`explain` must not pay for.
HEAVY = (
    "networkx",
    "fastapi",
    "starlette",
    "uvicorn",
    "dask",
    "distributed",
    "openpyxl",
    "hypothesis",
    "sqlite3",
    "multiprocessing",
)


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_command_line_imports_none_of_the_heavy_modules() -> None:
    assert _imported_after("from salesops_rules.cli import build_parser, main; build_parser()") == []


def test_the_library_imports_none_of_them_either() -> None:
    assert _imported_after("import salesops_rules") == []


def test_explain_from_the_cache_makes_only_the_events_kind(tmp_path: Path) -> None:
    """A warm run of `explain` makes the model of the example's kind, not the 21 of the pack."""
    example = ROOT / "examples" / "new-customer-custom-order.json"
    probe = (
        "import contextlib, io, json, sys\n"
        "from salesops_rules.cli import main\n"
        "from salesops_rules.core import eventkinds\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['explain', {str(example)!r}])\n"
        "(kinds,) = eventkinds._BUILT.values()\n"
        "lazy = getattr(kinds.adapter, 'lazy', None)\n"
        "made = None if lazy is None else [sorted(lazy.infos), lazy.whole is not None]\n"
        "print(json.dumps([code, type(kinds.adapter).__name__, made]))"
    )
    env = {**os.environ, "SALESOPS_RULES_CACHE": str(tmp_path / "cache")}
    said = [
        json.loads(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(
            2
        )  # the first loads the YAML (every kind built) and writes the cache; the second reads it
    ]
    assert said == [[0, "TypeAdapter", None], [0, "LazyAdapter", [["contract"], False]]]


# ---- what a warm `explain` imports and builds (issue 13: `explain` in 150 ms) ----
#
# No test here times anything: the gain is guarded by what the command does not do. A module
# imported or a model built again on this path shows as a failure here, not as a slower run.

# Imported only to load a pack from its YAML, to lint it, audit a ledger or serve: never by a
# command deciding one event from a cached pack.
NOT_ON_THE_WARM_PATH = (
    *HEAVY,
    "yaml",
    "salesops_rules.core.loader",
    "salesops_rules.core.yamlsource",
    "salesops_rules.core.loading",
    "salesops_rules.core.ledger_rules",
    "salesops_rules.model.policy",
    "salesops_rules.model.labels",
    "salesops_rules.cli.audit",
    "salesops_rules.cli.service",
    "salesops_rules.cli.editor",
    "salesops_rules.cli.coverage",
    "salesops_rules.tools",
    "salesops_rules.audit",
    "salesops_rules.service",
)


def _warm_explain(tmp_path: Path, command: str = "explain") -> dict[str, object]:
    """What a second `explain` (the pack read from the cache) imported and built, in a fresh process."""
    example = ROOT / "examples" / "new-customer-custom-order.json"
    probe = (
        "import contextlib, io, json, sys\n"
        "from pydantic import BaseModel\n"
        "from salesops_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main([{command!r}, {str(example)!r}])\n"
        "def models(module):\n"
        "    found = vars(sys.modules[module]).values()\n"
        "    return {m.__name__: m.__pydantic_complete__ for m in found\n"
        "            if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == module}\n"
        "from salesops_rules.core import eventkinds\n"
        "(kinds,) = eventkinds._BUILT.values()\n"
        "lazy = getattr(kinds.adapter, 'lazy', None)  # None: a pack loaded from YAML, every kind built\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules),\n"
        "    'decision': models('salesops_rules.model.decision'),\n"
        "    'citation': models('salesops_rules.model.citation'),\n"
        "    'events': models('salesops_rules.model.events'),\n"
        "    'event_spec': models('salesops_rules.model.event_spec'),\n"
        "    'catalogue': models('salesops_rules.model.catalogue'),\n"
        "    'kinds': None if lazy is None else sorted(lazy.infos)}))"
    )
    env = {**os.environ, "SALESOPS_RULES_CACHE": str(tmp_path / "cache")}
    said = []
    for _ in range(2):  # the first loads the YAML and writes the cache; the second reads it
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        said.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return said[1]


def test_a_warm_explain_imports_neither_yaml_nor_the_loader_nor_other_commands(tmp_path: Path) -> None:
    said = _warm_explain(tmp_path)
    assert said["code"] == 0
    modules = set(said["modules"])  # type: ignore[arg-type]
    imported = sorted(
        m for m in modules if m.split(".")[0] in NOT_ON_THE_WARM_PATH or m in NOT_ON_THE_WARM_PATH
    )
    imported += sorted(m for m in modules for top in NOT_ON_THE_WARM_PATH if m.startswith(top + "."))
    assert imported == []
    assert "salesops_rules.core.cache" in modules  # the probe did read the pack from the cache
    assert said["kinds"] == ["contract"]


def test_a_warm_explain_builds_no_model_of_the_decision_nor_of_the_declaration(tmp_path: Path) -> None:
    """The decision is assembled (`Frozen.assemble`), its text written from its fields: none of
    its models needs pydantic's schema built; nor do the models of events.yaml and the
    catalogue, read from the cache as they were kept. Only the event's kind is built."""
    for command in ("explain", "check"):
        said = _warm_explain(tmp_path, command)
        for module in ("decision", "citation", "event_spec", "catalogue"):
            built = sorted(name for name, complete in said[module].items() if complete)  # type: ignore[attr-defined]
            assert built == [], (command, module)
        assert said["events"] == {"Strict": False, "EventBase": False}, command


def test_the_library_and_the_command_line_import_no_model_on_their_own() -> None:
    """`import salesops_rules` and `import salesops_rules.cli` import neither pydantic nor the
    engine: the names are there on first use (PEP 562), the commands' modules on their run."""
    probe = (
        "import json, sys\n"
        "import salesops_rules, salesops_rules.cli\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pydantic', 'salesops_rules.')))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "salesops_rules.cli",
        "salesops_rules.cli.codes",
        "salesops_rules.errors",
    ]


def test_every_public_name_is_importable_as_before() -> None:
    from pydantic import BaseModel

    import salesops_rules
    from salesops_rules import Decision, EventError, Finding, Policy, PolicyError, load_policy
    from salesops_rules.errors import EventError as ErrorsEventError
    from salesops_rules.model.decision import Decision as ModelDecision

    assert Decision is ModelDecision and issubclass(Decision, BaseModel)
    assert EventError is ErrorsEventError and issubclass(EventError, ValueError)
    assert {Finding.__name__, Policy.__name__, PolicyError.__name__, load_policy.__name__} == {
        "Finding",
        "Policy",
        "PolicyError",
        "load_policy",
    }
    assert set(salesops_rules.__all__) <= set(dir(salesops_rules))
    for name in salesops_rules.__all__:
        assert getattr(salesops_rules, name) is not None
    assert salesops_rules.__version__
    try:
        salesops_rules.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_a_decision_validates_and_dumps_as_before_once_its_models_are_built() -> None:
    """Deferred models build on first use: pydantic's dump of an assembled decision is its
    `to_json`, and the JSON validates back into an equal decision."""
    from salesops_rules import Decision, load_policy

    event = json.loads((ROOT / "examples" / "new-customer-custom-order.json").read_text(encoding="utf-8"))
    decision = load_policy().evaluate(event)
    assert decision.model_dump(mode="json") == decision.to_json()
    assert Decision.model_validate(decision.to_json()).to_json() == decision.to_json()
    assert Decision.model_json_schema()["title"] == "Decision"


def test_each_module_registers_the_commands_the_table_names() -> None:
    """`COMMANDS` (which module to import for a command) says what each module registers."""
    import argparse
    import importlib

    from salesops_rules import cli

    for module, names in cli.COMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"salesops_rules.cli.{module}").register(sub)
        assert tuple(sub.choices) == names, module


def test_the_console_script_runs_a_command_and_says_its_usage_errors_as_the_whole_parser(
    tmp_path: Path,
) -> None:
    """`run` (the console script) decides as `main` does; a usage error lists every command."""
    example = ROOT / "examples" / "new-customer-custom-order.json"
    env = {**os.environ, "SALESOPS_RULES_CACHE": str(tmp_path / "cache")}
    launch = "from salesops_rules.cli import run; run()"
    check = subprocess.run(
        [sys.executable, "-c", launch, "check", "--json", str(example)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["event_id"] == "HT-2011-1207"
    for words in (["--policy"], ["explain"], ["nonsense"], ["explain", "--lang", "fr", str(example)]):
        done = subprocess.run([sys.executable, "-c", launch, *words], capture_output=True, text=True, env=env)
        assert done.returncode == 2, words
        assert "error:" in done.stderr.splitlines()[-1], words
    usage = subprocess.run(
        [sys.executable, "-c", launch, "nonsense"], capture_output=True, text=True, env=env
    )
    assert "{check,explain,serve,log,coverage,lint,schema,test,diff,audit}" in usage.stderr


def test_check_and_explain_run_without_pydantic_plugins_unless_the_caller_says(tmp_path: Path) -> None:
    """`run` sets PYDANTIC_DISABLE_PLUGINS for `check` and `explain` only, and never over a
    value the caller set (an empty one keeps every plugin)."""
    example = ROOT / "examples" / "new-customer-custom-order.json"
    launch = (
        "import atexit, os, sys\n"
        "atexit.register(lambda: print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS')),\n"
        "    'importlib.metadata' in sys.modules, file=sys.stderr))\n"
        "from salesops_rules.cli import run\n"
        "run()"
    )
    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    base["SALESOPS_RULES_CACHE"] = str(tmp_path / "cache")
    # With plugins off, pydantic's plugin loader (and the `importlib.metadata` it imports) is
    # stood in for (`cli._NoPlugins`); with them on, the real one looks them up.
    cases = [
        (["check", str(example)], {}, "'__all__' False"),
        (["explain", str(example)], {}, "'__all__' False"),
        (["explain", str(example)], {"PYDANTIC_DISABLE_PLUGINS": ""}, "'' True"),
        (["explain", str(example)], {"PYDANTIC_DISABLE_PLUGINS": "some_plugin"}, "'some_plugin' True"),
        (["schema", "roles"], {}, "None True"),
    ]
    for words, extra, said in cases:
        done = subprocess.run(
            [sys.executable, "-c", launch, *words], capture_output=True, text=True, env={**base, **extra}
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines()[-1] == said, words


def test_the_stand_in_for_pydantics_plugin_loader_gives_way_to_the_real_one() -> None:
    """Asked for anything but `get_plugins` (a later pydantic's name), the stand-in puts the real
    loader back in its place and answers from it; `get_plugins` answers as the real one does
    with plugins off."""
    probe = (
        "import json, os, sys\n"
        "os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
        "from salesops_rules import cli\n"
        "stub = sys.modules.setdefault(cli._PLUGIN_LOADER, cli._NoPlugins(cli._PLUGIN_LOADER))\n"
        "from pydantic.plugin._loader import get_plugins\n"
        "first = [tuple(get_plugins()), sys.modules[cli._PLUGIN_LOADER] is stub, hasattr(stub, '__path__')]\n"
        "group = stub.PYDANTIC_ENTRY_POINT_GROUP\n"
        "real = sys.modules[cli._PLUGIN_LOADER]\n"
        "print(json.dumps([*first, group, real is not stub, tuple(real.get_plugins())]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[], True, False, "pydantic", True, []]


def test_the_cached_words_of_labels_serve_their_own_pack_only(tmp_path: Path) -> None:
    """The words of labels.yaml a cached pack brings are for that compiled pack: the same folder
    loaded again after an edit of the file reads the file (no stale words in a long process)."""
    import shutil

    from salesops_rules.core import cache, loader
    from salesops_rules.core.labels import labels_of

    root = tmp_path / "pack"
    shutil.copytree(ROOT / "policy", root)
    folder = tmp_path / "cache"
    cache.load_policy(root, folder)  # loads the YAML and writes the cache
    cached = cache.load_policy(root, folder)  # read back, with the words of labels.yaml
    before = labels_of(cached).kind("contract", "en")
    labels = root / "labels.yaml"
    text = labels.read_text(encoding="utf-8")
    assert "\nkinds: {}\n" in text
    edited = text.replace("\nkinds: {}\n", "\nkinds:\n  contract: {zh: 合同甲, en: a contract edited}\n", 1)
    labels.write_text(edited, encoding="utf-8")
    fresh = loader.load_policy(root)
    assert labels_of(fresh).kind("contract", "en") == "a contract edited" != before
    assert labels_of(cached).kind("contract", "en") == before  # the cached pack keeps its own
