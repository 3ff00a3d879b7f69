"""Every DVC stage declares what it runs: its code as deps, its params, and no path outside the repo.

The stages of ``dvc.yaml``, ``ablations/dvc.yaml`` and ``seeds/dvc.yaml`` are read through DVC itself
(``dvc.repo.Repo(...).index.stages``), so ``foreach``/``matrix`` templating and ``wdir`` are
resolved exactly as ``dvc repro`` resolves them. Three checks run per stage:

**Code deps.** Whatever Python code a stage's command runs must lie under one of its deps (a dep
covers a file when it is that file or a folder above it), or a change to it does not rerun the
stage. The code a command runs is found from its entry points:

* ``cxrqa SUB ...`` starts at the module that :data:`cxrqa.cli.COMMAND_MODULES` registers for
  ``SUB``. The dispatcher ``cxrqa/cli.py`` is *not* followed and needs no dep: it parses ``argv``
  and imports only that one module (``build_parser(only=SUB)``), computing nothing, and since it
  names every subcommand, depending on it would rerun every stage whenever any command is added.
  The package root ``cxrqa/__init__.py`` is followed like any package: it pins the CPU code paths
  (:mod:`cxrqa.determinism`), which every stage's numbers depend on.
* ``cxrqa report --notebook NB.py`` also runs the notebook (a jupytext percent script), and
  ``python SCRIPT.py`` (or ``python -m cxrqa.MOD``) its script: both are parsed with :mod:`ast`,
  every import at any depth counting; the notebook or script file itself must be a dep too.

From those modules the transitive ``cxrqa`` imports are followed in the graph that
import-linter uses (:func:`grimp.build_graph`), module-level and function-level imports alike;
imports under ``if TYPE_CHECKING:`` are left out (they never execute). Importing a module first
runs the ``__init__`` of each package above it, so those count too, with what they import. The
graph is built afresh from the source at each run, so a new module or subpackage (for example
``cxrqa/scoring``) is found as soon as a stage imports it.

**Params.** Every ``params`` entry (``train``, ``train.gray_level``, or ``params.yaml: [model,
train]``) is a section or a dotted key of its params file, resolved from the stage's ``wdir``
(``params.yaml`` by default); a file listed without keys must exist.

**Paths.** A stage reads nothing outside the repository: no dep, params file or command argument
(nor the value of a ``--opt=VALUE`` or ``KEY=VALUE`` argument, nor a string value of its declared
params) may be an absolute path or, resolved from the stage's ``wdir``, climb above the root.

Each check is also run on deliberately broken inputs below, so that none can pass vacuously.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
import posixpath
import shlex
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cxrqa"
DVC_FILES = ("dvc.yaml", "ablations/dvc.yaml", "seeds/dvc.yaml")

#: Modules whose code no stage needs as a dep (see the module docstring).
NOT_FOLLOWED = frozenset({"cxrqa.cli"})

#: Tokens that separate the commands of one shell command line.
SHELL_OPERATORS = frozenset({"&&", "||", ";", "|", "&"})

#: Programs that run a Python script or module.
PYTHONS = frozenset({"python", "python3"})

#: ``module -> the cxrqa modules it imports directly``.
DirectImports = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Stage:
    """One resolved DVC stage, its paths as written (relative to ``wdir``).

    Attributes
    ----------
    name : str
        DVC's address: ``train@gray_level``, ``ablations/dvc.yaml:ablation@mse-sharpness``.
    wdir : str
        The working directory relative to the repository root, POSIX (``.`` for the root).
    cmd : str
        The command line, with templates filled in.
    deps : tuple of str
        Dependency paths (params files excluded).
    params : tuple of (str, tuple of str)
        ``(params file, keys)`` per params entry; no keys means the whole file.
    """

    name: str
    wdir: str
    cmd: str
    deps: tuple[str, ...] = ()
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def from_root(self, path: str) -> str:
        """``path`` (relative to ``wdir``, or absolute) relative to the repository root, normalised.

        >>> Stage("s", "ablations", "").from_root("../data/raw/")
        'data/raw'
        """
        return posixpath.normpath(posixpath.join(self.wdir, path))


# --------------------------------------------------------------------------------------- reading


def load_stages(root: Path) -> list[Stage]:
    """Every stage of every ``dvc.yaml`` under ``root``, resolved by DVC."""
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo

    stages = []
    with Repo(str(root), uninitialized=True) as repo:
        for stage in repo.index.stages:
            wdir = Path(os.path.relpath(stage.wdir, root)).as_posix()
            deps = tuple(dep.def_path for dep in stage.deps if not isinstance(dep, ParamsDependency))
            params = tuple(
                (dep.def_path, tuple(dep.params or ())) for dep in stage.deps if isinstance(dep, ParamsDependency)
            )
            cmd = stage.cmd if isinstance(stage.cmd, str) else " && ".join(stage.cmd)
            stages.append(Stage(stage_address(stage, root), wdir, cmd, deps, params))
    return stages


def stage_address(stage, root: Path) -> str:
    """DVC's address of ``stage`` as seen from ``root`` (``train@gray_level``, ``ablations/dvc.yaml:ablation@x``)."""
    dvcfile = Path(os.path.relpath(stage.dvcfile.path, root)).as_posix()
    return stage.name if dvcfile == "dvc.yaml" else f"{dvcfile}:{stage.name}"


