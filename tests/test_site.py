"""The leaderboard website: files, valid HTML, links, tables; and a real headless Chromium.

The fixture is what a newcomer does: score two models (a folder of PNG maps, a probabilistic
Python model) and the baselines on five OSIE test images with ``salbench evaluate``, then
``salbench site``. Set ``SALBENCH_UPDATE_SCREENSHOT=1`` to write the README's screenshot
(docs/images/site.png) from the browser test.
"""

from __future__ import annotations

import html.parser
from html import escape as html_escape
import io
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from salbench.cli import main
from salbench.exceptions import InputError
from salbench.reports import leaderboard
from salbench.reports.markdown import to_html
from salbench.reports.site import build_site, load_models_info

from _browser import Browser, find_chromium
from _evaluate_support import SHARED_DATASETS
from test_leaderboard import make_results

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OSIE = SHARED_DATASETS / "osie"
SMOOTH = f"python:{HERE / '_evaluate_support.py'}:SmoothRandomModel"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _write_maps(folder: Path, stems, *, seed=0):
    from PIL import Image
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:600, 0:800]
    centre = np.exp(-((xx - 400) ** 2 / 200 ** 2 + (yy - 300) ** 2 / 150 ** 2))
    for stem in stems:
        m = centre + 3 * gaussian_filter(rng.random((600, 800)), 15)
        Image.fromarray((255 * m / m.max()).astype(np.uint8)).save(folder / f"{stem}.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Results of two models and the baselines on 5 OSIE test images, and their site."""
    from salbench.datasets import load, split_images

    root = tmp_path_factory.mktemp("site")
    dataset = load("osie", root=SHARED_DATASETS)
    test_images = list(split_images(dataset).part("test"))[:5]
    _write_maps(root / "maps", [dataset.stimuli.stems[i] for i in test_images])
    results = root / "results"
    common = ("--dataset", OSIE, "--split", "test", "--images", 5, "--out", results,
              "--threads", 2, "--quiet")
    first = _run("evaluate", "--model", root / "maps", "--name", "maps model", "--no-baselines",
                 *common)
    assert first.exit_code == 0, first.output
    second = _run("evaluate", "--model", SMOOTH, "--name", "smooth <model>", *common)
    assert second.exit_code == 0, second.output
    info = root / "models.json"
    info.write_text(json.dumps({"smooth <model>": {
        "display_name": "Smooth & random", "link": "https://example.org/smooth",
        "notes": "A test model <b>not bold</b>.", "spec": SMOOTH}}))
    out = root / "site"
    built = _run("site", results, "-o", out, "--models-info", info, "--title", "OSIE test",
                 "--data-root", SHARED_DATASETS, "--bootstrap", 200, "--permutations", 500)
    assert built.exit_code == 0, built.output
    board = leaderboard([results], n_bootstrap=200, n_permutations=500, images="common")
    return {"root": root, "results": results, "out": out, "board": board}


def _pages(out: Path):
    return sorted(out.rglob("*.html"))


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids, self.tags = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) is not None:
                self.refs.append((tag, key, attrs[key]))


def _parse(path):
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ------------------------------------------------------------------------------ files, HTML
def test_the_site_has_its_files(site):
    out = site["out"]
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    board = site["board"]
    assert {"index.html", "leaderboard.csv", "leaderboard.json", ".salbench-site",
            "metrics/index.html"} <= names
    assert {f"metrics/{m}.html" for m in board.metrics} <= names
    assert {"models/maps-model.html", "models/smooth-model.html", "models/uniform.html",
            "models/gold-standard.html", "models/centre-bias.html"} <= names
    # galleries for both submitted models (one from the maps folder, one from its spec)
    assert {"models/maps-model.png", "models/smooth-model.png"} <= names
    assert not [n for n in names if n.endswith(".tmp") or "/." in n]
    total = sum((out / n).stat().st_size for n in names)
    assert total < 3_000_000, f"the site is {total} bytes"


