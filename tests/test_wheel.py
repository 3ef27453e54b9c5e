"""The wheel as a user installs it: it adds `newsmon` alone to site-packages, and works there.

The wheel is built from a copy of this checkout (an in-place build would leave build/ and
egg-info in the tree, and a stale build/ can slip removed files into the next wheel), then
installed into a fresh venv that sees this machine's dependencies but not this checkout:
the venv reads the outer site-packages through a plain path line, so the editable install
of newsmon there (an import hook that may serve some checkout's spiders/, pipelines/ and
migrations/ as top-level packages) never loads. The commands run from a folder outside the
repository with no PYTHONPATH, as after `pip install newsmon`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from newsmon.storage.db import head_revision
from tests.newssite import NewsSite, story
from tests.web_fixtures import free_port

ROOT = Path(__file__).resolve().parents[1]
# The product card's top-level folders, installed inside newsmon.
CARD_FOLDERS = ("spiders", "pipelines", "migrations")
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", "__pycache__", "*.egg-info", "build", "dist", ".venv*", "*.db", "*.db-*",
    ".pytest_cache", ".ruff_cache", "test-output",
)  # fmt: skip

# One worker builds the wheel once for the whole file (pyproject: --dist loadgroup).
pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("wheel")]
# Where the crawl's spider and Alembic's scripts come from, and which generic top-level
# names are importable (none should be).
PROBE = """
import importlib.util, newsmon.spiders.watch, newsmon.storage.db
generic = [n for n in ("spiders", "pipelines", "migrations") if importlib.util.find_spec(n)]
print(newsmon.spiders.watch.__file__, newsmon.storage.db.MIGRATIONS, generic)
"""


@dataclass(frozen=True)
class Installed:
    """A venv that newsmon was installed into."""

    venv: Path
    site_packages: Path

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


def _build_tools_missing() -> str | None:
    """Why the wheel cannot be built and installed here, or None."""
    if importlib.util.find_spec("venv") is None:
        return "the venv module is unavailable"
    try:
        import setuptools
    except ImportError:
        return "setuptools is not installed (pip install -e '.[test]' brings it)"
    if int(setuptools.__version__.split(".")[0]) < 77:
        return f"setuptools {setuptools.__version__} is older than the build's 77"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--help"], capture_output=True, text=True
    )
    if done.returncode != 0 or "--python" not in done.stdout + done.stderr:
        return "pip is unavailable or older than 22.3 (no --python)"
    return None


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


def install(target: list[str], home: Path) -> Installed:
    """A fresh venv with `pip install TARGET`, reusing the installed dependencies."""
    venv.create(home, with_pip=False)
    (site,) = home.glob("lib/python*/site-packages")
    outer = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "outer-dependencies.pth").write_text("\n".join(sorted(outer)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(home / "bin" / "python"), "install"]
    _run([*pip, "--quiet", "--no-deps", "--no-index", "--no-build-isolation", *target])
    return Installed(venv=home, site_packages=site)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the checkout's files, symlinks kept."""
    missing = _build_tools_missing()
    if missing:
        pytest.skip(f"cannot build and install the wheel: {missing}")
    source = tmp_path_factory.mktemp("checkout") / "newsmon"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SHIPPED)
    return source


@pytest.fixture(scope="module")
def wheel(source: Path) -> Path:
    """`pip wheel --no-deps -w DIR .` in the copy."""
    return build_wheel(source, source.parent / "dist")


