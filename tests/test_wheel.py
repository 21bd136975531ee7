"""The wheel, as ``pip install .`` or ``pipx install .`` makes and installs it.

The wheel is built from a copy of the sources (what the build reads: ``pyproject.toml``, the
README, the packages and ``assets/``) with pip, as a user's pip builds it (an isolated build
environment with the setuptools that ``pyproject.toml`` asks for: that needs the package index).
It is installed with ``--no-deps`` into a fresh virtual environment whose only link to this one is a
``.pth`` file that puts this environment's site-packages *after* its own on ``sys.path``, so the
installed ``buzzfinder_app`` is the wheel's, not the checkout's. (Installing the dependencies from
the index instead, 390 MB installed, took 15-19 s more on the 2-core machine, 2026-12-06, and
depends on the network.) The whole module takes about 10 s there. Then, from a folder outside the repository, with no
``PYTHONPATH`` and no ``BUZZFINDER_*`` variables, the ``buzzfinder`` console script runs.

What this proves:

* the wheel holds every module of ``buzzfinder_app`` and ``training`` and, as package data, the model,
  its metadata and the self-test take, and ``buzzfinder --self-test`` finds them inside the installed
  package (``importlib.resources``), with no source tree to fall back on;
* ``buzzfinder classify --json`` on the shared clean clips prints the same JSON as the checkout;
* the modules the self-test and ``classify`` import come only from the wheel, the standard library
  and the distributions the wheel declares (``Requires-Dist``, followed through their own
  requirements), so an install that resolves those dependencies has all the app needs.

What it does not prove: that the package index serves those dependencies in versions that work
together (the versions used are this environment's).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REAL_DIR

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: What the build reads from the repository.
SOURCES = ("pyproject.toml", "README.md", "buzzfinder_app", "training", "assets")
PACKAGE_DATA = ("buzzfinder.tflite", "buzzfinder.json", "selftest/take.flac", "selftest/take.json")


@dataclass
class Installed:
    wheel: Path
    venv: Path
    home: Path
    timings: dict

    @property
    def python(self) -> Path:
        return self.venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    @property
    def script(self) -> Path:
        return self.venv / ("Scripts/buzzfinder.exe" if os.name == "nt" else "bin/buzzfinder")

    @property
    def package(self) -> Path:
        site_packages = self.venv / ("Lib" if os.name == "nt" else f"lib/python{sys.version_info.major}.{sys.version_info.minor}") / "site-packages"
        return site_packages / "buzzfinder_app"

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """A command in a clean environment, from a folder outside the repository."""
        cwd = self.home / "cwd"
        cwd.mkdir(exist_ok=True)
        keep = ("SYSTEMROOT", "TEMP", "TMP", "XDG_RUNTIME_DIR")
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update(PATH=os.pathsep.join([str(self.script.parent), os.environ["PATH"] if os.name == "nt" else "/usr/bin:/bin"]),
                   HOME=str(self.home), LANG="C.UTF-8", QT_QPA_PLATFORM="offscreen",
                   BUZZFINDER_CONFIG_DIR=str(self.home / "config"), BUZZFINDER_DATA_DIR=str(self.home / "data"))
        return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _pip(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    if not (ROOT / "assets" / "buzzfinder.tflite").is_file():
        pytest.skip("assets/buzzfinder.tflite does not exist yet (the trained model is added later)")
    tmp = tmp_path_factory.mktemp("wheel")
    timings = {}

    started = time.monotonic()
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"), str(source))
    wheel = next((tmp / "dist").glob("buzzfinder-*.whl"))
    timings["build"] = time.monotonic() - started

    started = time.monotonic()
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    result = Installed(wheel, venv, tmp / "home", timings)
    result.home.mkdir()
    _pip("--python", str(result.python), "install", "--no-deps", "--quiet", str(wheel))
    # This environment's packages (numpy, Qt, the model runtime ...), after the fresh one's own.
    # A .pth file in a folder named by a .pth line is not read, so an editable install's finder
    # of the checkout stays out.
    (result.package.parent / "_buzzfinder_test_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n")
    timings["install"] = time.monotonic() - started
    return result


def test_wheel_holds_every_module_and_the_package_data(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for package in ("buzzfinder_app", "training")
               for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts}
    assert modules - names == set(), "modules missing from the wheel: list their packages in pyproject.toml"
    assert {f"buzzfinder_app/assets/{name}" for name in PACKAGE_DATA} <= names
    for name in PACKAGE_DATA:  # the files as they are in the checkout
        assert (installed.package / "assets" / name).read_bytes() == (ROOT / "assets" / name).read_bytes(), name
    metadata = zipfile.ZipFile(installed.wheel).read(f"{installed.wheel.name.split('-py')[0]}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata


def test_installed_self_test_uses_the_package_data(installed):
    started = time.monotonic()
    done = installed.run(str(installed.script), "--self-test")
    installed.timings["self-test"] = time.monotonic() - started
    print(f"wheel: built in {installed.timings['build']:.1f} s, installed in {installed.timings['install']:.1f} s, "
          f"--self-test in {installed.timings['self-test']:.1f} s\n" + done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {ln.split()[1]: ln for ln in done.stdout.splitlines() if not ln.startswith("self-test")}
    assert lines["model"].startswith("ok") and lines["take"].startswith("ok"), done.stdout
    assert str(installed.package / "assets" / "buzzfinder.tflite") in lines["model"], lines["model"]
    assert lines["verdicts"].startswith("ok"), done.stdout


def _clean_clips() -> list[str]:
    if not REAL_DIR.is_dir():
        pytest.skip(f"{REAL_DIR} not found: the shared real recordings live beside the repository (../shared)")
    clips = sorted(str(p) for p in (REAL_DIR / "clean").glob("*.wav"))
    if not clips:
        pytest.skip(f"no clips in {REAL_DIR / 'clean'}")
    return clips


def test_installed_classify_json_matches_the_checkout(installed, capsys):
    from buzzfinder_app import cli

    clips = _clean_clips()
    done = installed.run(str(installed.script), "classify", "--json", *clips)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["path"] for r in results] == clips
    for r in results:
        assert r["label"] in r["probs"] and set(r["probs"]) == {"buzzy", "clean", "muted"}
        assert r["confidence"] == max(r["probs"].values())
        assert abs(sum(r["probs"].values()) - 1.0) < 1e-3
        assert 0.0 <= r["onset_s"]
    capsys.readouterr()
    assert cli.main(["classify", "--json", *clips]) == 0
    assert results == json.loads(capsys.readouterr().out)


#: Run by the installed Python: the self-test and classify in one process, then every imported
#: module found outside the standard library and the installed wheel, with its distribution.
_IMPORTS = r'''
import contextlib, importlib.metadata as md, io, json, re, sys, sysconfig
from pathlib import Path
import buzzfinder_app
from buzzfinder_app import cli

with contextlib.redirect_stdout(io.StringIO()):
    status = [cli.main(["--self-test"]), cli.main(["classify", "--json", *sys.argv[1:]])]
own = [Path(buzzfinder_app.__file__).parents[1]] + [Path(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib")]
providers = md.packages_distributions()
found = {}
for name, module in list(sys.modules.items()):
    file = getattr(module, "__file__", None)  # shiboken's embedded modules name relative files
    if not file or not Path(file).is_absolute() or any(Path(file).is_relative_to(p) for p in own):
        continue
    top = name.split(".")[0]
    found[top] = providers.get(top, [None])[0]

def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()

declared, todo = set(), ["buzzfinder"]
while todo:
    for requirement in md.requires(todo.pop()) or []:
        if "extra ==" in requirement:
            continue
        name = canonical(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
        if name not in declared:
            declared.add(name)
            try:
                md.distribution(name)
                todo.append(name)
            except md.PackageNotFoundError:
                pass
print(json.dumps({"status": status, "undeclared": {m: d for m, d in found.items() if d is None or canonical(d) not in declared},
                  "declared": sorted(declared)}))
'''


def test_installed_app_imports_only_declared_dependencies(installed):
    clips = _clean_clips()[:1] if REAL_DIR.is_dir() else [str(ROOT / "assets" / "selftest" / "take.flac")]
    done = installed.run(str(installed.python), "-c", _IMPORTS, *clips)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["status"] == [0, 0], done.stdout
    assert report["undeclared"] == {}, (
        f"imported from outside the wheel's declared dependencies {report['declared']}: {report['undeclared']}")