@functools.cache
def stages_of_repository() -> tuple[Stage, ...]:
    """The stages of this checkout, read once per test session."""
    return tuple(load_stages(ROOT))


@functools.cache
def package_graph():
    """grimp's import graph of ``cxrqa``, built from this checkout's source."""
    import grimp

    spec = importlib.util.find_spec(PACKAGE)
    found = Path(spec.origin).resolve().parent if spec and spec.origin else None
    assert found == ROOT / PACKAGE, f"'import {PACKAGE}' finds {found}, not this checkout's {ROOT / PACKAGE}"
    return grimp.build_graph(PACKAGE, cache_dir=None, exclude_type_checking_imports=True)


def command_modules() -> dict[str, str]:
    """``{subcommand: module}`` as the dispatcher registers them."""
    from cxrqa.cli import COMMAND_MODULES

    return dict(COMMAND_MODULES)


# ------------------------------------------------------------------------------- what a stage runs


def split_commands(cmd: str) -> list[list[str]]:
    """The argument lists of the commands in a shell command line.

    >>> split_commands("python a.py --x 1 && cxrqa train --out m; echo done")
    [['python', 'a.py', '--x', '1'], ['cxrqa', 'train', '--out', 'm'], ['echo', 'done']]
    """
    lexer = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in SHELL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [argv for argv in commands if argv]


def option_value(argv: list[str], option: str) -> str | None:
    """The value of ``option`` in ``argv`` (``--opt VALUE`` or ``--opt=VALUE``), else ``None``.

    >>> option_value(["cxrqa", "report", "--notebook=nb/a.py"], "--notebook")
    'nb/a.py'
    """
    for index, token in enumerate(argv):
        if token == option and index + 1 < len(argv):
            return argv[index + 1]
        if token.startswith(option + "="):
            return token.partition("=")[2]
    return None


def script_imports(path: Path, is_module: Callable[[str], bool]) -> set[str]:
    """The package modules a Python script imports anywhere (``from p import name``: ``p`` and
    ``p.name`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if is_module(name)}


@dataclass(frozen=True)
class EntryPoints:
    """Where a stage's command enters the code: package modules and files it runs directly."""

    modules: frozenset[str]
    files: frozenset[str]  # scripts and notebooks, relative to the root
    problems: tuple[str, ...] = ()


