"""Messages to readers: text from users shown as plain text, and errors turned into messages.

Every message that may hold text from a user (URL, file name, file content) goes through
``message``, which shows it as plain text, never as Markdown.
"""

from __future__ import annotations

import re
import string

import streamlit as st

from gis import GisError

_MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_ZWSP = "\u200b"  # zero-width space: breaks what Markdown renderers turn into links or icons after parsing


def plain(text: object) -> str:
    """Text shown exactly as written by st.error/warning/info/success/markdown: no link, image, emoji,
    colour, LaTeX or formatting, whatever it holds (it may come from a URL, a file name or a file).

    Every ASCII punctuation mark is backslash-escaped (CommonMark), and a zero-width space after
    ':', '@' and 'www' stops the autolinks, emoji and icon shortcodes applied to the parsed text.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))
    escaped = re.sub(r"(?i)(www)(\\\.)", rf"\1{_ZWSP}\2", escaped)
    return escaped.replace(":", ":" + _ZWSP).replace("@", "@" + _ZWSP)


def message(kind: str, text: object, container=st) -> None:
    """Show ``text`` as plain text in a box of ``kind`` ("error", "warning", "info" or "success")."""
    getattr(container, kind)(plain(text))


def error_text(e: BaseException) -> str:
    """The user-facing text of an exception: its message for GisError, a short generic one otherwise."""
    if isinstance(e, GisError):
        return str(e)
    return f"It could not be analysed (unexpected {type(e).__name__})."


def error_box(e: Exception, prefix: str = "", suffix: str = " The rest of the page still works.") -> None:
    """An error box for any exception, as plain text."""
    message("error", f"{prefix}{error_text(e)}{suffix}")
