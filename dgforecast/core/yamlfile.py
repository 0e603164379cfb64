"""Reading YAML written by people: params.yaml, data/raw/plan.yaml and ``-p`` values.

One loader for every YAML file of a workbook: it refuses a key written twice in a mapping, reads 5e-2
and 1e308 as numbers, takes merge keys, and stops a document too large or too deep before anything
is built from it. Problems are one ``ParamsError`` line naming the file, line and column.
"""

import copy
import difflib
import functools
import re
from pathlib import Path

import yaml

from dgforecast.core.errors import ParamsError


def did_you_mean(key, choices):
    """The choice closest to a mistyped ``key``, or None when nothing is close."""
    match = difflib.get_close_matches(str(key), [str(c) for c in choices], n=1, cutoff=0.6)
    return match[0] if match else None


def hint(key, choices) -> str:
    guess = did_you_mean(key, choices)
    return f"did you mean {guess!r}?" if guess else f"use one of {cut(', '.join(sorted(map(str, choices))))}"


#: params.yaml is a page or two of assumptions (the shipped one: 5 KB, 200 values, 4 levels deep).
#: The limits keep a broken or hostile file from hanging every command: a 50 MB file of comments
#: took ten minutes to parse, and ten nested aliases expand to 10^10 values.
MAX_PARAMS_BYTES = 1 << 20
MAX_YAML_DEPTH = 20
MAX_YAML_VALUES = 100_000
#: The longest value an error line shows: a 50 MB label is otherwise a 50 MB line in cron.log.
SHOWN_CHARS = 80
#: YAML 1.1 reads 5e-2 and 1e308 as text (its floats need a dot); people, and YAML 1.2, mean numbers.
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$")


def shown(value) -> str:
    """``repr(value)``, cut to at most ``SHOWN_CHARS`` characters with its length when longer."""
    return cut(repr(value), len(value) if isinstance(value, str) else None)


def cut(text, length=None, limit=SHOWN_CHARS) -> str:
    """``text`` itself, or its start and its length (``length``, default its own) in ``limit`` characters."""
    text = str(text)
    if len(text) <= limit:
        return text
    tail = f"… ({len(text) if length is None else length:,} characters)"
    return text[:limit - len(tail)] + tail


class _TooLarge(yaml.YAMLError):
    """A document beyond the limits above, at ``mark``."""

    def __init__(self, problem, mark):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class Loader(yaml.SafeLoader):
    """SafeLoader for params.yaml and ``-p``/``--grid`` values.

    It refuses a key written twice in one mapping (PyYAML keeps the last silently), reads 5e-2 and
    1e308 as numbers, takes merge keys (``<<: *base``), and stops a document nested deeper than
    ``MAX_YAML_DEPTH`` or holding more than ``MAX_YAML_VALUES`` values once its aliases are expanded
    (counted as it is read, before anything is built from it).
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth, self._values = 0, {}

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._values:
                raise _TooLarge(f"alias *{event.anchor} refers to a value that contains it", event.start_mark)
            return node
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _TooLarge(f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._values[id(node)] = values = 1 + sum(self._values[id(child)] for child in _children(node))
        if values > MAX_YAML_VALUES:
            raise _TooLarge(f"more than {MAX_YAML_VALUES:,} values once its aliases (*name) are expanded",
                            event.start_mark)
        return node


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:  # <<: *base lays the anchored mapping under this one's own keys
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"key {shown(key)} appears twice in one mapping; keep one", mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789"))


def yaml_value(text):
    """``text`` read as YAML the way params.yaml is (``-p`` and ``--grid`` values): 5e-2 is a number."""
    return yaml.load(text, Loader=Loader)


@functools.lru_cache(maxsize=16)
def _parsed(text):
    """``text`` read with ``Loader``, once for each text: a command reads params.yaml and plan.yaml for every
    scenario and vintage, and parsing is most of that (40 ms for the shipped params.yaml, 0.1 ms a copy)."""
    return yaml.load(text, Loader=Loader)


@functools.lru_cache(maxsize=16)
def composed(text):
    """The node tree of ``text`` (``yaml.compose`` with ``Loader``: lines and comments' places), once for each
    text and shared by every caller: read it, never change it."""
    return yaml.compose(text, Loader=Loader)


def read_yaml(path, what="params file", create_hint="create it with defaults: and scenarios: (see the README)"):
    """The YAML document at ``path``, read with ``Loader`` under the limits above (``what`` names the file in errors)."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: file not found; {create_hint}")
    size = path.stat().st_size
    if size > MAX_PARAMS_BYTES:
        raise ParamsError(f"{path}: {size:,} bytes, more than the {MAX_PARAMS_BYTES:,} a {what} may have "
                          "(the shipped ones have a few thousand); remove what is not assumptions and comments")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: byte {exc.start}: not UTF-8 text; save the file as UTF-8") from None
    try:
        return copy.deepcopy(_parsed(text))
    except _TooLarge as exc:
        mark = exc.problem_mark
        raise ParamsError(f"{path}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}; a {what} "
                          "needs far less") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"{path}: {where}malformed YAML ({problem}); fix the syntax there") from None


