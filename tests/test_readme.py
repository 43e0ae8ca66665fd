"""The README says what the code does: its commands exist with the options it shows, its layout
tree names every unit of ``salbench``, its links resolve, and its test command is CI's.

These are checks of the text against the code, so a renamed option, a new subpackage left out of
the tree or a moved file fails here instead of misleading a reader. Running the README's commands
end to end is done by hand (changes notes say when); they need the datasets and minutes.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    """The fenced code blocks of the README in ``language`` (``bash``, ``python``, or "")."""
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.S | re.M)


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end >= 0 else len(README)]


def _salbench_lines() -> list[str]:
    """Every ``salbench ...`` command of the README: its bash blocks' lines (continuations
    joined) and the commands quoted inline in its text."""
    lines = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            # a command may follow "&&" or open a "( ... )"
            for part in line.split(" && "):
                part = part.strip().lstrip("(").strip()
                if part.startswith("salbench "):
                    lines.append(part)
    prose = re.sub(r"^```.*?^```$", "", README, flags=re.S | re.M)
    lines += re.findall(r"`(salbench [^`]+)`", prose)  # commands quoted in the text
    return lines


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    from salbench.cli import main

    command, path = main, ["salbench"]
    while isinstance(command, click.Group) and len(words) > len(path) - 1:
        name = words[len(path) - 1]
        sub = command.commands.get(name)
        if sub is None:
            break
        command, path = sub, path + [name]
    return command, path


def test_the_quickstart_test_command_is_what_ci_runs():
    quickstart = _blocks("bash")[1]
    command = quickstart.strip()
    assert "ruff check . && python -m pytest -n 2" in command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci, f".ci/run no longer runs the README's test command:\n{command}"


@pytest.mark.parametrize("line", _salbench_lines())
def test_every_command_shown_exists_with_its_options(line):
    words = shlex.split(line)[1:]
    command, path = _resolve(words)
    assert not isinstance(command, click.Group) or words[:1] == ["--help"], (
        f"{line!r}: {' '.join(path)} has no subcommand {words[len(path) - 1:][:1]}")
    options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    options |= {"--help", "-h"}
    used = [w.split("=")[0] for w in words if w.startswith("-") and not re.fullmatch(r"-\d.*", w)]
    unknown = [w for w in used if w not in options]
    assert not unknown, f"{line!r}: {' '.join(path)} has no option {unknown}"


def test_the_command_list_is_salbench_help():
    from salbench.cli import main

    shown = _section("Development").split("Commands (`salbench --help`):")[1].split("\n\n")[0]
    listed = set()
    for item in re.findall(r"`([^`]+)`", shown):
        head, _, subs = item.partition(" ")
        listed |= {f"{head} {s}" for s in subs.split("|")} if subs else {head}
    actual = set()
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            actual |= {f"{name} {s}" for s in command.commands}
        else:
            actual.add(name)
    assert listed == actual, f"README lists {sorted(listed - actual)} that do not exist and " \
                             f"misses {sorted(actual - listed)}"


def test_the_layout_tree_names_every_unit_and_only_real_paths():
    from test_architecture import LAYERS

    tree = re.search(r"```\n(salbench/.*?)^```$", _section("Development"), flags=re.S | re.M)
    assert tree, "the Development section has no layout tree"
    tree = tree.group(1)
    named = set(re.findall(r"(?<![\w/.])(_?[a-z][a-z_]*)(?:/|\.py)", tree))
    missing = sorted(u for u in LAYERS if u not in named)
    assert not missing, f"the README's layout tree does not name {missing}"
    for line in tree.splitlines():
        first = line.split("  ")[0] if not line.startswith("  ") else line.strip().split("  ")[0]
        base = REPO / "salbench" if line.startswith("  ") else REPO
        for entry in re.split(r",\s*", first.strip()):
            entry = entry.rstrip(":")
            if re.fullmatch(r"[\w./]+", entry) and ("/" in entry or entry.endswith(".py")):
                assert (base / entry).exists() or (REPO / entry).exists(), (
                    f"the layout tree names {entry}, which does not exist")


def test_every_relative_link_resolves():
    for target in re.findall(r"\]\(([^)\s]+)\)", README):
        if target.startswith(("http://", "https://", "#")):
            continue
        path = target.split("#")[0]
        assert (REPO / path).exists(), f"README links to {target}, which does not exist"


def test_the_dataset_count_is_the_registry():
    from salbench.datasets.specs import names

    count = re.search(r"(\d+) registered datasets", README)
    assert count, "the README no longer says how many datasets are registered"
    assert int(count.group(1)) == len(names())


def test_no_placeholder_is_left():
    prose = re.sub(r"^```.*?^```$", "", README, flags=re.S | re.M)
    for word in ("TODO", "TBD", "FIXME", "XXX", "EXAMPLE_RESULT"):
        assert word not in prose, f"the README still has a placeholder: {word}"
