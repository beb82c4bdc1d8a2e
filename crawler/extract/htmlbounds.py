"""HTML that a parser can read whole: nesting deeper than a bound is flattened, text kept.

libxml2 (under lxml and parsel) stops parsing a document nested deeper than about 2,048
elements and silently drops everything after that point: a hostile page wraps its
listing in 100,000 `<div>`s and the crawler sees an empty page. Two pure functions:
- `parse_was_cut(root)`: True when a parsed tree shows that sign (its last branch is as
  deep as the parser goes); it walks one branch, so it costs nothing on ordinary pages;
- `flatten_nesting(html, max_depth)`: the same HTML with every element deeper than
  `max_depth` unwrapped (its tags dropped, its text and children kept), and how many
  tags were dropped, so that the caller can record the change.
- `drop_empty_elements(html)`: the page without elements that hold nothing (padding);
- `cut_after_tags(html, max_tags)`: the start of a page of too many elements (a list page
  of 200,000 links costs libxml2 about 250 MB to parse whole).
No settings; the bounds are the caller's (profile limits.max_html_depth, PAGE_MAX_TAGS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# libxml2's depth limit with huge_tree (parsel's default), minus a margin.
PARSER_DEPTH_LIMIT = 2040

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# Elements whose end tag may be left out: a new one closes the previous one of its kind.
_OPTIONAL_END = frozenset(
    [
        "li",
        "p",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "rb",
        "rt",
        "rp",
        "tbody",
        "thead",
        "tfoot",
    ]
)
_TOKEN = re.compile(
    r"<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>|<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>",
    re.S | re.I,
)


def parse_was_cut(root: Any) -> bool:
    """True when an lxml tree's last branch reaches the parser's depth limit."""
    depth = 0
    el = root
    while len(el):
        el = el[-1]
        depth += 1
        if depth >= PARSER_DEPTH_LIMIT:
            return True
    return False


def _tags(html: str) -> Iterator[tuple[int, int, str, bool]]:
    """(start, end, tag, closing) of every element tag, in order (void and raw-text skipped)."""
    for m in _TOKEN.finditer(html):
        raw_tag = m.group(3)
        if raw_tag is None:
            continue  # a comment or a raw-text element: copied as it is
        tag = raw_tag.lower()
        if tag in _VOID or m.group(4) == "/":
            continue
        yield m.start(), m.end(), tag, m.group(2) == "/"


def _drop_marks(html: str, max_depth: int) -> tuple[bytearray, int]:
    """Pass 1: one mark per open tag (1: unwrap it), and the deepest nesting seen.

    An element is unwrapped when it lies deeper than max_depth // 2 and has at least
    max_depth - max_depth // 2 levels below it. Memory: a byte per tag and the open stack.
    """
    half = max_depth // 2
    marks = bytearray()
    stack: list[list[Any]] = []  # [tag, ordinal, depth, height]
    deepest = 0

    def close(j: int) -> None:
        while len(stack) > j:
            tag, ordinal, depth, height = stack.pop()
            if depth >= half and height >= max_depth - half:
                marks[ordinal] = 1
            if stack:
                stack[-1][3] = max(stack[-1][3], height + 1)

    for _, _, tag, closing in _tags(html):
        if not closing:
            if tag in _OPTIONAL_END and stack and stack[-1][0] == tag:
                close(len(stack) - 1)
            stack.append([tag, len(marks), len(stack), 0])
            marks.append(0)
            deepest = max(deepest, len(stack))
        else:
            for j in range(len(stack) - 1, -1, -1):
                if stack[j][0] == tag:
                    close(j)
                    break
    close(0)
    return marks, deepest


def flatten_nesting(html: str, max_depth: int = 512) -> tuple[str, int]:
    """`html` with its nesting cut to `max_depth`; (html, tags dropped).

    The outermost and the innermost `max_depth // 2` levels keep their tags (the page's
    frame, and the elements that hold the content and that selectors look for); the
    wrappers in between are unwrapped: their tags dropped, their text and children kept.
    """
    if html.count("<") <= max_depth:
        return html, 0
    marks, deepest = _drop_marks(html, max_depth)
    if deepest <= max_depth or not any(marks):
        return html, 0
    # Pass 2: copy the HTML without the marked open tags and their matching close tags.
    out: list[str] = []
    last = 0
    dropped = 0
    ordinal = 0
    stack: list[tuple[str, int]] = []  # (tag, mark) of open elements
    for start, end, tag, closing in _tags(html):
        drop = 0
        if not closing:
            if tag in _OPTIONAL_END and stack and stack[-1][0] == tag:
                stack.pop()
            drop = marks[ordinal]
            stack.append((tag, drop))
            ordinal += 1
        else:
            for j in range(len(stack) - 1, -1, -1):
                if stack[j][0] == tag:
                    drop = stack[j][1]
                    del stack[j:]
                    break
        if drop:
            out.append(html[last:start])
            out.append(" ")
            last = end
            dropped += 1
    out.append(html[last:])
    return "".join(out), dropped


_EMPTY_ELEMENT = re.compile(r"<([A-Za-z][A-Za-z0-9]*)>\s*</\1\s*>")


def drop_empty_elements(html: str, passes: int = 4) -> tuple[str, int]:
    """`html` without elements that hold nothing (no attribute, no text, no child); (html, n).

    Padding of empty elements is how a page pushes its content past a parser's budget
    (a browser serialises 100,000 nested `<div>`s as 100,000 empty siblings).
    """
    removed = 0
    for _ in range(passes):
        html, n = _EMPTY_ELEMENT.subn("", html)
        removed += n
        if not n:
            break
    return html, removed


def cut_after_tags(html: str, max_tags: int) -> tuple[str, int]:
    """`html` cut before its (max_tags + 1)-th tag; (html, tags on the whole page).

    A page of hundreds of thousands of elements costs the parser hundreds of megabytes;
    no listing page needs that many. The cut keeps the start of the page.
    """
    total = html.count("<")
    if total <= max_tags:
        return html, total
    pos = -1
    for _ in range(max_tags + 1):
        pos = html.find("<", pos + 1)
    return html[:pos], total
