"""The layers hold: read from every module's imports, so a new import that breaks them fails.

- A domain package imports only packages in lower tiers, never one beside it or above it,
  nor a top-level module (``diaspora_hub.models``, ``demo``, ...), which may import anything.
- A ``schemas`` module imports no ``service``: schemas see models and read-model types only.
- The live package keeps no state of its own between requests, so every worker of a room
  agrees: no ``global`` statement, and no module-level name bound to a mutable container
  (a dict, list or set display or comprehension, or a call of a mutable type), whatever its
  name or annotation (``Final`` does not make a dict immutable). Constants are numbers,
  strings, tuples, frozensets and compiled SQL statements.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "diaspora_hub"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

#: tier of each layer; extensions and config belong to core
TIERS = {
    "core": 0,
    "accounts": 1,
    "organisations": 2,
    "notifications": 2,
    "spaces": 3,
    "calls": 4,
    "live": 4,
    "meetings": 5,
    "opinions": 6,
    "recommendations": 7,
    "briefs": 8,
}
#: top-level modules that are part of a layer
IN_LAYER = {"extensions": "core", "config": "core"}
#: top-level modules that assemble the application and may import anything
TOP_LEVEL = frozenset({"__init__", "blueprints", "demo", "cli", "home", "serve", "models", "wsgi"})

MUTABLE_TYPES = frozenset(
    {
        "dict",
        "list",
        "set",
        "bytearray",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "deque",
        "ChainMap",
        "WeakKeyDictionary",
        "WeakValueDictionary",
        "WeakSet",
        "local",
        "count",
        "Queue",
    }
)
MUTABLE_DISPLAYS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)


def _layer(path: str) -> str | None:
    """The layer of a module at ``path`` (relative to the package), None for top-level ones."""
    parts = Path(path).with_suffix("").parts
    if len(parts) == 1:
        name = parts[0]
        if name in TOP_LEVEL:
            return None
        if name in IN_LAYER:
            return IN_LAYER[name]
        raise ValueError(f"{path}: put this module in a layer or among the top-level ones")
    if parts[0] not in TIERS:
        raise ValueError(f"{path}: put package {parts[0]!r} in the table of tiers")
    return parts[0]


def _module_name(path: str) -> list[str]:
    parts = [PACKAGE, *Path(path).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported(path: str, tree: ast.Module) -> list[tuple[int, list[str]]]:
    """Each import statement anywhere in ``tree``: its line and the modules of ours it names
    (``from diaspora_hub.spaces import service`` names diaspora_hub.spaces.service too)."""
    found: list[tuple[int, list[str]]] = []
    package = _module_name(path)
    if not path.endswith("__init__.py"):
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module.split(".") if node.module else []
            if node.level:
                base = package[: len(package) - node.level + 1] + base
            module = ".".join(base)
            named = [f"{module}.{alias.name}" for alias in node.names]
            found.append((node.lineno, named if module == PACKAGE else [module, *named]))
    return [
        (line, [name for name in names if name.split(".")[0] == PACKAGE])
        for line, names in found
        if any(name.split(".")[0] == PACKAGE for name in names)
    ]


def _target_layer(module: str) -> str | None:
    """The layer of an imported module; None for the package itself or a top-level module."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    head = parts[1]
    if head in TIERS:
        return head
    return IN_LAYER.get(head)


def _is_schemas(path: str) -> bool:
    return "schemas" in Path(path).with_suffix("").parts


def _is_service(module: str) -> bool:
    return "service" in module.split(".")[2:3]


def _mutable(value: ast.expr | None) -> bool:
    if isinstance(value, MUTABLE_DISPLAYS):
        return True
    if isinstance(value, ast.Call):
        called = value.func
        name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
        return name in MUTABLE_TYPES
    return False


