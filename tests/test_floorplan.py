"""The tree tells the flow: each subpackage of newsmon imports only from stages below it.

A check walks crawl -> extract -> record -> storage and is read by search, read, web
and cli; pure stages (core, extract, discover) never reach up to the database, the
crawl or the surfaces, so extraction workers stay light and the parsing is testable
without any of them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A stage may import from stages of a lower rank only (and from itself).
RANKS = {
    "core": 0,
    "guard": 1,
    "extract": 1,
    "storage": 1,
    "discover": 2,
    "sources": 2,
    "ledger": 2,
    "record": 3,
    "config": 4,
    "search": 4,
    "read": 4,
    "crawl": 5,
    "notify": 5,
    "web": 6,
    "service": 7,
    "cli": 8,
    "__main__": 9,
}
# The product card's top-level folders, installed as newsmon.spiders, newsmon.pipelines and
# newsmon.migrations (in a checkout newsmon/<name> is a symlink to the folder): each is
# part of the stage it serves, and its imports are held to that stage's rank.
LINKED = {"spiders": "crawl", "pipelines": "crawl", "migrations": "storage"}


def stage_of(name: str) -> str:
    """The stage a top-level name under newsmon belongs to."""
    return LINKED.get(name, name)


def source_files() -> list[tuple[str, Path]]:
    """(stage, file) for every module of newsmon, the linked folders read where they live."""
    files = [
        (path.relative_to(ROOT / "newsmon").parts[0].removesuffix(".py"), path)
        for path in (ROOT / "newsmon").rglob("*.py")  # rglob does not follow the symlinks
    ]
    files += [(folder, path) for folder in LINKED for path in (ROOT / folder).rglob("*.py")]
    return [(stage_of(name), path) for name, path in files]


def stage_imports() -> dict[tuple[str, str], list[str]]:
    """(importing stage, imported stage) -> the files where that import is written."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for stage, path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                bits = name.split(".")
                target = stage_of(bits[1]) if bits[0] == "newsmon" and len(bits) > 1 else ""
                if target in RANKS and target != stage:
                    found[(stage, target)].append(str(path.relative_to(ROOT)))
    return found


def test_every_module_of_newsmon_lives_in_a_known_stage() -> None:
    stray = [
        p.name
        for p in (ROOT / "newsmon").iterdir()
        if p.suffix == ".py" and p.stem not in RANKS and p.stem != "__init__"
    ]
    subpackages = [p.name for p in (ROOT / "newsmon").iterdir() if (p / "__init__.py").is_file()]
    assert stray == []
    assert sorted(set(subpackages) - set(RANKS) - set(LINKED)) == []


def test_nothing_imports_the_card_folders_by_their_generic_names() -> None:
    """`spiders`, `pipelines` and `migrations` are not installed top-level names; from a
    checkout they would load a second copy of each module, with its own state."""
    files = [path for _, path in source_files()]
    files += [path for folder in ("tests", "bench") for path in (ROOT / folder).glob("*.py")]
    generic = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            where = path.relative_to(ROOT)
            generic += [f"{where}: {name}" for name in names if name.split(".")[0] in LINKED]
    assert generic == []


def test_the_card_folders_are_linked_into_newsmon() -> None:
    """From a checkout, newsmon.spiders etc. are the top-level folders, as in the wheel."""
    for folder in LINKED:
        link = ROOT / "newsmon" / folder
        assert link.is_symlink() and link.resolve() == (ROOT / folder).resolve(), folder


def test_no_stage_imports_a_stage_above_it() -> None:
    upward = {
        edge: files for edge, files in stage_imports().items() if RANKS[edge[1]] >= RANKS[edge[0]]
    }
    assert upward == {}


def test_the_extraction_workers_load_no_database_or_crawl_code() -> None:
    """The worker imports extraction only: no SQLAlchemy, Scrapy, models or web in it."""
    probe = (
        "import sys, newsmon.extract.page, newsmon.extract.rules;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'scrapy', 'fastapi')"
        " or m.startswith(('newsmon.storage', 'newsmon.crawl', 'newsmon.web', 'newsmon.cli'))];"
        "print(','.join(sorted(bad)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == ""
