"""The command line: `crawler --help` lists every command; crawler/cli/main.py says which module runs each."""

from crawler.cli.main import main

__all__ = ["main"]
