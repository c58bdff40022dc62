"""The five boxes hold by themselves: every module's imports are read and checked against the
arrows docs/ARCHITECTURE.md draws (store <- kb <- actors; gateway asks; supervisor wires)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOXES = ("store", "kb", "actors", "gateway", "cli")
OURS = (*BOXES, "supervisor", "bench", "tests")

# What each box may import of ours (a module path prefix), besides itself.
ALLOWED: dict[str, tuple[str, ...]] = {
    "store": (),
    "kb": ("store",),
    "actors": ("store", "kb"),
    # The gateway asks actors through the message vocabulary and the bridge's system join.
    "gateway": ("store", "actors.messages", "actors.system"),
    # Outside clients: settings, store helpers and the gateway's pure wire-format helpers.
    "cli": (
        "store",
        "gateway.telnyx_signature",
        "gateway.media.mulaw",
        "gateway.media.speech",
        "gateway.auth",
    ),
}


def imports_of(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every import statement of a file: (line, module, the names taken from it)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module, tuple(a.name for a in node.names)))
    return found


def allowed(box: str, module: str) -> bool:
    top = module.split(".")[0]
    if top not in OURS or top == box:
        return True
    return any(module == p or module.startswith(p + ".") for p in ALLOWED[box])


def statement_allowed(box: str, module: str, names: tuple[str, ...]) -> bool:
    """``from actors import messages`` takes the module actors.messages: allowed where that
    module is, even though ``actors`` as a whole is not."""
    return allowed(box, module) or (
        bool(names) and all(allowed(box, f"{module}.{name}") for name in names)
    )


def forbidden_imports(root: Path) -> list[str]:
    problems = []
    for box in BOXES:
        for path in sorted((root / box).rglob("*.py")):
            for line, module, names in imports_of(path):
                if not statement_allowed(box, module, names):
                    problems.append(f"{path.relative_to(root)}:{line} imports {module}")
    return problems


def test_every_import_runs_along_an_allowed_arrow():
    assert forbidden_imports(ROOT) == []


def environment_reads(path: Path) -> list[int]:
    """Lines that read the environment (``os.environ``, ``os.getenv``, ``environ`` imported)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb")) or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(a.name in ("environ", "getenv") for a in node.names)
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_supervisor_reads_the_environment():
    readers = [
        f"{path.relative_to(ROOT)}:{line}"
        for box in BOXES
        for path in sorted((ROOT / box).rglob("*.py"))
        for line in environment_reads(path)
    ]
    assert readers == []


def test_an_environment_read_is_caught(tmp_path):
    path = tmp_path / "reader.py"
    path.write_text("import os\n\nkey = os.environ.get('KEY')\nother = os.getenv('X')\n")
    assert environment_reads(path) == [3, 4]


@pytest.mark.parametrize(
    ("box", "source"),
    [
        ("store", "from actors.messages import Ok\n"),
        ("kb", "import gateway.app\n"),
        ("actors", "from gateway.bridge import ActorBridge\n"),
        ("gateway", "from actors.brain.prompts import build_system_prompt\n"),
        ("gateway", "from supervisor import settings_from\n"),
        ("cli", "from actors.messages import Ok\n"),
        ("cli", "from gateway.app import create_app\n"),
    ],
)
def test_a_forbidden_arrow_is_caught(tmp_path, box, source):
    for name in BOXES:
        (tmp_path / name).mkdir()
    (tmp_path / box / "offender.py").write_text(source)
    assert forbidden_imports(tmp_path) == [
        f"{box}/offender.py:1 imports {imports_of(tmp_path / box / 'offender.py')[0][1]}"
    ]


def test_allowed_arrows_pass(tmp_path):
    for name in BOXES:
        (tmp_path / name).mkdir()
    (tmp_path / "gateway" / "ok.py").write_text(
        "from actors.messages import Ok\nfrom store.db import write\nfrom gateway import keys\n"
    )
    (tmp_path / "kb" / "ok.py").write_text("from store.models import Clinic\n")
    assert forbidden_imports(tmp_path) == []