def _module_level(tree: ast.Module) -> list[ast.stmt]:
    """Statements that run at import, including those inside top-level if/try/with blocks."""
    found: list[ast.stmt] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.If | ast.With | ast.For | ast.While):
            pending.extend(node.body + getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
    return found


def _state(path: str, tree: ast.Module) -> list[str]:
    problems = [
        f"{path}:{node.lineno}: live keeps no module-level state (global {', '.join(node.names)})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Global)
    ]
    for node in _module_level(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and _mutable(node.value):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            problems.append(
                f"{path}:{node.lineno}: live keeps no module-level state "
                f"({ast.unparse(target)} is a mutable container)"
            )
        elif isinstance(node, ast.AugAssign):
            problems.append(f"{path}:{node.lineno}: live keeps no module-level state")
    return problems


def check(path: str, source: str) -> list[str]:
    """What breaks the layers in the module at ``path`` (relative to diaspora_hub/)."""
    tree = ast.parse(source, filename=path)
    layer = _layer(path)
    problems: list[str] = []
    for line, modules in _imported(path, tree):
        found: dict[str, None] = {}  # one message per kind of problem and statement
        for module in modules:
            if layer is not None:
                target = _target_layer(module)
                if target is None:
                    found[f"{path}:{line}: {layer} imports {module}, a top-level module"] = None
                elif target != layer and TIERS[target] >= TIERS[layer]:
                    where = "beside" if TIERS[target] == TIERS[layer] else "above"
                    found[f"{path}:{line}: {layer} imports {target}, {where} it"] = None
            if _is_schemas(path) and _is_service(module):
                found[f"{path}:{line}: schemas import {modules[0]}, which holds a service"] = None
        problems.extend(found)
    if layer == "live":
        problems.extend(_state(path, tree))
    return problems


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_every_module_keeps_to_its_layer() -> None:
    problems = [
        problem
        for file in _modules()
        for problem in check(file.relative_to(ROOT).as_posix(), file.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_every_package_has_a_tier() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages <= set(TIERS)


# The checker itself, on modules written for it ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("spaces/service/access.py", "from diaspora_hub.calls import service\n"),
        ("spaces/views.py", "import diaspora_hub.live.models\n"),
        ("organisations/service.py", "from diaspora_hub.notifications.service import notify\n"),
        ("calls/views.py", "from diaspora_hub.live import views\n"),
        ("live/events.py", "from diaspora_hub.calls.models import Call\n"),
        ("core/web.py", "from diaspora_hub.accounts.models import User\n"),
        ("extensions.py", "from diaspora_hub.spaces.models import Space\n"),
        ("accounts/service.py", "from diaspora_hub import models\n"),
        ("calls/api.py", "def f():\n    from diaspora_hub.meetings import service\n"),
        ("notifications/views.py", "from ..spaces import sections\n"),
    ],
)
def test_an_import_above_or_beside_fails(path: str, source: str) -> None:
    assert len(check(path, source)) == 1


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("calls/service/posting.py", "from diaspora_hub.spaces import service as spaces\n"),
        ("calls/service/posting.py", "from .access import get_call\n"),
        ("live/events.py", "from diaspora_hub.spaces.models import Space\n"),
        ("briefs/exports.py", "from diaspora_hub.recommendations import types\n"),
        ("core/web.py", "from diaspora_hub.extensions import db\n"),
        ("demo.py", "from diaspora_hub.briefs import service\n"),
        ("calls/schemas.py", "from diaspora_hub.calls.types import Tracker\n"),
    ],
)
def test_an_import_below_or_within_passes(path: str, source: str) -> None:
    assert check(path, source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from diaspora_hub.spaces.service import SpaceDetail\n",
        "from diaspora_hub.spaces import service\n",
        "from .service import SpaceDetail\n",
        "from diaspora_hub.organisations.service import SLUG_MAX_LENGTH\n",
    ],
)
def test_schemas_that_import_a_service_fail(source: str) -> None:
    assert len(check("spaces/schemas.py", source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "_ROOMS = {}\n",
        "_ROOMS: dict[int, int] = dict()\n",
        "WAITING: Final = []\n",
        "SEEN = {n for n in range(3)}\n",
        "import collections\n_QUEUES = collections.defaultdict(list)\n",
        "try:\n    import x\nexcept ImportError:\n    _CACHE = {}\n",
        "def remember(n):\n    global _LAST\n    _LAST = n\n",
    ],
)
def test_state_at_module_level_in_live_fails(source: str) -> None:
    assert len(check("live/presence.py", source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        "REACTIONS = (('clap', '👏'),)\n",
        "PERSON_KEYS = frozenset({'actor', 'speaker'})\n",
        "Json = dict[str, Any]\n",
        "def f():\n    seen = {}\n    return seen\n",
        "_SEAT = select(Room).where(Room.id == bindparam('room_id'))\n",
    ],
)
def test_constants_in_live_pass(source: str) -> None:
    assert check("live/service.py", source) == []


def test_state_outside_live_is_not_this_rule() -> None:
    assert check("notifications/scheduler.py", "_JOBS = {}\n") == []


def test_a_module_outside_the_table_fails() -> None:
    with pytest.raises(ValueError, match="put package"):
        check("payments/service.py", "")