def test_every_page_is_valid_html5_with_nothing_external(site):
    import html5lib

    for path in _pages(site["out"]):
        text = path.read_text(encoding="utf-8")
        html5lib.HTMLParser(strict=True).parse(text)  # raises on any parse error
        assert text.startswith("<!DOCTYPE html>\n"), path
        assert '<meta charset="utf-8">' in text, path
        parsed = _parse(path)
        assert not [t for t, a in parsed.tags if t == "link"], path  # no stylesheet to fetch
        assert not [t for t, a in parsed.tags if t == "script" and "src" in a], path
        for tag, key, ref in parsed.refs:
            if key == "src":
                assert not urlsplit(ref).scheme, f"{path}: {tag} loads {ref}"
        assert "@import" not in text and "url(" not in text.split("<main>")[0], path


def test_every_link_between_pages_resolves(site):
    out = site["out"]
    ids = {p: _parse(p).ids for p in _pages(out)}
    checked = 0
    for page in _pages(out):
        for _tag, _key, ref in _parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https"):
                continue
            assert not parts.scheme and not parts.netloc, f"{page}: {ref} is not relative"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(out)}: {ref} does not exist"
            assert out.resolve() in target.parents, f"{page}: {ref} leaves the site"
            if parts.fragment:
                assert parts.fragment in ids[target], f"{page}: no #{parts.fragment} in {target}"
            checked += 1
    assert checked > 50


def test_the_index_table_matches_the_leaderboard(site):
    board = site["board"]
    text = (site["out"] / "index.html").read_text(encoding="utf-8")
    table = board.table.set_index(["model", "metric"])
    rows = re.findall(r'<tr class="(model|baseline)" data-order="\d+">(.*?)</tr>',
                      text.split('id="leaderboard"')[1].split("</table>")[0], flags=re.S)
    assert [r[0] for r in rows] == ["model" if m["role"] == "model" else "baseline"
                                    for m in board.model_facts]
    for (role, row), name in zip(rows, board.models):
        cells = re.findall(r"<td([^>]*)>(.*?)</td>", row, flags=re.S)
        shown = "Smooth & random" if name == "smooth <model>" else name  # its display name
        assert f'data-value="{html.escape(shown)}"' in cells[0][0]
        for (attrs, content), metric in zip(cells[2:], board.metrics):
            record = table.loc[(name, metric)]
            value = re.search(r'data-value="([^"]*)"', attrs).group(1)
            if np.isnan(record["mean"]):
                assert value == "" and "missing" in attrs and "title=" in attrs
                continue
            assert float(value) == pytest.approx(float(record["mean"]), rel=1e-15)
            # intervals never break: a no-break space and nowrap cells
            assert "\u00a0(" in content and "num" in attrs
            if record["is_best"]:
                assert "<strong>" in content and "best" in attrs
            elif record["tied_with_best"] and role == "model":
                assert content.startswith("≈\u00a0")
            else:
                assert "<strong>" not in content and "≈" not in content
    assert "white-space: nowrap" in text
    # baselines in their own tbody; a saliency model's missing IG is explained
    assert '<tbody class="baselines">' in text
    assert "a saliency model has no density, so no log-likelihood" in text
    # the protocol: averaging, variants, IG baseline, gold standard
    for words in ("per image: the mean of the per-image scores", "all pixels as negatives",
                  "tuebingen convention", "leave one observer out for every metric",
                  "Information gain over".lower()):
        assert words in text.lower() or words in text, words
    assert board.meta["ig_baseline"] in text
    # the downloads are the leaderboard
    csv = pd.read_csv(site["out"] / "leaderboard.csv")
    assert set(csv["model"]) == set(board.models) and set(csv["average"]) == {"image"}
    data = json.loads((site["out"] / "leaderboard.json").read_text())
    assert data["format"] == "salbench.Leaderboard/1" and "protocol" in data
    # inline SVG figures, no <img> of a plot
    assert text.count("<svg") >= 2 and "<?xml" not in text


