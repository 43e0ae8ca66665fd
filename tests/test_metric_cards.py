"""The metric catalogue (top-level ``metrics/``) agrees with the metric registry.

Every registered metric has a card ``metrics/<name>.md`` whose front matter repeats the
registry's facts; no card describes an unknown metric; ``metrics/README.md`` lists every metric;
each card has the agreed sections and its usage example runs as a doctest.
"""

from __future__ import annotations

import doctest
import re
import warnings
from pathlib import Path

import pytest

import salbench.metrics as M
from salbench.exceptions import DegenerateInputWarning

CATALOGUE = Path(__file__).resolve().parents[1] / "metrics"
FIELDS = ("name", "direction", "needs", "conventions", "family", "stochastic", "reference")
SECTIONS = (
    "Definition",
    "Direction and range",
    "Which fixations count",
    "Conventions",
    "Reference implementation",
    "Known traps",
    "Usage",
)
NAMES = M.names()


# ------------------------------------------------------------------------------------------
# A parser for the cards' front matter: ``key: value`` lines between two ``---`` lines, where a
# value is a double-quoted string, a list ``[a, b]`` of bare words, ``true``/``false`` or a bare
# word; ``# ...`` outside quotes is a comment.
# ------------------------------------------------------------------------------------------


def _strip_comment(value: str) -> str:
    in_quotes = False
    for k, ch in enumerate(value):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == "#" and not in_quotes and (k == 0 or value[k - 1].isspace()):
            return value[:k].rstrip()
    return value.strip()


def _parse_value(raw: str, key: str):
    value = _strip_comment(raw).strip()
    if not value:
        raise ValueError(f"front matter key {key!r} has no value")
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"') or '"' in value[1:-1]:
            raise ValueError(f"front matter key {key!r}: malformed quoted string {value!r}")
        return value[1:-1]
    if value.startswith("["):
        if not value.endswith("]"):
            raise ValueError(f"front matter key {key!r}: unterminated list {value!r}")
        inner = value[1:-1].strip()
        items = [item.strip() for item in inner.split(",")] if inner else []
        if any(not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", item) for item in items):
            raise ValueError(f"front matter key {key!r}: list items must be bare words: {value!r}")
        return items
    if value in ("true", "false"):
        return value == "true"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", value):
        raise ValueError(f"front matter key {key!r}: quote the value {value!r}")
    return value


def parse_front_matter(text: str) -> dict:
    """The ``key: value`` block at the top of a card, as a dict."""
    lines = text.splitlines()
    if not lines or lines[0] != "---":
        raise ValueError("a card must start with a '---' line")
    try:
        end = lines.index("---", 1)
    except ValueError:
        raise ValueError("the front matter is not closed by a '---' line") from None
    fields = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+):(\s.*|)", line)
        if match is None:
            raise ValueError(f"line {number}: expected 'key: value', got {line!r}")
        key = match.group(1)
        if key in fields:
            raise ValueError(f"line {number}: key {key!r} appears twice")
        fields[key] = _parse_value(match.group(2), key)
    return fields


