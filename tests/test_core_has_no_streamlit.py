"""The core package never imports Streamlit: only ``thaldash.ui`` may (STYLE.md, "two layers")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: this test process has imported Streamlit already (the page tests).
# Modules are found from the files (pkgutil.walk_packages would import thaldash.ui to look inside);
# __main__ is left out because importing it runs the command line.
SCRIPT = """
import importlib, pathlib, sys
root = pathlib.Path("thaldash")
names = sorted(".".join(p.with_suffix("").parts).removesuffix(".__init__") for p in root.rglob("*.py")
               if p.parts[1] != "ui" and p.name != "__main__.py")
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "streamlit" or m.startswith("streamlit."))
print(len(names))
print(",".join(leaked))
"""


def test_importing_every_core_module_leaves_streamlit_out():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, leaked = done.stdout.splitlines()
    assert int(count) > 20, "the walk found the core modules"
    assert leaked == "", f"streamlit imported by the core: {leaked}"


def test_the_ui_package_is_where_streamlit_lives():
    done = subprocess.run([sys.executable, "-c", "import sys, thaldash.ui; print('streamlit' in sys.modules)"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().endswith("True"), done.stderr
