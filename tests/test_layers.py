"""The layers of docs/architecture.md hold: the import contracts pass, and no view or form calls
the ORM to write (they call services; a GET view that wrote a model was how this began)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITE_CALLS = {"save", "delete", "create", "bulk_create", "bulk_update", "update_or_create",
               "get_or_create", "update"}  # fmt: skip


def _orm_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITE_CALLS:
            continue
        chain = ast.unparse(node.func.value)
        # A dict's .update() or a widget's attrs are not the ORM; a manager or queryset is.
        if node.func.attr != "update" or ".objects" in chain or ".filter(" in chain:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {chain}.{node.func.attr}()")
    return found


def test_views_and_forms_never_write_through_the_orm() -> None:
    modules = [
        *ROOT.glob("weishang/*/views.py"),
        *ROOT.glob("weishang/*/views/*.py"),
        *ROOT.glob("weishang/*/forms.py"),
    ]
    assert len(modules) >= 8
    assert [w for path in modules for w in _orm_writes(path)] == []


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "4 kept, 0 broken" in done.stdout
