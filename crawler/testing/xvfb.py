"""A virtual X display for tests that need a real, visible window, and xdotool to use it.

`running_xvfb()` starts Debian's Xvfb on a display number of its own choosing (Xvfb's
`-displayfd`: the server picks a free number and writes it once it accepts clients, so
two test runs on one machine never race for `:N`), and stops it when the block ends,
however it ends (a failed assertion included). `XvfbDisplay.env()` is what a child
process needs (`DISPLAY`). Nothing listens on TCP (`-nolisten tcp`).

`Xdotool` drives the display as a person at the keyboard would: it finds a window
(`wait_for_window`, with a deadline), gives it the input focus, moves the pointer and
clicks, types text, presses keys and closes the window. There is no window manager: xdotool's
`windowactivate` needs one, `windowfocus` (XSetInputFocus) does not, and XTEST input
(`type`, `key`, `click` without `--window`) goes to the focused window as real key
presses (Chromium ignores synthetic XSendEvent input, which `--window` would use).

Both need the Debian packages `xvfb` and `xdotool` (scripts/setup.sh --test).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


class XvfbError(RuntimeError):
    """Xvfb or xdotool is missing, did not start, or a window did not show in time."""


@dataclass
class XvfbDisplay:
    """One Xvfb server; `start()` returns its DISPLAY value (":N")."""

    width: int = 1280
    height: int = 800
    depth: int = 24
    display: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, timeout: float = 15.0) -> str:
        if self.process is not None:
            raise XvfbError("Xvfb already started")
        binary = shutil.which("Xvfb")
        if binary is None:
            raise XvfbError("Xvfb is not installed (apt-get install xvfb; scripts/setup.sh --test)")
        read_fd, write_fd = os.pipe()
        try:
            self.process = subprocess.Popen(
                [
                    binary,
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{self.width}x{self.height}x{self.depth}",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],  # fmt: skip
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # our signals (a Ctrl-C of pytest) are not its own
            )
        finally:
            os.close(write_fd)
        try:
            number = self._read_display_number(read_fd, timeout)
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(read_fd)
        self.display = f":{number}"
        return self.display

    def _read_display_number(self, fd: int, timeout: float) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        data = b""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while not data.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise XvfbError(f"Xvfb did not report a display within {timeout:.0f} s")
                if not sel.select(min(left, 0.5)):
                    if self.process.poll() is not None:
                        raise XvfbError(
                            f"Xvfb exited ({self.process.returncode}): {self._stderr()}"
                        )
                    continue
                chunk = os.read(fd, 64)
                if not chunk:  # Xvfb closed the pipe without a number: it failed
                    self.process.wait(5)
                    raise XvfbError(f"Xvfb exited ({self.process.returncode}): {self._stderr()}")
                data += chunk
        return int(data.strip())

    def _stderr(self) -> str:
        if self.process is None or self.process.stderr is None or self.process.poll() is None:
            return ""
        return self.process.stderr.read().decode("utf-8", "replace").strip()[-500:]

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default os.environ) with DISPLAY set to this server."""
        if self.display is None:
            raise XvfbError("Xvfb not started")
        env = dict(os.environ if base is None else base)
        env["DISPLAY"] = self.display
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("XAUTHORITY", None)  # Xvfb runs without access control for local clients
        return env

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (TERM, then KILL); safe to call twice or after a failed start."""
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc.stderr is not None:
            proc.stderr.close()
        self.display = None


@contextmanager
def running_xvfb(width: int = 1280, height: int = 800) -> Iterator[XvfbDisplay]:
    """A started Xvfb for the length of the block; stopped even when the block raises."""
    server = XvfbDisplay(width=width, height=height)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Xdotool:
    """xdotool on one display (see the module docstring)."""

    def __init__(self, display: str) -> None:
        binary = shutil.which("xdotool")
        if binary is None:
            raise XvfbError("xdotool is not installed (apt-get install xdotool)")
        self.binary = binary
        self.display = display

    def run(self, *args: str, timeout: float = 10.0, check: bool = True) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
        env["DISPLAY"] = self.display
        proc = subprocess.run(
            [self.binary, *args], env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise XvfbError(
                f"xdotool {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}"
            )
        return proc.stdout

    def windows(self, *, class_name: str | None = None, name: str | None = None) -> list[str]:
        """Ids of the visible windows whose class (or title) matches the regular expression."""
        if (class_name is None) == (name is None):
            raise ValueError("give class_name or name")
        how = ["--class", class_name] if class_name is not None else ["--name", name or ""]
        out = self.run("search", "--onlyvisible", *how, check=False)
        return [w for w in out.split() if w.isdigit()]

    def wait_for_window(
        self,
        *,
        class_name: str | None = None,
        name: str | None = None,
        timeout: float = 20.0,
        gone: bool = False,
    ) -> list[str]:
        """The matching visible windows once there is one (or, with gone=True, once there is
        none); XvfbError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.windows(class_name=class_name, name=name)
            if bool(found) != gone:
                return found
            if time.monotonic() >= deadline:
                what = class_name if class_name is not None else name
                state = "still shown" if gone else "not shown"
                raise XvfbError(f"window {what!r} {state} after {timeout:.0f} s")
            time.sleep(0.1)

    def window_name(self, window: str) -> str:
        return self.run("getwindowname", window, check=False).strip()

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window on the screen."""
        values: dict[str, int] = {}
        for line in self.run("getwindowgeometry", "--shell", window).splitlines():
            key, _, value = line.partition("=")
            with contextlib.suppress(ValueError):
                values[key] = int(value)
        return values["X"], values["Y"], values["WIDTH"], values["HEIGHT"]

    def focus(self, window: str) -> None:
        self.run("windowfocus", "--sync", window)

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.run("mousemove", "--sync", str(x), str(y), "click", str(button))

    def type(self, text: str, delay_ms: int = 12) -> None:
        """Type `text` at the focused window, key by key."""
        self.run("type", "--delay", str(delay_ms), "--", text, timeout=10 + len(text) * 0.1)

    def key(self, *keys: str) -> None:
        """Press keys by X keysym name (Return, Tab, ctrl+w)."""
        self.run("key", "--delay", "30", *keys)

    def close(self, window: str) -> None:
        """Close the window as the analyst would from the keyboard (Chromium's Ctrl+Shift+W).

        Without a window manager there is no close button (and xdotool's `windowclose`, an
        XDestroyWindow, goes unnoticed by Chromium).
        """
        self.focus(window)
        self.key("ctrl+shift+w")


def log_in_as_member(
    xdo: Xdotool, members: Any, pin_timeout: float = 30.0, attempts: int = 3
) -> None:
    """Type into `crawler login demo-members`'s window as the analyst does: username, Tab,
    password, Tab, the CAPTCHA word read off the page, Enter; then the PIN page's PIN, Enter.
    `members` is the demo world's members platform (crawler.demo.members).

    The window's title shows as soon as the page's <title> is parsed, while its focus help
    runs at DOMContentLoaded: on a loaded machine keys typed in between are lost. So each page
    is typed into once its title has shown for SETTLE seconds, and a page still shown
    `pin_timeout` seconds after it was typed into is typed into again, as an analyst would
    (the login page reloaded first, the PIN field's content replaced). Returns once neither
    page has shown for GONE seconds (the command saved the session and closed the window);
    XvfbError after `attempts` tries of one page."""
    account = members.account
    pages = (
        ("^PIN", "pin"),
        ("^Members login", "login"),
    )
    typed: dict[str, tuple[float, int]] = {}  # page -> (when typed, how many times)
    first_seen: dict[str, float] = {}
    xdo.wait_for_window(name="^Members login")
    last_seen = time.monotonic()
    while True:
        now = time.monotonic()
        shown = next(
            ((kind, w[-1]) for title, kind in pages if (w := xdo.windows(name=title))), None
        )
        if shown is None:
            first_seen.clear()
            if now - last_seen >= GONE:
                return
            time.sleep(0.1)
            continue
        kind, window = shown
        last_seen = now
        first_seen.setdefault(kind, now)
        for other in [k for k in first_seen if k != kind]:
            del first_seen[other]
        when, times = typed.get(kind, (0.0, 0))
        if now - first_seen[kind] < SETTLE or (times and now - when < pin_timeout):
            time.sleep(0.1)
            continue
        if times >= attempts:
            raise XvfbError(f"the {kind} page still shown after {times} tries")
        xdo.focus(window)
        if kind == "pin":
            xdo.key("ctrl+a")  # a retry replaces what an earlier try left in the field
            xdo.type(account.pin or "")
            xdo.key("Return")
        else:
            if times:  # a fresh page: the focus help puts the cursor in the username again
                xdo.key("F5")
                time.sleep(4 * SETTLE)
            # The window puts the cursor in the username field; Tab moves on as in any browser.
            xdo.type(account.username)
            xdo.key("Tab")
            xdo.type(account.password)
            xdo.key("Tab")
            xdo.type(members.captcha_word)
            xdo.key("Return")
        typed[kind] = (time.monotonic(), times + 1)


SETTLE = 0.5  # seconds a page's title shows before typing into it
GONE = 5.0  # seconds without either login page before the login counts as done
