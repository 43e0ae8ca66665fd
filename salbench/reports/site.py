"""A static leaderboard website from results folders: viewable from ``file://``, publishable as is.

:func:`build_site` writes::

    SITE/index.html             the leaderboard (sortable), per-group tables, protocol, figures
    SITE/leaderboard.csv        the table (with its protocol columns) and
    SITE/leaderboard.json       the JSON leaderboard, both linked from index.html
    SITE/models/<slug>.html     one page per model: manifest facts, scores, paired comparisons
                                with the leader, per-image distribution, gallery
    SITE/models/<slug>.png      the gallery (image + fixations, empirical map, prediction)
    SITE/metrics/<name>.html    one page per metric, from its card in metrics/
    SITE/metrics/index.html     the metric catalogue (metrics/README.md)

Every link between pages is relative; nothing is fetched from a network. The site is built in a
temporary folder beside ``SITE`` and moved into place when complete, so a reader never sees half
a site; an existing ``SITE`` is replaced only when salbench made it (its ``.salbench-site``
marker), never a folder of other files.

Figures need matplotlib, a layer above this one: ``figures=`` takes an object with the methods
of :class:`salbench.plotting.site.SiteFigures` (the command line passes one). Without it the
pages say that no figures were drawn.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

from ..evaluation.results import load_results
from ..exceptions import DataError, InputError
from . import html as H
from .leaderboard import leaderboard
from .markdown import front_matter, to_html

MARKER = ".salbench-site"
#: The metrics whose per-image distributions a model page shows first (up to four in all).
DISTRIBUTION_METRICS = ("information_gain", "auc", "nss", "cc", "kld")
#: A fingerprint longer than this is shown by its hash (a folder of 700 maps lists 700 files).
LONG_FACT = 400
#: What a model's entry in ``models_info`` may hold.
MODEL_INFO_KEYS = ("display_name", "link", "paper", "code", "notes", "spec")
#: The card folder of a source checkout (``metrics/`` beside the package).
CARDS = Path(__file__).resolve().parents[2] / "metrics"


def load_models_info(path) -> dict:
    """Model metadata from a JSON or YAML file: ``{model name: {display_name, link, paper,
    code, notes, spec}}`` (every key optional; ``spec`` rebuilds the model for the gallery;
    without it the gallery uses the spec the results' manifest recorded, ``model.spec``).

    YAML needs PyYAML (not a dependency of salbench); JSON always works.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the models info file {path}: {exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise InputError(f"{path} is YAML, which needs PyYAML (pip install pyyaml); or "
                             "write the same data as JSON") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path} is not valid YAML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} is not valid JSON: line {exc.lineno}, column "
                             f"{exc.colno}: {exc.msg}") from None
    return check_models_info(data, source=str(path))


def check_models_info(data, *, source: str = "models_info") -> dict:
    """``data`` as ``{name: {key: str}}``, or an :class:`InputError` naming the bad entry."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping of model name to its facts, got "
                         f"{type(data).__name__}")
    out = {}
    for name, facts in data.items():
        if not isinstance(facts, dict):
            raise InputError(f"{source}: the entry of model {name!r} must be a mapping, got "
                             f"{type(facts).__name__}")
        unknown = sorted(set(facts) - set(MODEL_INFO_KEYS))
        if unknown:
            raise InputError(f"{source}: model {name!r} has unknown keys {unknown}; allowed: "
                             f"{', '.join(MODEL_INFO_KEYS)}")
        for key, value in facts.items():
            if not isinstance(value, str):
                raise InputError(f"{source}: {name!r}.{key} must be text, got "
                                 f"{type(value).__name__}")
        out[str(name)] = dict(facts)
    return out


def slug(name: str) -> str:
    """A file name for a model's page (lower case letters, digits and dashes)."""
    keep = "".join(c if c.isalnum() and c.isascii() else "-" for c in str(name).lower())
    return "-".join(part for part in keep.split("-") if part) or "model"