def test_model_pages_state_the_manifest_and_escape_the_metadata(site):
    out = site["out"]
    page = (out / "models" / "smooth-model.html").read_text(encoding="utf-8")
    assert "<title>Smooth &amp; random</title>" in page
    assert "A test model &lt;b&gt;not bold&lt;/b&gt;." in page and "<b>" not in page
    assert 'href="https://example.org/smooth"' in page
    manifest = json.loads((site["results"] / "smooth-model" / "manifest.json").read_text())
    assert manifest["dataset"]["fingerprint"] in page
    assert manifest["salbench_version"] in page and manifest["created"] in page
    assert "SmoothRandomModel" in page and "fingerprint: model" in page
    assert "Scores and paired comparisons with the leader" in page
    assert page.count("<svg") >= 1 and 'src="smooth-model.png"' in page
    # the index links the model by its slug and the gallery files are small palette PNGs
    from PIL import Image

    with Image.open(out / "models" / "smooth-model.png") as image:
        assert image.mode == "P" and image.size[0] <= 800
    baseline = (out / "models" / "uniform.html").read_text(encoding="utf-8")
    assert "No gallery: baselines have no gallery." in baseline


def test_the_gallery_uses_the_spec_evaluate_recorded(site, tmp_path):
    """Without a models-info file, each model's gallery comes from the spec its manifest
    recorded (``salbench evaluate --model SPEC``), and a fitted model is fitted again on the
    images its manifest names; baselines still have none."""
    from salbench.datasets import load

    results = site["results"]
    manifest = json.loads((results / "smooth-model" / "manifest.json").read_text())
    assert manifest["model"]["spec"] == SMOOTH
    maps_manifest = json.loads((results / "maps-model" / "manifest.json").read_text())
    assert maps_manifest["model"]["spec"] == str(site["root"] / "maps")
    out = tmp_path / "site"
    built = _run("site", results, "-o", out, "--gallery", 1, "--data-root", SHARED_DATASETS,
                 "--bootstrap", 20, "--permutations", 20)
    assert built.exit_code == 0, built.output
    page = (out / "models" / "smooth-model.html").read_text(encoding="utf-8")
    assert 'src="smooth-model.png"' in page and "No gallery" not in page
    assert f"<dt>spec</dt><dd>{html_escape(SMOOTH)}</dd>" in page
    assert (out / "models" / "smooth-model.png").stat().st_size > 1000
    assert "No gallery: baselines have no gallery." in (
        out / "models" / "uniform.html").read_text(encoding="utf-8")

    # a model that fits parameters is fitted again on the images its manifest's fit names
    from salbench.evaluation import load_results
    from salbench.plotting.site import SiteFigures

    dataset = load("osie", root=SHARED_DATASETS)
    runs = load_results([results])
    smooth = next(r for r in runs if r.model == "smooth <model>")
    smooth.manifest["model"]["spec"] = "baseline:centre"
    smooth.manifest["fit"] = {"selection": "osie:train", "overlap_allowed": None}
    build_site(runs, tmp_path / "fitted", figures=SiteFigures(), dataset=dataset,
               gallery_images=1, n_bootstrap=20, n_permutations=20)
    page = (tmp_path / "fitted" / "models" / "smooth-model.html").read_text(encoding="utf-8")
    assert 'src="smooth-model.png"' in page and "No gallery" not in page
    smooth.manifest["fit"] = None
    build_site(runs, tmp_path / "unfitted", figures=SiteFigures(), dataset=dataset,
               gallery_images=1, n_bootstrap=20, n_permutations=20)
    page = (tmp_path / "unfitted" / "models" / "smooth-model.html").read_text(encoding="utf-8")
    assert ("No gallery: baseline:centre is fitted to fixations and its results record no "
            "fitting images.") in page


def test_model_pages_read_well(site):
    """What looking at the pages found: JSON facts with ``\\u00d7`` escapes instead of "3×3",
    and difference intervals of signed bounds joined by a dash ("-0.0115–-0.00492")."""
    from salbench.reports.site import _manifest_facts

    facts = dict(_manifest_facts({"model": {"description": {"parameters": {
        "network": "Conv2d(3→43, 3×3)"}}, "gflops": 0.2}}, "m", {}))
    assert facts["parameters"] == '{"network": "Conv2d(3→43, 3×3)"}'
    page = (site["out"] / "models" / "maps-model.html").read_text(encoding="utf-8")
    # the difference column: always signed, "+0.117 (-0.0502 to +0.28)"
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", page)]
    signed = [cells[4] for cells in rows if len(cells) == 6 and cells[4][:1] in "+-"]
    assert signed and all(re.fullmatch(r"[+-]\S+\u00a0\([+-]\S+\u00a0to\u00a0[+-]\S+\)", c)
                          for c in signed), signed[:3]


