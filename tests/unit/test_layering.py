"""House rule: the domain packages never import textual, rich or typer."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = ["store", "importers", "segments", "messages", "automation", "sample"]


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_package_imports_no_ui(package):
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module('lifecycle_tui.{package}')\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich', 'typer'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"lifecycle_tui.{package} pulls in UI modules: {out}"