def entry_points(
    stage: Stage, root: Path, is_module: Callable[[str], bool], commands: Mapping[str, str]
) -> EntryPoints:
    """The modules and files each command of ``stage`` starts from (``commands``: subcommand to module)."""
    modules, files, problems = set(), set(), []
    for argv in split_commands(stage.cmd):
        program = posixpath.basename(argv[0])
        if program == PACKAGE:
            subcommand = argv[1] if len(argv) > 1 else ""
            if subcommand not in commands:
                problems.append(f"'{PACKAGE} {subcommand}' is not a subcommand of cxrqa/cli.py")
                continue
            modules.add(commands[subcommand])
            notebook = option_value(argv, "--notebook")
            if notebook is not None:
                files.add(stage.from_root(notebook))
        elif program in PYTHONS and len(argv) > 1:
            if argv[1] == "-m" and len(argv) > 2 and is_module(argv[2]):
                modules.add(argv[2])
            elif argv[1].endswith(".py"):
                files.add(stage.from_root(argv[1]))
    for file in sorted(files):
        if not (root / file).is_file():
            problems.append(f"runs {file}, which does not exist")
            continue
        modules |= script_imports(root / file, is_module)
    return EntryPoints(frozenset(modules), frozenset(files), tuple(problems))


def package_ancestors(module: str) -> list[str]:
    """The packages whose ``__init__`` runs before ``module``.

    >>> package_ancestors("cxrqa.io.tables")
    ['cxrqa', 'cxrqa.io']
    """
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def imported_closure(starts: Iterable[str], direct_imports: DirectImports) -> set[str]:
    """``starts`` and every module they import, directly or not, with the packages above each;
    the modules of :data:`NOT_FOLLOWED` are neither included nor followed.

    >>> graph = {"cxrqa": set(), "cxrqa.cli": {"cxrqa.c"}, "cxrqa.p": set(), "cxrqa.p.a": {"cxrqa.cli"}}
    >>> sorted(imported_closure(["cxrqa.p.a"], graph.__getitem__))
    ['cxrqa', 'cxrqa.p', 'cxrqa.p.a']
    """
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        module = todo.pop()
        if module in seen or module in NOT_FOLLOWED:
            continue
        seen.add(module)
        todo.extend(direct_imports(module))
        todo.extend(package_ancestors(module))
    return seen


def module_file(module: str, root: Path) -> str:
    """The source file of ``module`` relative to ``root`` (a module file or a package's ``__init__``)."""
    base = Path(*module.split("."))
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if (root / candidate).is_file():
            return candidate.as_posix()
    raise LookupError(f"no source file for {module} under {root}")