def _card(name: str) -> str:
    return (CATALOGUE / f"{name}.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# The parser itself
# ------------------------------------------------------------------------------------------


def test_parser_reads_every_value_form():
    text = (
        "---\n"
        "name: auc   # a comment\n"
        "direction: higher            # higher | lower (is better)\n"
        "needs: [fixations, negatives] # list\n"
        "conventions: []\n"
        "stochastic: false\n"
        'reference: "pkg 1.0 f(x, nonfixations=\'uniform\') # not a comment"\n'
        "---\n"
        "# Title\n"
    )
    assert parse_front_matter(text) == {
        "name": "auc",
        "direction": "higher",
        "needs": ["fixations", "negatives"],
        "conventions": [],
        "stochastic": False,
        "reference": "pkg 1.0 f(x, nonfixations='uniform') # not a comment",
    }


@pytest.mark.parametrize(
    "text",
    [
        "name: auc\n---\n",  # no opening line
        "---\nname: auc\n",  # not closed
        "---\nname auc\n---\n",  # no colon
        "---\nname: auc\nname: nss\n---\n",  # duplicate key
        "---\nneeds: [fixations\n---\n",  # unterminated list
        '---\nreference: "open\n---\n',  # unterminated string
        "---\nreference: two words\n---\n",  # unquoted text
        "---\nname:\n---\n",  # no value
    ],
)
def test_parser_rejects_malformed_front_matter(text):
    with pytest.raises(ValueError):
        parse_front_matter(text)


# ------------------------------------------------------------------------------------------
# The catalogue against the registry
# ------------------------------------------------------------------------------------------


def test_catalogue_is_not_a_python_package():
    assert CATALOGUE.is_dir()
    assert not list(CATALOGUE.rglob("*.py")), "metrics/ holds Markdown cards only"


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_metric_has_a_card(name):
    assert (CATALOGUE / f"{name}.md").is_file(), f"metrics/{name}.md is missing"


def test_no_card_for_an_unknown_metric():
    cards = {p.stem for p in CATALOGUE.glob("*.md") if p.name != "README.md"}
    assert cards - set(NAMES) == set(), "cards without a registered metric"
    assert cards == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_front_matter_agrees_with_the_registry(name):
    info = M.get(name)
    fields = parse_front_matter(_card(name))
    assert set(fields) == set(FIELDS), f"{name}.md front matter keys"
    assert fields["name"] == info.name == name
    assert fields["direction"] == ("higher" if info.higher_is_better else "lower")
    assert fields["needs"] == list(info.needs)
    assert fields["conventions"] == list(info.conventions)
    assert fields["family"] == info.family
    assert fields["stochastic"] is info.stochastic
    assert fields["reference"].strip()
    if info.card:  # if the registry points at a card, it must be this one
        assert Path(info.card).name == f"{name}.md"


@pytest.mark.parametrize("name", NAMES)
def test_card_has_the_sections_in_order(name):
    headings = re.findall(r"^## (.+?)\s*$", _card(name), flags=re.MULTILINE)
    assert [h for h in headings if h in SECTIONS] == list(SECTIONS), f"{name}.md sections"


@pytest.mark.parametrize("name", NAMES)
def test_card_names_its_score_maps_column(name):
    usage = _card(name).split("## Usage", 1)[1]
    assert re.search(rf"column: `{re.escape(name)}`", usage), f"{name}.md usage names its column"


@pytest.mark.parametrize("name", NAMES)
def test_card_usage_example_runs(name):
    usage = _card(name).split("## Usage", 1)[1]
    blocks = re.findall(r"^```python\n(.*?)^```", usage, flags=re.MULTILINE | re.DOTALL)
    text = "\n".join(blocks)  # the code blocks only, so the closing fence is not an output
    test = doctest.DocTestParser().get_doctest(text, {}, f"metrics/{name}.md", name, 0)
    assert test.examples, f"{name}.md has no >>> example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        result = runner.run(test, out=lambda s: pytest.fail(s, pytrace=False))
    assert result.failed == 0 and result.attempted == len(test.examples)


def _readme_rows():
    rows = {}
    for line in (CATALOGUE / "README.md").read_text(encoding="utf-8").splitlines():
        link = re.search(r"\]\(([A-Za-z0-9_]+)\.md\)", line)
        if line.startswith("|") and link:
            rows[link.group(1)] = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return rows


def test_readme_lists_every_metric_and_no_other():
    rows = _readme_rows()
    assert set(rows) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_readme_row_agrees_with_the_registry(name):
    info = M.get(name)
    metric, _, direction, needs, conventions, card = _readme_rows()[name]
    assert metric == f"`{name}`"
    assert direction == info.direction
    assert [n.strip() for n in needs.split(",")] == list(info.needs)
    assert conventions == (", ".join(info.conventions) if info.conventions else "—")
    assert card == f"[{name}.md]({name}.md)"
