"""`lifecycle sample build`: builds, refuses to overwrite without --force, rejects bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from lifecycle_tui.cli.main import app


def run(*args):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_build_then_refuse_then_force(tmp_path):
    out = tmp_path / "demo.db"
    r = run("sample", "build", "--customers", "40", "--seed", "5", "--end", "2026-03-01T12:00:00Z", str(out), "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["customers"] == 40 and report["orders"] > 0 and report["as_of"] == "2026-03-01T12:00:00+00:00"
    before = out.read_bytes()
    r = run("sample", "build", "--customers", "40", str(out))
    assert r.exit_code == 1 and "--force" in r.output
    assert out.read_bytes() == before
    r = run("sample", "build", "--customers", "50", "--force", str(out))
    assert r.exit_code == 0, r.output
    # The default --as-of of other commands honours the pinned clock.
    shown = run("--db", str(out), "settings", "list", "--json")
    assert json.loads(shown.stdout)["clock.as_of"] == "2026-06-30T18:00:00+00:00"


def test_usage_errors(tmp_path):
    assert run("sample", "build", "--end", "soon", str(tmp_path / "a.db")).exit_code == 2
    assert run("sample", "build", "--customers", "3", str(tmp_path / "a.db")).exit_code == 2
    assert not (tmp_path / "a.db").exists()


def test_sample_package_imports_no_ui():
    code = (
        "import sys, lifecycle_tui.sample\n"
        "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich', 'typer'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
