"""Streaming reads of list XML files in any namespace (the official lists change theirs)."""

import xml.etree.ElementTree as ET

from shipsight.errors import InputError


def local(tag):
    """A tag without its namespace: ``{http://tempuri.org/sdnList.xsd}sdnEntry`` -> ``sdnEntry``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element, *path):
    """Elements under ``element`` along ``path`` of local names (any namespace)."""
    level = [element]
    for name in path:
        level = [c for e in level for c in e if local(c.tag) == name]
    return level


def child_text(element, name):
    """The stripped text of the first child called ``name``, else None."""
    for c in element:
        if local(c.tag) == name:
            text = (c.text or "").strip()
            return text or None
    return None


def iter_elements(path, *names):
    """Yield each complete element whose local name is in ``names``, then free it.

    Memory stays small on lists of hundreds of megabytes: an element is
    cleared once handed out. A file that is not well-formed XML raises
    :class:`~shipsight.errors.InputError` with the line and column.
    """
    try:
        depth = 0
        for event, el in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if local(el.tag) in names:
                    depth += 1
                continue
            if local(el.tag) in names:
                depth -= 1
                if depth == 0:
                    yield el
                    el.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(f"is not well-formed XML ({exc.msg.split(':')[0]}); download the list again",
                         where=f"{path}, line {line}, column {column}") from None


def root_name(head):
    """The local name of the root element of an XML text head (bytes), else None."""
    import re

    text = head.decode("utf-8", errors="replace")
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.DOTALL)
    m = re.search(r"<\s*([A-Za-z_][\w.:-]*)", text)
    return m.group(1).split(":")[-1] if m else None
