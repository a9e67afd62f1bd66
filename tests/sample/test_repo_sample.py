"""The repository's sample.db is exactly what the generator makes now, and builds are deterministic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lifecycle_tui.sample import content_digest, generate_shop, table_digests
from lifecycle_tui.store import open_store
from lifecycle_tui.store.settings import set_value

REPO = Path(__file__).resolve().parents[2]
HINT = "sample.db is stale: run `lifecycle sample build --force sample.db` and commit it"


def _digests(path: Path) -> dict[str, str]:
    with open_store(path) as s:
        return table_digests(s)


def test_repository_sample_db_is_what_the_generator_makes(default_shop, tmp_path):
    repo_db = REPO / "sample.db"
    assert repo_db.exists(), f"sample.db is missing: run `lifecycle sample build sample.db` ({HINT})"
    # Work on a copy: opening a store applies pending migrations, which must not touch the repository file.
    copy = tmp_path / "repo-sample.db"
    shutil.copyfile(repo_db, copy)
    ours, fresh = _digests(copy), _digests(default_shop)
    differing = sorted(t for t in set(ours) | set(fresh) if ours.get(t) != fresh.get(t))
    assert not differing, f"{HINT} (tables that differ: {', '.join(differing)})"


def test_same_seed_same_digest_other_seed_differs(tmp_path):
    digests = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        path = tmp_path / f"{name}.db"
        generate_shop(path, customers=150, seed=seed)
        with open_store(path) as s:
            digests.append(content_digest(s))
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_digest_ignores_write_times_but_not_content(tmp_path):
    path = tmp_path / "d.db"
    generate_shop(path, customers=60, seed=3)
    with open_store(path) as s:
        before = content_digest(s)
        with s.transaction() as conn:  # a new wall-clock updated_at, same value
            conn.execute("UPDATE settings SET updated_at = '1999-01-01T00:00:00+00:00'")
        set_value(s, "shop.name", "Kettle & Kiln")
        assert content_digest(s) == before
        with s.transaction() as conn:
            conn.execute("UPDATE customers SET email = 'changed@example.org' WHERE id = 1")
        assert content_digest(s) != before


def test_refuses_to_overwrite_unless_asked_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "shop.db"
    path.write_text("not a store")
    with pytest.raises(FileExistsError):
        generate_shop(path, customers=40)
    assert path.read_text() == "not a store"
    report = generate_shop(path, customers=40, overwrite=True)
    assert report.customers == 40
    with open_store(path) as s:
        assert s.scalar("SELECT count(*) FROM customers") == 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.db"]


def test_bad_parameters_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate_shop(tmp_path / "x.db", customers=5)
    with pytest.raises(ValueError):
        from datetime import datetime

        generate_shop(tmp_path / "x.db", end=datetime(2026, 1, 1))
    assert not (tmp_path / "x.db").exists()


def test_output_does_not_depend_on_string_hashing(tmp_path):
    """Two interpreters with different hash seeds (set/dict order of strings) build the same store."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from lifecycle_tui.sample import generate_shop, content_digest\n"
        "from lifecycle_tui.store import open_store\n"
        "generate_shop(sys.argv[1], customers=60, seed=5)\n"
        "with open_store(sys.argv[1]) as s: print(content_digest(s))\n"
    )
    digests = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path / f"h{hash_seed}.db")],
                             env=env, capture_output=True, text=True, check=True)
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1] and len(digests[0]) == 64