def code_files(stage: Stage, root: Path, graph, commands: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``{file: why it runs}`` of everything ``stage`` runs, and problems finding its entry points."""
    is_module = graph.modules.__contains__
    entries = entry_points(stage, root, is_module, commands)
    needed = {file: "run by the command" for file in entries.files}
    for module in sorted(imported_closure(entries.modules, graph.find_modules_directly_imported_by)):
        needed[module_file(module, root)] = f"module {module}"
    return needed, entries.problems


# ------------------------------------------------------------------------------------------ checks


def is_covered(path: str, deps: Iterable[str]) -> bool:
    """Whether one of ``deps`` (relative to the root) is ``path`` or a folder above it.

    >>> is_covered("cxrqa/io/tables.py", ["cxrqa/io"]), is_covered("cxrqa/iox.py", ["cxrqa/io"])
    (True, False)
    """
    return any(path == dep or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def undeclared_code(stage: Stage, needed: Mapping[str, str]) -> list[str]:
    """A line per file in ``needed`` (relative to the root) that no dep of ``stage`` covers,
    saying what to add (the path as the stage's ``wdir`` sees it)."""
    deps = [stage.from_root(dep) for dep in stage.deps]
    return [
        f"{stage.name}: runs {file} ({why}) but no dep covers it; add "
        f"'{posixpath.relpath(file, stage.wdir)}' (or a folder above it) to its deps"
        for file, why in sorted(needed.items())
        if not is_covered(file, deps)
    ]


def missing_params(stage: Stage, root: Path) -> list[str]:
    """A line per params entry of ``stage`` that is not in its params file."""
    problems = []
    for file, keys in stage.params:
        path = root / stage.from_root(file)
        if not path.is_file():
            problems.append(f"{stage.name}: params file {stage.from_root(file)} does not exist")
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in keys:
            if lookup(data, key) is _MISSING:
                problems.append(
                    f"{stage.name}: params entry '{key}' is not a section or key of "
                    f"{stage.from_root(file)}; fix the entry or add the key"
                )
    return problems


_MISSING = object()


def lookup(data, dotted: str):
    """The value at ``dotted`` (``a.b.c``) in nested dicts, or ``_MISSING``.

    >>> lookup({"train": {"gray_level": {"epochs": 3}}}, "train.gray_level.epochs")
    3
    """
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def escapes_root(stage: Stage, path: str) -> bool:
    """Whether ``path`` (as written for ``stage``) is absolute or climbs above the root.

    >>> stage = Stage("s", "ablations", "")
    >>> escapes_root(stage, "../data/raw"), escapes_root(stage, "../../shared"), escapes_root(stage, "/data")
    (False, True, True)
    """
    if path.startswith(("/", "~")):
        return True
    resolved = stage.from_root(path)
    return resolved == ".." or resolved.startswith("../")


def looks_like_path(text: str) -> bool:
    """Whether a command argument could name a file outside the working directory.

    >>> [looks_like_path(t) for t in ("../shared/x", "/abs", "~/x", "data/raw", "model.use_attention=false")]
    [True, True, True, False, False]
    """
    return text.startswith(("/", "~")) or ".." in text.split("/")


def command_paths(cmd: str) -> list[str]:
    """The arguments of ``cmd`` (and values of ``--opt=VALUE``, ``KEY=VALUE``) that look like paths.

    >>> command_paths("cxrqa x --in ../a --sheet=/b -p metrics=../c.json --n 3")
    ['../a', '/b', '../c.json']
    """
    found = []
    for argv in split_commands(cmd):
        for token in argv[1:]:
            found.extend(part for part in {token, token.partition("=")[2]} if part and looks_like_path(part))
    return list(dict.fromkeys(found))


def param_strings(stage: Stage, root: Path) -> list[str]:
    """The string values under the params entries of ``stage``."""
    strings: list[str] = []
    for file, keys in stage.params:
        path = root / stage.from_root(file)
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in keys or [None]:
            value = data if key is None else lookup(data, key)
            strings.extend(_strings(value))
    return strings


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def outside_paths(stage: Stage, root: Path) -> list[str]:
    """A line per dep, params file, command argument or params value of ``stage`` outside the root."""
    sources = [("dep", dep) for dep in stage.deps]
    sources += [("params file", file) for file, _ in stage.params]
    sources += [("command argument", text) for text in command_paths(stage.cmd)]
    sources += [("params value", text) for text in param_strings(stage, root) if looks_like_path(text)]
    return [
        f"{stage.name}: {kind} '{path}' is outside the repository (wdir '{stage.wdir}'); "
        "put the file in the repository (a DVC import or a dep under data/) or drop it"
        for kind, path in sources
        if escapes_root(stage, path)
    ]


def stage_names() -> list[str]:
    return [stage.name for stage in stages_of_repository()]


def stage_named(name: str) -> Stage:
    return next(stage for stage in stages_of_repository() if stage.name == name)


# ------------------------------------------------------------------------- the repository's stages


def test_both_dvc_files_have_stages():
    files = {name.partition(":")[0] if ":" in name else "dvc.yaml" for name in stage_names()}
    assert files == set(DVC_FILES)


@pytest.mark.parametrize("name", stage_names())
def test_stage_depends_on_the_code_it_runs(name):
    stage = stage_named(name)
    needed, problems = code_files(stage, ROOT, package_graph(), command_modules())
    problems = [*(f"{stage.name}: {p}" for p in problems), *undeclared_code(stage, needed)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", stage_names())
def test_stage_params_exist(name):
    problems = missing_params(stage_named(name), ROOT)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", stage_names())
def test_stage_reads_nothing_outside_the_repository(name):
    problems = outside_paths(stage_named(name), ROOT)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------- each check fails on a broken input


@pytest.fixture()
def repository_copy(tmp_path):
    """A copy of the DVC files and params.yaml, the code folders linked; returns an editor.

    ``edit(dvc_file, stage, change)`` calls ``change`` on the stage's definition (the ``do`` of a
    ``foreach`` stage) in the copy and returns the copy's root.
    """
    for name in (*DVC_FILES, "params.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in (PACKAGE, "notebooks", "pipelines"):
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)

    def edit(dvc_file: str, stage: str, change: Callable[[dict], None]) -> Path:
        path = tmp_path / dvc_file
        data = yaml.safe_load(path.read_text())
        definition = data["stages"][stage]
        change(definition.get("do", definition))
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return tmp_path

    return edit


def _copy_stage(root: Path, name: str) -> Stage:
    return next(stage for stage in load_stages(root) if stage.name == name)


def _undeclared_in_copy(root: Path, name: str) -> list[str]:
    stage = _copy_stage(root, name)
    needed, _ = code_files(stage, root, package_graph(), command_modules())
    return undeclared_code(stage, needed)


def test_dropping_a_code_dep_fails(repository_copy):
    root = repository_copy("dvc.yaml", "train", lambda stage: stage["deps"].remove("cxrqa/train"))
    problems = _undeclared_in_copy(root, "train@sharpness")
    assert any("runs cxrqa/train/loop.py" in line and "add 'cxrqa/train/loop.py'" in line for line in problems)


def test_a_dep_on_another_file_does_not_cover(repository_copy):
    def narrow(stage):
        stage["deps"][stage["deps"].index("cxrqa/simulate")] = "cxrqa/simulate/study.py"

    problems = _undeclared_in_copy(repository_copy("dvc.yaml", "simulate", narrow), "simulate")
    assert any("runs cxrqa/simulate/command.py" in line for line in problems)
    assert not any("runs cxrqa/simulate/study.py" in line for line in problems)


def test_an_ablation_without_its_script_dep_fails(repository_copy):
    def drop_script(stage):
        stage["deps"].remove("pipelines/derive_params.py")

    root = repository_copy("ablations/dvc.yaml", "ablation", drop_script)
    problems = _undeclared_in_copy(root, "ablations/dvc.yaml:ablation@mse-sharpness")
    assert any("runs pipelines/derive_params.py (run by the command)" in line for line in problems)


def test_notebook_imports_and_the_notebook_are_needed(tmp_path):
    notebook = tmp_path / "notebooks" / "x.py"
    notebook.parent.mkdir()
    notebook.write_text("# %%\nimport os\nfrom p import a\n\n\ndef f():\n    import p.b as b\n")
    graph = {"p": set(), "p.a": {"p.c"}, "p.b": set(), "p.c": set()}
    stage = Stage("report@x", ".", "cxrqa report --notebook notebooks/x.py --out reports", deps=("p/a.py",))
    entries = entry_points(stage, tmp_path, graph.__contains__, {"report": "p.b"})
    assert entries.files == {"notebooks/x.py"} and entries.modules == {"p", "p.a", "p.b"}
    assert sorted(imported_closure(entries.modules, graph.__getitem__)) == ["p", "p.a", "p.b", "p.c"]


def test_an_unknown_subcommand_is_a_problem(tmp_path):
    stage = Stage("s", ".", "cxrqa no-such-command --x 1")
    entries = entry_points(stage, tmp_path, lambda module: True, {"train": "cxrqa.train.command"})
    assert entries.problems and "no-such-command" in entries.problems[0]


def test_function_level_imports_are_followed(tmp_path, monkeypatch):
    import grimp

    package = tmp_path / "pipecontract_demo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "command.py").write_text("def run():\n    from pipecontract_demo import work\n")
    (package / "work.py").write_text("import pipecontract_demo.deep\n")
    (package / "deep.py").write_text("")
    (package / "unused.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("pipecontract_demo", cache_dir=None)
    closure = imported_closure(["pipecontract_demo.command"], graph.find_modules_directly_imported_by)
    assert closure == {f"pipecontract_demo.{m}" for m in ("command", "work", "deep")} | {"pipecontract_demo"}


def test_a_missing_params_key_fails(repository_copy):
    def misspell(stage):
        stage["params"] = ["split.no_such_key"]

    root = repository_copy("dvc.yaml", "split", misspell)
    problems = missing_params(_copy_stage(root, "split"), root)
    assert len(problems) == 1 and "'split.no_such_key'" in problems[0]


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ((("params.yaml", ("model", "train.seed")),), []),
        ((("params.yaml", ("model.no_such",)),), ["'model.no_such'"]),
        ((("params.yaml", ("nosection",)),), ["'nosection'"]),
        ((("other.yaml", ()),), ["other.yaml does not exist"]),
    ],
)
def test_params_entries_are_looked_up_from_the_wdir(tmp_path, params, bad):
    (tmp_path / "params.yaml").write_text("model: {depth: 3}\ntrain: {seed: 1}\n")
    (tmp_path / "ablations").mkdir()
    stage = Stage("ablations/dvc.yaml:s", ".", "true", params=params)
    problems = missing_params(stage, tmp_path)
    assert len(problems) == len(bad) and all(b in p for b, p in zip(bad, problems))
    wrong_wdir = replace(stage, wdir="ablations", params=(("params.yaml", ("model",)),))
    assert missing_params(wrong_wdir, tmp_path) == [f"{stage.name}: params file ablations/params.yaml does not exist"]


def test_a_path_outside_the_repository_fails(repository_copy):
    def read_outside(stage):
        stage["cmd"] += " --sheet-extra ../shared/cxr-base"
        stage["deps"].append("/srv/archive")

    root = repository_copy("dvc.yaml", "preprocess", read_outside)
    problems = outside_paths(_copy_stage(root, "preprocess"), root)
    assert len(problems) == 2
    assert "dep '/srv/archive'" in problems[0] and "command argument '../shared/cxr-base'" in problems[1]


def test_the_wdir_decides_what_is_outside(repository_copy):
    name = "ablations/dvc.yaml:ablation@no_aux-gray_level"
    def climb(stage):
        stage["deps"].append("../data/raw/ratings.csv")

    root = repository_copy("ablations/dvc.yaml", "ablation", climb)
    assert outside_paths(_copy_stage(root, name), root) == [
        f"{name}: dep '../data/raw/ratings.csv' is outside the repository (wdir '.'); "
        "put the file in the repository (a DVC import or a dep under data/) or drop it"
    ]
    root = repository_copy("ablations/dvc.yaml", "ablation", lambda stage: stage.pop("wdir"))
    stage = _copy_stage(root, name)
    assert stage.wdir == "ablations" and outside_paths(stage, root) == []


def test_a_params_value_outside_the_repository_fails(tmp_path):
    (tmp_path / "params.yaml").write_text("simulate: {base_images: ../shared/cxr-base, n: 3}\nother: {x: /abs}\n")
    stage = Stage("simulate", ".", "cxrqa simulate", params=(("params.yaml", ("simulate",)),))
    problems = outside_paths(stage, tmp_path)
    assert problems and "params value '../shared/cxr-base'" in problems[0] and len(problems) == 1
