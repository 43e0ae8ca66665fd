"""The registry for publisher-hosted datasets: names, options, sources, and what a user is told."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from salbench.cli import main
from salbench.datasets import fetch, load, names, spec
from salbench.datasets.loaders.published import AVAILABILITY, LoadOption, resolve_options
from salbench.exceptions import DataError, InputError

NEW = ("toronto", "koehler", "figrim", "figrim_fillers", "nusef", "pascal_s", "dut_omron", "isun",
       "salicon", "coco_search18", "coco_freeview")


def test_every_new_dataset_is_registered_with_a_source_status():
    assert set(NEW) <= set(names())
    for name in NEW:
        s = spec(name)
        assert s.source_status in AVAILABILITY
        assert s.homepage and s.source == s.homepage and not s.repo
        assert s.published and all(p.url.startswith("http") for p in s.published)
        assert s.default_out_of_image in ("error", "drop", "clip")
        assert s.counts_from, name
    assert {spec(n).source_status for n in NEW} == set(AVAILABILITY)


def test_options_are_checked_before_any_file_is_read(tmp_path):
    with pytest.raises(InputError, match="'osie' takes no option"):
        load("osie", root=tmp_path, viewing="enc")
    with pytest.raises(InputError, match="split='test' is not one of 'train', 'val'"):
        load("coco_search18", root=tmp_path, split="test")
    declared = (LoadOption("a", (1, 2), 1),)
    assert resolve_options("x", declared, {}) == {"a": 1}
    assert resolve_options("x", declared, {"a": 2}) == {"a": 2}


@pytest.mark.parametrize("name", NEW)
def test_a_missing_dataset_says_where_to_get_it(tmp_path, name):
    s = spec(name)
    with pytest.raises(DataError) as error:
        load(name, root=tmp_path)
    message = str(error.value)
    assert f"dataset {name!r} is not in {tmp_path / name}" in message
    assert s.homepage in message and f"datasets/{name}.md" in message
    with pytest.raises(DataError, match=f"{name!r} is not a pinned set of files") as fetched:
        fetch(name, root=tmp_path)
    assert s.homepage in str(fetched.value)
    assert not (tmp_path / name).exists()  # nothing half-made was left behind


def test_datasets_list_and_info_show_status_recording_and_options():
    runner = CliRunner()
    listing = runner.invoke(main, ["datasets", "list"])
    assert listing.exit_code == 0, listing.output
    rows = {line.split()[0]: line for line in listing.output.splitlines()[1:-1]}
    assert "import-only" in rows["salicon"] and "dead-host" in rows["isun"]
    assert "downloadable" in rows["osie"] or "installed" in rows["osie"]
    assert rows["isun"].split()[1:4] == ["?", "?", "?"]  # unknown counts are not invented
    info = runner.invoke(main, ["datasets", "info", "salicon"])
    assert info.exit_code == 0, info.output
    assert "recording" in info.output and "mouse tracking" in info.output
    assert "release=2017|2015|2015-json (default 2017)" in info.output
    assert "counts from" in info.output
    koehler = runner.invoke(main, ["datasets", "info", "koehler"])
    assert "observers" in koehler.output and "?" in koehler.output  # not measured