def build_site(results, out, *, title: str | None = None, models_info=None, by="auto",
               average: str = "image", figures=None, dataset=None, models=None,
               gallery_images: int = 3, cards=None, n_bootstrap: int = 1000,
               n_permutations: int = 10000, seed: int = 0) -> Path:
    """Write a static leaderboard website (see the module notes for its files).

    Parameters
    ----------
    results : sequence of Results or path-like
        As for :func:`salbench.leaderboard` (run folders, results folders, Results).
    out : path-like
        The site folder (created; replaced if salbench made it before).
    title : str, optional
        Default ``"Leaderboard: DATASET"``.
    models_info : dict or path-like, optional
        Model metadata (:func:`load_models_info`).
    by : str, "auto" or None, default="auto"
        Per-image attribute of the per-group tables; ``"auto"`` uses ``category`` when the
        results recorded it, None none.
    average : {"image", "fixation"}, default="image"
        As for :func:`salbench.leaderboard`.
    figures : SiteFigures-like, optional
        Draws the figures (:class:`salbench.plotting.site.SiteFigures`); None draws none.
    dataset : salbench.Dataset, optional
        The scored dataset, for the galleries (checked against the results' image ids).
    models : dict, optional
        ``{model name: model object or spec}`` for the galleries; otherwise a ``spec`` in
        ``models_info``, else the spec :func:`salbench.evaluate` recorded in the model's
        manifest (``model.spec``, for models built by :func:`~salbench.models.from_spec` or
        on the command line; a model that fits parameters is fitted again on the images its
        manifest's ``fit`` names), else a folder of maps that still exists.
    gallery_images : int, default=3
        Images in each model's gallery (the first scored ones); 0 for none.
    cards : path-like, optional
        The folder of metric cards (default: ``metrics/`` of this source tree).
    n_bootstrap, n_permutations, seed
        Statistics of the leaderboard.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    runs = load_results(results)
    if not runs:
        raise InputError("build_site() needs at least one result")
    if isinstance(models_info, (str, os.PathLike)):
        models_info = load_models_info(models_info)
    info = check_models_info(models_info)
    unknown = sorted(set(info) - {r.model for r in runs})
    if unknown:
        raise InputError(f"models info names models that have no results: {unknown}; the "
                         f"results are of {', '.join(r.model for r in runs)}")
    if by == "auto":
        by = "category" if any(getattr(r, "attributes", None) is not None
                               and "category" in r.attributes.columns for r in runs) else None
    board = leaderboard(runs, by=by, average=average, n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed, images="common")
    _check_target(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        site = _Site(tmp, board, runs, info, title=title, figures=figures, dataset=dataset,
                     models=dict(models or {}), gallery_images=gallery_images,
                     cards=Path(cards) if cards is not None else CARDS)
        site.write()
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _check_target(out: Path):
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(f"{out} is a folder of other files (no {MARKER} marker); give an empty "
                         "or new folder for the site")


def _swap(tmp: Path, out: Path):
    """Move the finished site into place (the old one, if any, is removed after)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class _Site:
    def __init__(self, root, board, runs, info, *, title, figures, dataset, models,
                 gallery_images, cards):
        self.root = root
        self.board = board
        self.runs = {r.model: r for r in runs}
        self.info = info
        self.title = title or f"Leaderboard: {board.meta.get('dataset')}"
        self.figures = figures
        self.dataset = dataset
        self.models = models
        self.gallery_images = int(gallery_images)
        self.cards = cards
        self.slugs = {}
        for name in board.models:
            base, k = slug(name), 2
            candidate = base
            while candidate in self.slugs.values():
                candidate, k = f"{base}-{k}", k + 1
            self.slugs[name] = candidate

    # ----------------------------------------------------------------- helpers
    def _write(self, relative: str, text_or_bytes):
        from .._io import write_bytes_atomic, write_text_atomic

        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text_or_bytes, bytes):
            write_bytes_atomic(path, text_or_bytes)
        else:
            write_text_atomic(path, text_or_bytes)

    def display(self, name):
        return self.info.get(name, {}).get("display_name") or name

    def write(self):
        board = self.board
        self._write(MARKER, "made by salbench site; this folder is replaced when rebuilt\n")
        self._write("leaderboard.csv", board.to_csv())
        self._write("leaderboard.json", board.to_json())
        metric_pages = self._metric_pages()
        self._write("index.html", self._index(metric_pages))
        for name in board.models:
            self._write(f"models/{self.slugs[name]}.html", self._model_page(name, metric_pages))

    # ----------------------------------------------------------------- index
    def _index(self, metric_pages):
        board = self.board
        figures = []
        if self.figures is not None:
            metric = _figure_metric(board)
            figures.append((f"{metric}: means with their bootstrap intervals (best model "
                            "orange, ≈ tied with it hollow, baselines grey)",
                            self.figures.leaderboard_svg(board, metric)))
            speed = self.figures.speed_svg(board, metric)
            if speed is not None:
                figures.append((f"Speed and accuracy: {metric} against the cost per image, "
                                "with the Pareto front", speed))
        body = H.leaderboard_body(
            board, model_href=lambda n: f"models/{self.slugs[n]}.html",
            metric_href=lambda m: metric_pages.get(m), model_label=self.display, figures=figures,
            downloads=(("leaderboard.csv", "CSV"), ("leaderboard.json", "JSON")))
        if self.figures is None:
            body += ('\n<p class="note">No figures: the site was built without a figure maker '
                     "(salbench.plotting.site.SiteFigures).</p>")
        described = [n for n in board.models if self.info.get(n)]
        if described:
            items = "".join(f'<li><a href="models/{self.slugs[n]}.html">{H.escape(self.display(n))}'
                            f"</a>{self._info_links(n)}</li>" for n in described)
            body += f"\n<h2>Models</h2><ul>{items}</ul>"
        nav = [("index.html", "leaderboard"), ("metrics/index.html", "metrics")]
        footer = "<h2>Protocol</h2>" + H.protocol_html(board) + H.generator_note()
        return H.page(self.title, body, nav=nav, footer=footer)

    def _info_links(self, name):
        facts = self.info.get(name, {})
        links = [f'<a href="{H.escape(facts[k])}">{k}</a>' for k in ("link", "paper", "code")
                 if facts.get(k) and _safe_url(facts[k])]
        return (" — " + ", ".join(links)) if links else ""

    # ----------------------------------------------------------------- model pages
    def _model_page(self, name, metric_pages):
        board, run = self.board, self.runs[name]
        manifest = run.manifest
        table = board.table[board.table["model"] == name].set_index("metric")
        facts = self.info.get(name, {})
        parts = []
        if facts.get("notes"):
            parts.append(f"<p>{H.escape(facts['notes'])}</p>")
        links = self._info_links(name)
        if links:
            parts.append(f"<p>Links{links}</p>")
        parts.append("<h2>Facts</h2>" + _facts_list(_manifest_facts(manifest, name, facts)))

        parts.append("<h2>Scores and paired comparisons with the leader</h2>")
        parts.append('<p class="note">Mean over the leaderboard\'s images with its bootstrap '
                     "interval; the difference is this model minus the metric's best model, "
                     "with its interval and the paired sign-flip test's p-value.</p>")
        rows = []
        for metric in board.metrics:
            row = table.loc[metric]
            href = metric_pages.get(metric)
            label = (f'<a href="../{H.escape(href)}">{H.escape(metric)}</a>' if href
                     else H.escape(metric))
            if math.isnan(float(row["mean"])):
                why = (next(m for m in board.model_facts if m["name"] == name).get("missing")
                       or {}).get(metric, "no value")
                rows.append(f"<tr><td>{label}</td><td class=\"num missing\" colspan=\"5\">– "
                            f"({H.escape(why)})</td></tr>")
                continue
            value = (f"{H.number_text(row['mean'], metric)}\u00a0("
                     f"{H.number_text(row['ci_low'], metric)}\u2013"
                     f"{H.number_text(row['ci_high'], metric)})")
            best = row["best_model"] or "–"
            if bool(row["is_best"]):
                diff, p, verdict = "0 (this is the leader)", "–", "leader"
            elif math.isnan(float(row["diff_vs_best"])):
                diff, p, verdict = "–", "–", "no leader"
            else:
                # "to", not a dash: the bounds are signed ("-0.0115–-0.00492" misreads)
                diff = (f"{float(row['diff_vs_best']):+.3g}\u00a0({float(row['diff_ci_low']):+.3g}"
                        f"\u00a0to\u00a0{float(row['diff_ci_high']):+.3g})")
                p = f"{float(row['p_vs_best']):.3g}"
                verdict = "≈ tied" if bool(row["tied_with_best"]) else "differs"
            best_cell = (f'<a href="{self.slugs[best]}.html">{H.escape(best)}</a>'
                         if best in self.slugs else H.escape(best))
            rows.append(f"<tr><td>{label}</td><td class=\"num\">{value}</td>"
                        f"<td class=\"num\">{int(row['rank'])}</td><td>{best_cell}</td>"
                        f"<td class=\"num\">{diff}</td><td class=\"num\">{p} {verdict}</td></tr>")
        parts.append('<div class="scroll"><table><thead><tr><th>metric</th><th class="num">'
                     "mean (interval)</th><th class=\"num\">rank (all rows)</th><th>leader</th>"
                     '<th class="num">difference vs leader</th><th class="num">p</th></tr>'
                     "</thead><tbody>" + "".join(rows) + "</tbody></table></div>")

        parts.append("<h2>Per-image scores</h2>")
        if self.figures is None:
            parts.append('<p class="note">No figures drawn.</p>')
        else:
            preferred = [board.meta["sort_by"], *DISTRIBUTION_METRICS, *board.metrics]
            metrics = list(dict.fromkeys(m for m in preferred if m in run.images.columns
                                         and run.images[m].notna().any()))[:4]
            if metrics:
                parts.append(H.inline_svg(self.figures.distribution_svg(run, metrics, board),
                                          caption="Distribution of the per-image scores over the "
                                                  "leaderboard's images (dashed: the mean)",
                                          label=f"per-image scores of {name}"))
            metric = _figure_metric(board)
            leader = table.loc[metric, "best_model"] if metric in table.index else ""
            if leader and leader != name and metric in run.images.columns \
                    and run.images[metric].notna().any():
                parts.append(H.inline_svg(
                    self.figures.paired_svg(self.runs[leader], run, metric, board),
                    caption=f"{metric} per image: {name} against the leader {leader}",
                    label=f"paired comparison with {leader}"))
        parts.append(self._gallery(name))
        nav = [("../index.html", "leaderboard"), ("../metrics/index.html", "metrics")]
        footer = "<h2>Protocol</h2>" + H.protocol_html(board) + H.generator_note()
        return H.page(self.display(name), "\n".join(parts), nav=nav, footer=footer)

    def _gallery(self, name):
        head = "<h2>Gallery</h2>"
        if self.gallery_images <= 0:
            return ""
        if self.figures is None:
            return head + '<p class="note">No figures drawn.</p>'
        model, why = self._model_for(name)
        if model is None:
            return head + f'<p class="note">No gallery: {H.escape(why)}.</p>'
        dataset, why = self._dataset_for(name)
        if dataset is None:
            return head + f'<p class="note">No gallery: {H.escape(why)}.</p>'
        images = self.board.meta["image_indices"][:self.gallery_images]
        if isinstance(model, str):
            model, why = self._fitted(name, model, dataset, images)
            if model is None:
                return head + f'<p class="note">No gallery: {H.escape(why)}.</p>'
        try:
            png = self.figures.gallery_png(dataset, images, model, name)
        except (InputError, DataError) as exc:
            return head + f'<p class="note">No gallery: {H.escape(exc)}.</p>'
        file = f"{self.slugs[name]}.png"
        self._write(f"models/{file}", png)
        return (head + f'<figure class="gallery"><img src="{H.escape(file)}" alt="images '
                f'{", ".join(map(str, images))}: fixations, empirical map, prediction of '
                f'{H.escape(name)}"><figcaption>Dataset images {", ".join(map(str, images))}: '
                "the image with its fixations, the empirical fixation density and the model's "
                "prediction (its density for a probabilistic model).</figcaption></figure>")

    def _model_for(self, name):
        if name in self.models:
            return self.models[name], ""
        run = self.runs[name]
        spec = self.info.get(name, {}).get("spec")
        recorded = run.manifest["model"]
        description = recorded.get("description") or {}
        if spec is None and run.role == "model":
            # the spec evaluate recorded (a baseline's is a baseline spec, not a model's)
            spec = recorded.get("spec")
        if spec is None and description.get("class") == "MapDirectoryModel":
            folder = (description.get("parameters") or {}).get("directory")
            if folder and Path(folder).is_dir():
                spec = folder
        if spec is None:
            if run.role != "model":
                return None, "baselines have no gallery"
            return None, ("the results do not say how to rebuild the model; give its spec in "
                          "the models info file")
        return spec, ""

    def _fitted(self, name, spec, dataset, images):
        """The model of ``spec`` — fitted on the images its results record, when it fits
        parameters (``density:``, ``fastgaze:``), as it was when it was scored."""
        from ..evaluation.fitting import model_for_scoring
        from ..models.spec import fits_parameters

        if not fits_parameters(spec):
            return spec, ""
        fit = self.runs[name].manifest.get("fit") or {}
        if not fit.get("selection"):
            return None, (f"{spec} is fitted to fixations and its results record no fitting "
                          "images")
        try:
            return model_for_scoring(spec, dataset, images, fit_on=fit["selection"],
                                     allow_fit_overlap=bool(fit.get("overlap_allowed"))), ""
        except (InputError, DataError) as exc:
            return None, f"{spec} could not be fitted on {fit['selection']} again ({exc})"

    def _dataset_for(self, name):
        if self.dataset is None:
            return None, "no dataset was given (salbench site --dataset)"
        run = self.runs[name]
        ids = run.images.set_index("image")["image_id"]
        for i in self.board.meta["image_indices"][:self.gallery_images]:
            if i >= len(self.dataset) or self.dataset[i].id != ids.loc[i]:
                return None, (f"dataset image {i} is not the scored image {ids.loc[i]} (another "
                              "dataset or version)")
        return self.dataset, ""

    # ----------------------------------------------------------------- metric pages
    def _metric_pages(self):
        """Write one page per shown metric (and the catalogue); name -> relative URL."""
        from ..metrics import get, names

        registered = set(names())
        cards = {p.stem: p for p in self.cards.glob("*.md")} if self.cards.is_dir() else {}
        pages = {}

        def link(target):
            base, _, anchor = target.partition("#")
            stem = Path(base).stem
            if target.startswith(("http://", "https://")):
                return target
            if base.endswith(".md") and "/" not in base and stem in cards:
                page_name = "index" if stem == "README" else stem
                return f"{page_name}.html" + (f"#{anchor}" if anchor else "")
            return None  # a file the site does not publish: keep the text only

        for metric in self.board.metrics:
            if metric in cards and metric in registered:
                facts, body = front_matter(cards[metric].read_text(encoding="utf-8"))
                content = _facts_list([(k, v) for k, v in facts.items()]) + to_html(body,
                                                                                   link=link,
                                                                                   shift=1)
            elif metric in registered:
                info = get(metric)
                content = _facts_list([("summary", info.summary), ("direction", info.direction),
                                       ("conventions", ", ".join(info.conventions) or "–"),
                                       ("family", info.family)])
                content += '<p class="note">No card for this metric in this installation.</p>'
            else:
                fact = next(m for m in self.board.metric_facts if m["name"] == metric)
                content = f"<p>{H.escape(fact.get('summary', metric))}.</p>"
            pages[metric] = f"metrics/{metric}.html"
            self._write(pages[metric], H.page(
                f"Metric: {metric}", content, nav=[("../index.html", "leaderboard"),
                                                   ("index.html", "metrics")],
                footer=H.generator_note(), script=False))
        readme = cards.get("README")
        if readme is not None:
            content = to_html(front_matter(readme.read_text(encoding="utf-8"))[1], link=link,
                              shift=1)
        else:
            content = ""
        listing = "".join(f'<li><a href="{m}.html">{H.escape(m)}</a></li>' for m in pages)
        self._write("metrics/index.html", H.page(
            "Metrics", f"<p>The metrics of this leaderboard:</p><ul>{listing}</ul>\n{content}",
            nav=[("../index.html", "leaderboard")], footer=H.generator_note(), script=False))
        return pages


