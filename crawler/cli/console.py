"""What the CLI prints: untrusted text made safe for the analyst's terminal.

Titles, bodies, URLs and identifiers come from the platforms under investigation. Printed
as they are, an escape sequence in a title could rewrite the terminal (clear it, change
its title, hide lines), a bidi override could reorder what is shown, and Rich markup in a
title ("[/bold]") would be interpreted (and can crash the table). Every string the CLI
shows goes through `printable()`: control characters, format characters (bidi, zero
width) and other invisible code points become visible escapes (`\\x1b`, `\\u202e`), and
Rich tables get `Text` cells, never markup. JSON output (`--json`) is left exact: JSON
escapes control characters itself.

`table(title, columns)` and `console()` are the Rich objects every command uses, and
`install_printable_filter()` applies the same escaping to every log line a command writes.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SAFE = frozenset({"\n", "\t"})


def printable(text: Any) -> str:
    """`text` with every control or invisible character shown as an escape."""
    s = "" if text is None else str(text)
    if s.isascii() and s.isprintable():
        return s
    out = []
    for ch in s:
        if ch in _SAFE or unicodedata.category(ch) not in _INVISIBLE:
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def one_line(text: Any, width: int | None = None) -> str:
    """`printable(text)` on one line, cut to `width` characters."""
    s = printable(text).replace("\n", " ").replace("\t", " ")
    return s if width is None or len(s) <= width else s[: width - 1] + "…"


def console() -> Any:
    from rich.console import Console

    con = Console(highlight=False, emoji=False)
    # Piped output (logs, CI, tests) gets a wide table instead of rich's 80-column default.
    return con if con.is_terminal else Console(width=140, highlight=False, emoji=False)


def text(value: Any, style: str = "") -> Any:
    """A Rich Text cell: shown as written (escaped), never read as markup."""
    from rich.text import Text

    return Text(printable(value), style=style)


def table(title: str, columns: list[str] | tuple[str, ...], **kwargs: Any) -> Any:
    from rich.table import Table

    t = Table(title=text(title), **kwargs)
    for col in columns:
        t.add_column(col, overflow="fold")
    return t


def row(t: Any, *cells: Any) -> None:
    """Add a row of untrusted values to a table made by `table()`."""
    t.add_row(*(text(c) for c in cells))


class PrintableLogFilter(logging.Filter):
    """Log lines never carry a platform's control characters to the terminal or the log file.

    Messages can quote page content (titles in errors, URLs, exception texts from parsers);
    escape sequences in them are shown as escapes (`printable`). With `session_params`
    (a crawl's profile: crawler.crawl.urls), the values of session ids in the URLs a message
    or its traceback quotes are replaced by [withheld]: they are credentials.
    """

    def __init__(self, session_params: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.session_params = session_params

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's own business
            return True
        safe = printable(message)
        if self.session_params:
            from crawler.crawl.urls import redact_session

            safe = redact_session(safe, self.session_params)
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact_session(record.exc_text, self.session_params)
        if safe != message:
            record.msg, record.args = safe, ()
        return True


def install_printable_filter(session_params: tuple[str, ...] = ()) -> None:
    """Add PrintableLogFilter to every handler of the root logger (once per handler; a
    later call with session parameters sets them)."""
    for handler in logging.getLogger().handlers:
        found = [f for f in handler.filters if isinstance(f, PrintableLogFilter)]
        if found:
            found[0].session_params = session_params or found[0].session_params
        else:
            handler.addFilter(PrintableLogFilter(session_params))