def test_metric_pages_come_from_the_cards(site):
    out = site["out"]
    auc = (out / "metrics" / "auc.html").read_text(encoding="utf-8")
    assert "<h2><code>auc</code> — exact rank AUC, all pixels as negatives</h2>" in auc
    assert "<dt>direction</dt><dd>higher</dd>" in auc and "<pre><code>" in auc
    catalogue = (out / "metrics" / "index.html").read_text(encoding="utf-8")
    assert 'href="auc.html"' in catalogue


def test_leaderboard_format_html_is_a_complete_page_from_the_same_renderer(site):
    from salbench.reports.html import SORT_SCRIPT

    result = _run("leaderboard", site["results"], "--format", "html", "--bootstrap", 100,
                  "--permutations", 100, "--average", "fixation")
    assert result.exit_code == 0, result.output
    import html5lib

    html5lib.HTMLParser(strict=True).parse(result.stdout)
    assert result.stdout.startswith("<!DOCTYPE html>") and SORT_SCRIPT in result.stdout
    assert "per fixation: each image" in result.stdout


# ------------------------------------------------------------------------------ inputs
def test_models_info_files(tmp_path):
    good = tmp_path / "info.json"
    good.write_text('{"a": {"display_name": "A", "paper": "https://x.org"}}')
    assert load_models_info(good) == {"a": {"display_name": "A", "paper": "https://x.org"}}
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": {"display_name": "A",}}')
    with pytest.raises(InputError, match=r"bad.json is not valid JSON: line 1"):
        load_models_info(bad)
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"a": {"website": "x"}}')
    with pytest.raises(InputError, match=r"model 'a' has unknown keys \['website'\]"):
        load_models_info(unknown)
    yaml_file = tmp_path / "info.yaml"
    yaml_file.write_text("a:\n  display_name: A\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(InputError, match="needs PyYAML"):
            load_models_info(yaml_file)
    else:
        assert load_models_info(yaml_file) == {"a": {"display_name": "A"}}


def test_the_site_command_reports_bad_input_in_one_line(site, tmp_path):
    help_text = _run("site", "--help")
    assert help_text.exit_code == 0 and "--models-info" in help_text.output
    yaml_file = tmp_path / "info.yaml"
    yaml_file.write_text("zz:\n  display_name: Z\n")
    result = _run("site", site["results"], "-o", tmp_path / "s", "--models-info", yaml_file,
                  "--gallery", 0, "--bootstrap", 20, "--permutations", 20)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert ("needs PyYAML" in result.stderr or "no results: ['zz']" in result.stderr)
    assert not (tmp_path / "s").exists()


def _category_runs():
    runs = []
    for name, shift in (("m1", 0.0), ("m2", 0.05)):
        r = make_results(name, {"auc": np.linspace(0.6, 0.8, 6) + shift,
                                "kld": np.linspace(0.5, 0.9, 6) - shift})
        r.attributes = pd.DataFrame({"image": range(6), "category": list("aabbbc")})
        runs.append(r)
    return runs


def test_categories_get_their_own_tables_and_the_folder_is_protected(tmp_path):
    out = tmp_path / "site"
    build_site(_category_runs(), out, n_bootstrap=50, n_permutations=50, cards=REPO / "metrics")
    text = (out / "index.html").read_text(encoding="utf-8")
    for value, n in (("a", 2), ("b", 3), ("c", 1)):
        assert f"<h2>category = {value} ({n} images)</h2>" in text
    assert text.count('class="sortable leaderboard"') == 4
    assert "No figures" in text  # no figure maker was given
    # rebuilding replaces the site; a folder of other files is never touched
    build_site(_category_runs(), out, title="again", n_bootstrap=50, n_permutations=50)
    assert "<title>again</title>" in (out / "index.html").read_text(encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="folder of other files"):
        build_site(_category_runs(), other, n_bootstrap=50, n_permutations=50)
    assert sorted(p.name for p in other.iterdir()) == ["keep.txt"]
    with pytest.raises(InputError, match=r"names models that have no results: \['zz'\]"):
        build_site(_category_runs(), tmp_path / "x", models_info={"zz": {}})


def test_the_markdown_converter_escapes_everything():
    text = ("# Title <script>alert(1)</script>\n\nA [bad](javascript:alert(1)) and "
            "[card](auc.md) and `<b>`.\n\n- one *two*\n- **three**\n\n| a | b |\n|---|---|\n"
            "| <i>x</i> | `y` |\n\n    code <here>\n")
    out = to_html(text, link=lambda t: t.replace(".md", ".html") if t.endswith(".md") else t)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "javascript:" not in out.split("bad")[0] and 'href="javascript' not in out
    assert '<a href="auc.html">card</a>' in out and "<code>&lt;b&gt;</code>" in out
    assert "<ul><li>one <em>two</em></li><li><strong>three</strong></li></ul>" in out
    assert "<td>&lt;i&gt;x&lt;/i&gt;</td>" in out and "<pre><code>code &lt;here&gt;</code></pre>" in out


# ------------------------------------------------------------------------------ the browser
CHROMIUM = find_chromium()


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: apt-get "
                                             "install chromium; or set SALBENCH_CHROMIUM)")
