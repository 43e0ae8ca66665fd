"""A tiny, safe Markdown → HTML converter for the metric cards of the website.

It knows what the cards in ``metrics/`` use and nothing more: ATX headings, paragraphs, ``-`` /
``*`` / ``1.`` lists, fenced and four-space-indented code blocks, pipe tables, and inline code,
``**bold**``, ``*emphasis*`` and ``[links](target)``. Everything is escaped first, so no text of
a card can become markup; a link survives only when ``link`` maps its target to a URL (the site
maps the other cards to their pages and drops links to files it does not publish, keeping their
text), and only ``http(s)`` and relative targets are ever accepted.
"""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def front_matter(text: str) -> tuple[dict, str]:
    """Split a card's ``---`` front matter (``key: value`` lines, comments dropped) from its
    body. Values stay strings."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    facts = {}
    for k in range(1, len(lines)):
        if lines[k].strip() == "---":
            return facts, "\n".join(lines[k + 1:])
        line = re.sub(r"\s+#.*$", "", lines[k])
        if ":" in line:
            key, value = line.split(":", 1)
            facts[key.strip()] = value.strip().strip('"')
    return {}, text


def _safe_target(target: str) -> bool:
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", target)
    return scheme is None or scheme.group(1).lower() in ("http", "https")


def inline(text: str, *, link=None) -> str:
    """One line of Markdown as escaped HTML with code, bold, emphasis and links."""
    codes = []

    def hold(m):
        codes.append(f"<code>{html.escape(m.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    # code spans are set aside first, so bold around code works and nothing inside code is markup
    text = re.sub(r"`([^`]+)`", hold, text.replace("\x00", ""))
    out = _inline_text(text, link)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], out)


def _inline_text(text: str, link) -> str:
    parts, pos = [], 0
    for m in re.finditer(r"\[([^\]]+)\]\(([^)\s]+)\)", text):
        parts.append(_emphasis(html.escape(text[pos:m.start()])))
        label = _emphasis(html.escape(m.group(1)))
        target = m.group(2)
        url = link(target) if link is not None else None
        if url is not None and _safe_target(url):
            parts.append(f'<a href="{html.escape(url, quote=True)}">{label}</a>')
        else:
            parts.append(label)
        pos = m.end()
    parts.append(_emphasis(html.escape(text[pos:])))
    return "".join(parts)


def _emphasis(escaped: str) -> str:
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", escaped)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def to_html(text: str, *, link=None, shift: int = 0) -> str:
    """Markdown ``text`` as HTML.

    Parameters
    ----------
    text : str
    link : callable, optional
        ``target -> URL or None``: the URL a link points to (None keeps only its text). Without
        it, links keep only their text.
    shift : int, default=0
        Added to every heading level (a card's ``#`` title under the page's ``<h1>``).

    Examples
    --------
    >>> to_html("# A <b>\\n\\nSee `x < 1` and **this**.")
    '<h1>A &lt;b&gt;</h1>\\n<p>See <code>x &lt; 1</code> and <strong>this</strong>.</p>'
    """
    lines = text.splitlines()
    out: list[str] = []
    paragraph: list[str] = []
    k = 0

    def flush():
        if paragraph:
            out.append("<p>" + inline(" ".join(s.strip() for s in paragraph), link=link)
                       + "</p>")
            paragraph.clear()

    while k < len(lines):
        line = lines[k]
        if _FENCE.match(line):
            flush()
            fence = _FENCE.match(line).group(1)
            body = []
            k += 1
            while k < len(lines) and not lines[k].strip().startswith(fence):
                body.append(lines[k])
                k += 1
            out.append("<pre><code>" + html.escape("\n".join(body)) + "</code></pre>")
            k += 1
            continue
        if not line.strip():
            flush()
            k += 1
            continue
        if line.startswith("    ") and not paragraph:
            body = []
            while k < len(lines) and (lines[k].startswith("    ") or not lines[k].strip()):
                body.append(lines[k][4:])
                k += 1
            while body and not body[-1].strip():
                body.pop()
            out.append("<pre><code>" + html.escape("\n".join(body)) + "</code></pre>")
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = min(6, len(heading.group(1)) + shift)
            out.append(f"<h{level}>{inline(heading.group(2), link=link)}</h{level}>")
            k += 1
            continue
        if "|" in line and k + 1 < len(lines) and _TABLE_RULE.match(lines[k + 1]):
            flush()
            head = _cells(line)
            rows = []
            k += 2
            while k < len(lines) and "|" in lines[k] and lines[k].strip():
                rows.append(_cells(lines[k]))
                k += 1
            parts = ["<table>", "<thead><tr>"
                     + "".join(f"<th>{inline(c, link=link)}</th>" for c in head)
                     + "</tr></thead>", "<tbody>"]
            for row in rows:
                row = (row + [""] * len(head))[:len(head)]
                parts.append("<tr>" + "".join(f"<td>{inline(c, link=link)}</td>" for c in row)
                             + "</tr>")
            parts += ["</tbody>", "</table>"]
            out.append("".join(parts))
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items = []
                while k < len(lines) and lines[k].strip():
                    m = pattern.match(lines[k])
                    if m:
                        items.append(m.group(1))
                    elif items and lines[k].startswith((" ", "\t")):
                        items[-1] += " " + lines[k].strip()  # a wrapped item continues
                    else:
                        break
                    k += 1
                out.append(f"<{tag}>" + "".join(f"<li>{inline(i, link=link)}</li>" for i in items)
                           + f"</{tag}>")
                break
        else:
            paragraph.append(line)
            k += 1
    flush()
    return "\n".join(out)