def build_wheel(project: Path, dist: Path) -> Path:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "--quiet", "-w", str(dist), "."], cwd=project)
    (built,) = dist.glob("newsmon-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Installed:
    return install([str(wheel)], wheel.parent.parent / "venv")


def user_env(tmp_path: Path) -> dict[str, str]:
    """A shell after `pip install`: no PYTHONPATH, no NEWSMON_* from the developer's shell,
    a fresh SQLite file, fast loopback crawling."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        NEWSMON_DATABASE_URL=f"sqlite:///{tmp_path / 'installed.db'}",
        NEWSMON_DOWNLOAD_DELAY="0",
        NEWSMON_AUTOTHROTTLE="false",
        NEWSMON_EXTRACT_WORKERS="1",
        NEWSMON_LOG_LEVEL="WARNING",
        NEWSMON_ALLOW_NETWORKS="127.0.0.0/8,::1/128",
    )
    return env


def shipped_files(checkout: Path) -> set[str]:
    """Every file of the checkout's packages, named as the wheel holds it (newsmon/...)."""
    names = set()
    roots = [(checkout / "newsmon", "newsmon")]
    roots += [(checkout / folder, f"newsmon/{folder}") for folder in CARD_FOLDERS]
    for root, prefix in roots:
        for path in root.rglob("*"):  # does not follow newsmon's links to the card folders
            if path.is_file() and "__pycache__" not in path.parts:
                names.add(f"{prefix}/{path.relative_to(root).as_posix()}")
    return names


def test_the_wheel_adds_newsmon_alone_and_ships_every_file(
    source: Path, wheel: Path, installed: Installed
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = f"newsmon-{wheel.name.split('-')[1]}.dist-info"
    assert {name.split("/")[0] for name in names} == {"newsmon", dist_info}
    assert shipped_files(source) - set(names) == set()
    assert {"newsmon/web/templates/article.html", "newsmon/migrations/script.py.mako"} <= set(names)
    added = {p.name for p in installed.site_packages.iterdir()} - {"outer-dependencies.pth"}
    assert added == {"newsmon", dist_info}


def test_a_wheel_built_from_the_sdist_holds_the_same_files(
    source: Path, wheel: Path, tmp_path: Path
) -> None:
    """An sdist keeps no symlinks: its wheel must not depend on them."""
    build = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    sdist = _run([sys.executable, "-c", build, str(tmp_path)], cwd=source).stdout.split()[-1]
    shutil.unpack_archive(tmp_path / sdist, tmp_path, filter="data")
    again = build_wheel(tmp_path / sdist.removesuffix(".tar.gz"), tmp_path / "dist")
    assert zipfile.ZipFile(again).namelist() == zipfile.ZipFile(wheel).namelist()


def test_the_installed_command_upgrades_crawls_and_serves(
    installed: Installed, site: NewsSite, tmp_path: Path
) -> None:
    env = user_env(tmp_path)

    def newsmon(*args: str) -> str:
        return _run([installed.bin("newsmon"), *args], env=env, cwd=tmp_path).stdout

    where = _run([installed.bin("python"), "-c", PROBE], env=env, cwd=tmp_path).stdout.split()
    package = installed.site_packages / "newsmon"
    assert where == [str(package / "spiders/watch.py"), str(package / "migrations"), "[]"]

    site.publish(story("ferry-strike"))
    newsmon("db", "upgrade")
    newsmon("sources", "add", "gazette", site.url("/feeds/rss.xml"), "--name", "Gazette")
    assert "first captured 1" in newsmon("crawl")
    site.edit("ferry-strike", paragraph=(1, "The ferry strike ended on Thursday night."))
    assert "changed 1" in newsmon("crawl", "--all")

    home, article = served_pages(installed, env, tmp_path, site)
    assert "Council reviews ferry strike cases" in home
    assert "Council reviews ferry strike cases" in article
    assert "Version 0" in article and "diff with version 0" in article


def served_pages(
    installed: Installed, env: dict[str, str], cwd: Path, site: NewsSite
) -> tuple[str, str]:
    """The home page and the article page, from `newsmon serve` run from the venv."""
    port = free_port()
    log = cwd / "serve.log"
    proc = subprocess.Popen(
        [installed.bin("newsmon"), "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
            assert site.wait_for(lambda: _answers(client), 30), log.read_text()
            home = client.get("/")
            (article,) = client.get("/api/articles").json()["items"]
            page = client.get(f"/articles/{article['id']}")
    finally:
        proc.terminate()
        proc.wait(30)
    for response in (home, page):
        assert response.status_code == 200, (response.url, response.text[-2000:])
        assert response.headers["content-type"].startswith("text/html")
    return home.text, page.text


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_an_editable_install_runs_the_checkout_folders(source: Path, tmp_path: Path) -> None:
    """`pip install -e .`: newsmon.spiders and newsmon.migrations are the checkout's
    top-level folders, and no generic top-level name becomes importable."""
    editable = install(["-e", str(source)], tmp_path / "venv")
    env = user_env(tmp_path)
    where = _run([editable.bin("python"), "-c", PROBE], env=env, cwd=tmp_path).stdout.split()
    assert [str(Path(p).resolve()) for p in where[:2]] == [
        str(source / "spiders" / "watch.py"),
        str(source / "migrations"),
    ]
    assert where[2] == "[]"
    _run([editable.bin("newsmon"), "db", "upgrade"], env=env, cwd=tmp_path)
    with sqlite3.connect(tmp_path / "installed.db") as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == head_revision("sqlite://")