def test_the_site_in_headless_chromium(site):
    from PIL import Image

    out, board = site["out"], site["board"]
    order = ("Array.from(document.querySelectorAll('#leaderboard tbody.%s tr'))"
             ".map(function (r) { return r.cells[0].getAttribute('data-value'); })")
    with Browser(CHROMIUM) as browser:
        browser.open((out / "index.html").as_uri())
        assert browser.evaluate("document.title") == "OSIE test"
        models = browser.evaluate(order % "models")
        baselines = browser.evaluate(order % "baselines")
        display = {"smooth <model>": "Smooth & random"}  # from the models info file
        assert models + baselines == [display.get(n, n) for n in board.models]
        name_of = {display.get(n, n): n for n in board.models}

        table = board.table.set_index(["model", "metric"])

        def expected(metric, descending):
            def key(label):
                value = table.loc[(name_of[label], metric), "mean"]
                return (np.isnan(value), -value if descending else value)
            return (sorted(models, key=key), sorted(baselines, key=key))

        for metric in ("auc", "kld", "information_gain"):
            column = 3 + board.metrics.index(metric)
            higher = table.loc[(board.models[0], metric), "direction"] == "higher"
            header = f"#leaderboard thead th:nth-child({column}) button"
            browser.click(header)  # best first: descending for higher-is-better
            assert (browser.evaluate(order % "models"),
                    browser.evaluate(order % "baselines")) == expected(metric, higher), metric
            sort = browser.evaluate(f"document.querySelector('#leaderboard thead "
                                    f"th:nth-child({column})').getAttribute('aria-sort')")
            assert sort == ("descending" if higher else "ascending")
            browser.click(header)  # and reversed (missing values stay last)
            assert (browser.evaluate(order % "models"),
                    browser.evaluate(order % "baselines")) == expected(metric, not higher)
        browser.click("#leaderboard thead th:nth-child(1) button")
        assert browser.evaluate(order % "models") == sorted(models, key=str.casefold)

        shot = browser.screenshot()
        with Image.open(io.BytesIO(shot)) as image:
            pixels = np.asarray(image.convert("RGB"), dtype=float)
        assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
        if os.environ.get("SALBENCH_UPDATE_SCREENSHOT") == "1":
            browser.open((out / "index.html").as_uri())  # the unsorted page
            (REPO / "docs" / "images" / "site.png").write_bytes(browser.screenshot())

        # every page loads without an error, and nothing but file:// is ever requested
        for page in _pages(out):
            browser.open(page.as_uri())
            assert browser.evaluate("document.readyState") == "complete"
            broken = browser.evaluate(
                "Array.from(document.images).filter(function (i) {"
                " return !(i.complete && i.naturalWidth > 0); }).map(function (i) {"
                " return i.src; })")
            assert broken == [], page
        errors = browser.console_errors()
        assert errors == [], errors
        schemes = {urlsplit(u).scheme for u in browser.requested_urls()}
        assert schemes <= {"file", "data"}, browser.requested_urls()
        assert "file" in schemes
