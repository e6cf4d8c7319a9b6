"""The rooms of the code (docs/architecture.md) and the documents that travel with it, checked by
reading the tree: who may commit, and that nothing points outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIARY = ROOT / "diary"
# The demo seeder is a script the CLI runs, not a page or an API handler: it commits its clinic.
# The SQLite connection class wraps the driver's own commit to give its writer's turn back: it
# owns no transaction (the services' commits run through it).
MAY_COMMIT = {DIARY / "demo.py", DIARY / "sqlite_writers.py"}


def _modules_outside_services() -> list[Path]:
    return [
        path
        for path in sorted(DIARY.rglob("*.py"))
        if DIARY / "services" not in path.parents and path not in MAY_COMMIT
    ]


def test_views_api_and_pages_never_commit():
    """Only services own a transaction (they change data or record an audit event): no view,
    API handler, page, CLI or other module outside diary/services/ calls .commit(."""
    checked = _modules_outside_services()
    names = {p.relative_to(ROOT).as_posix() for p in checked}
    # The grep really covers the views, the API modules and the plain pages.
    assert {"diary/clinic/views.py", "diary/admin/views.py", "diary/patient/views.py"} <= names
    assert {"diary/api/infusions.py", "diary/api/exports.py", "diary/pages.py"} <= names
    assert "diary/cli.py" in names
    committing = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in checked
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\.commit\(", line)
    ]
    assert committing == []


def _imports(path: Path) -> set[str]:
    """The modules `path` imports (absolute names; `from diary import x` gives diary.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


VIEW_PACKAGES = (
    "diary.auth",
    "diary.patient",
    "diary.carer",
    "diary.clinic",
    "diary.admin",
    "diary.api",
)


def _is_view(name: str) -> bool:
    return name.endswith(".views") or name == "diary.pages" or name.startswith("diary.api")


def test_imports_go_one_way():
    """views -> services -> models: services, analysis and charts never import a view or the
    API; analysis and charts import neither Flask nor the database; only the app factory
    imports view modules (to register them)."""
    wrong = []
    for path in sorted(DIARY.rglob("*.py")):
        name, imported = _module(path), _imports(path)
        if name.startswith(("diary.services", "diary.analysis")) or name in (
            "diary.charts",
            "diary.fhir",
            "diary.codes",
        ):
            wrong += [f"{name} imports {m}" for m in imported if _is_view(m)]
        if name.startswith("diary.analysis") or name == "diary.charts":
            pure = ("flask", "sqlalchemy", "diary.extensions", "diary.models", "diary.services")
            wrong += [f"{name} imports {m}" for m in imported if m.startswith(pure)]
        if name != "diary" and not name.startswith(VIEW_PACKAGES):
            wrong += [f"{name} imports {m}" for m in imported if m.endswith(".views")]
    assert wrong == []


def _tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    skip = {".git", ".venv", "node_modules", "instance", "__pycache__"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]


def test_no_file_points_outside_the_repository():
    """A clone has nothing beside it to point to: the repository's docs/ are the reference."""
    outside = ("../" + "shared", "/work/" + "shared")
    pointing = []
    for path in _tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # icons and other binary files
        pointing += [f"{path.relative_to(ROOT)}: {o}" for o in outside if o in text]
    assert pointing == []


def test_readme_links_the_documents():
    readme = (ROOT / "README.md").read_text()
    for name in ("clinical", "architecture", "operations"):
        doc = ROOT / "docs" / f"{name}.md"
        assert doc.is_file(), doc
        assert f"](docs/{name}.md)" in readme, name
        assert doc.read_text().startswith("# "), doc
