"""Each dataset card in the top-level datasets/ folder agrees with the registry and manifests."""

import re
from pathlib import Path

import pytest

from salbench.datasets import names, spec
from salbench.datasets.manifest import manifest_digest

CARDS = Path(__file__).resolve().parents[1] / "datasets"


def facts(name):
    text = (CARDS / f"{name}.md").read_text()
    section = text.split("## Facts", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \| (.+?) \|$", section, flags=re.M)
    table = {k.strip(): v.strip() for k, v in rows if k.strip() not in ("field", "---")}
    return text, table


def test_every_registered_dataset_has_a_card_and_no_card_is_orphaned():
    assert sorted(p.stem for p in CARDS.glob("*.md") if p.stem != "README") == names()
    assert not (CARDS / "__init__.py").exists()


def count(value):
    """A card's count: "not measured" / "unknown" (None) or a number."""
    return None if value in ("not measured", "unknown") else int(value)


@pytest.mark.parametrize("name", names())
def test_card_matches_registry(name):
    s = spec(name)
    text, f = facts(name)
    assert f["name"] == s.name
    assert f["source"] == s.source
    assert f["licence"].startswith(s.licence)
    assert count(f["images"]) == s.n_images
    assert count(f["observers"]) == s.n_observers
    assert count(f["fixations"]) == s.n_fixations
    assert count(f["empty trials"]) == s.empty_trials
    assert f["image sizes"] == s.image_sizes
    assert f["source status"] == s.source_status
    # a card may say more than the spec's tag ("fixtures in the publisher's layout (...)")
    assert f["tested on"] == s.tested_on or f["tested on"].startswith((s.tested_on + " ",
                                                                        s.tested_on + ":"))
    ppd = f["pixels per degree"]
    assert (ppd == "unknown") if s.pixels_per_degree is None else float(ppd) == s.pixels_per_degree
    if s.attributes:
        assert f["attributes"] == ", ".join(s.attributes)
    if s.archives:
        assert f["folder"] == s.install_folder
        for a in s.archives:
            assert f[f"{a.filename} md5"] == (a.md5 or "not pinned")
            assert a.url in text
            for provided in a.provides:
                assert f"`{provided}/` ← `{a.filename}`" in text
        assert "salbench datasets import" in text  # where to get it when the host fails
        return
    if s.published:  # a publisher's archives: no commit, no manifest of our own
        _check_publisher_card(s, text, f)
        return
    assert f["commit"] == s.commit
    assert int(f["files"]) == len(s.files)
    if s.checksums_pinned:
        assert int(f["bytes"]) == sum(e.size for e in s.files)
        assert f["manifest sha256"] == manifest_digest(s.files)
        pinned = {e.path: e.sha256 for e in s.files}
        listed = {k[: -len(" sha256")]: v for k, v in f.items()
                  if k.endswith(" sha256") and k != "manifest sha256"}
        assert listed and all(pinned[path] == digest for path, digest in listed.items())
        assert set(s.fixation_files) <= set(listed)
    else:
        assert f["manifest sha256"] == "not pinned" and "Not pinned" in text
    # every file the loader reads is named in the layout section with its path in the repository
    for local in s.fixation_files:
        assert f"`{local}` ← `{s.remote_path(local)}`" in text


def test_the_closing_table_of_the_issue_is_true():
    """datasets/README.md lists every dataset with its counts, status and test basis."""
    table = (CARDS / "README.md").read_text() if (CARDS / "README.md").exists() else ""
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \|$", table, flags=re.M)
    assert sorted(name for name, _ in rows) == names()
    for name, rest in rows:
        s = spec(name)
        cells = [c.strip() for c in rest.split("|")]
        assert count(cells[0]) == s.n_images and count(cells[1]) == s.n_fixations
        assert count(cells[2]) == s.n_observers
        assert cells[3] == s.source_status and cells[4] == s.tested_on


def _check_publisher_card(s, text, f):
    """Source status, recording, test coverage, every published file with its checksums."""
    assert f["recording"] == s.tracking
    assert "## Files and layout" in text and "## Coordinate conversion" in text
    assert "## Known traps" in text
    files = text.split("## Published files", 1)[1].split("\n## ", 1)[0]
    for published in s.published:
        row = next((line for line in files.splitlines() if line.startswith(f"| {published.name} |")), None)
        assert row is not None, f"{published.name} is not in the card's published files"
        assert published.url in row
        for digest in (published.md5, published.sha256):
            assert digest is None or digest in row
        assert (published.size is None) or str(published.size) in row
    for option in s.options:
        assert f"`{option.name}=`" in text, f"option {option.name} is not on the card"
    for relative in s.required_files():
        assert f"`{relative}`" in text, f"{relative} is not in the card's layout"