def _figure_metric(board) -> str:
    """The metric the index plots: the sort metric, unless no submitted model has it (a board
    of saliency maps sorted by information gain), then the first metric they have."""
    table = board.table[(board.table["role"] == "model") & board.table["mean"].notna()]
    have = set(table["metric"])
    if board.meta["sort_by"] in have or not have:
        return board.meta["sort_by"]
    return next(m for m in board.metrics if m in have)


def _safe_url(url: str) -> bool:
    return url.startswith(("http://", "https://")) or "://" not in url and \
        not url.lower().startswith(("javascript:", "data:"))


def _facts_list(pairs) -> str:
    items = "".join(f"<dt>{H.escape(k)}</dt><dd>{H.escape(v)}</dd>" for k, v in pairs
                    if v not in (None, ""))
    return f'<dl class="facts">{items}</dl>'


def _json_text(value) -> str:
    """A manifest record as JSON for a page, which is UTF-8: "3×3" and "3→43" as they are,
    not ``\\u00d7`` escapes."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _manifest_facts(manifest, name, info) -> list:
    """What a model's page states about it, from its results' manifest."""
    model = manifest.get("model") or {}
    description = model.get("description") or {}
    pairs = [("name", name), ("role", model.get("role", "model")), ("kind", model.get("kind")),
             ("spec", info.get("spec") or model.get("spec") or description.get("spec")),
             ("class", description.get("class"))]
    parameters = description.get("parameters")
    if parameters:
        pairs.append(("parameters", _json_text(parameters)))
    for key, label in (("gflops", "GFLOP per image"), ("params", "parameters (count)"),
                       ("cost", "cost")):
        value = model.get(key, description.get(key))
        if value is not None:
            pairs.append((label, value if isinstance(value, str) else _json_text(value)))
    fit = manifest.get("fit")
    if fit:
        pairs.append(("fitted on", f"{fit.get('selection', '?')} ({fit.get('n_images', '?')} "
                                   "images)"))
    baseline = (manifest.get("parameters") or {}).get("baseline") or {}
    if baseline:
        pairs.append(("information gain baseline", baseline.get("spec") or baseline.get("name")))
    dataset = manifest.get("dataset") or {}
    pairs.append(("dataset", f"{dataset.get('name')} ({dataset.get('fingerprint')})"))
    split = manifest.get("split") or {}
    if split:
        pairs.append(("split", _json_text(split)))
    inputs = (manifest.get("config") or {}).get("inputs") or {}
    for key, value in inputs.items():
        text = _json_text(value)
        if len(text) > LONG_FACT:
            import hashlib

            # of the JSON as json.dumps(record, sort_keys=True) writes it, escapes and all
            digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
            files = value.get("files") if isinstance(value, dict) else None
            count = f"{len(files)} files, " if isinstance(files, dict) else ""
            text = (f"{count}sha256 of the record {digest} (the full record is the manifest's "
                    f"config.inputs.{key})")
        pairs.append((f"fingerprint: {key}", text))
    pairs += [("scored", manifest.get("created")), ("finished", manifest.get("finished")),
              ("salbench version", manifest.get("salbench_version"))]
    timings = manifest.get("timings") or {}
    if timings.get("model_ms_per_image") is not None:
        pairs.append(("model time", f"{timings['model_ms_per_image']:.3g} ms per image"))
    return pairs
