"""What a file path typed or dropped into a console field means.

Dragging a file onto a terminal pastes its path the way that terminal quotes it for a shell:
``'/home/ann/My Orders.csv' `` (GNOME, KDE: single quotes and a trailing space),
``/Users/ann/My\\ Orders.csv`` (macOS Terminal, iTerm: backslashes), or a
``file:///home/ann/My%20Orders.csv`` URL (some file managers). The console's file fields take
all of these as the file they name, and ``~`` as the home folder. A path that exists exactly as
typed is always taken as it is, so an unusual file name is never "unquoted" into another.
"""

from __future__ import annotations

import os
import shlex
from urllib.parse import unquote, urlparse


def pasted_path(text: str) -> str:
    """The path ``text`` names, as a string ("" for an empty field)."""
    text = text.strip()
    if not text or os.path.exists(os.path.expanduser(text)):
        return os.path.expanduser(text)
    if text.startswith("file://"):
        return unquote(urlparse(text).path)
    if any(c in text for c in "'\"\\"):
        try:
            words = shlex.split(text)
        except ValueError:  # an unbalanced quote: not shell quoting after all
            words = []
        if len(words) == 1:
            return os.path.expanduser(words[0])
    return os.path.expanduser(text)
