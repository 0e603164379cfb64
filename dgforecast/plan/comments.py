"""The house rule of params.yaml: every assumed number carries a comment saying why it has its value.

The rule advises, never fails: ``dgforecast params`` and ``dgforecast report`` print one note for
each number without its reason (``missing_reasons``).
"""

from pathlib import Path

import yaml

from dgforecast.core.yamlfile import MAX_PARAMS_BYTES, Loader

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _has_comment(line) -> bool:
    # A '#' that starts the line or follows white space, outside quotes, begins a YAML comment.
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return True
    return False


def _explained(lines, key_mark, value_line, parent_lines) -> bool:
    # A reason is a comment on the value's line, on a parent key's line, or a comment line just above
    # the key at its indentation (not the far-right continuation of the comment of the key before).
    above = lines[key_mark.line - 1] if key_mark.line > 0 else ""
    return (any(_has_comment(lines[i]) for i in (key_mark.line, value_line, *parent_lines))
            or above.startswith(" " * key_mark.column + "#"))


def _unexplained_numbers(node, where, lines, parent_lines=()):
    # (line, dotted key) of every number below ``node`` without a comment saying why; labels are words.
    found = []
    for key_node, value_node in getattr(node, "value", ()):
        if not isinstance(key_node, yaml.ScalarNode) or str(key_node.value).startswith("label_"):
            continue
        key = f"{where}.{key_node.value}" if where else str(key_node.value)
        line = key_node.start_mark.line
        if isinstance(value_node, yaml.MappingNode):
            found += _unexplained_numbers(value_node, key, lines, (*parent_lines, line))
        elif (isinstance(value_node, yaml.ScalarNode) and value_node.tag in _NUMBER_TAGS
              and not _explained(lines, key_node.start_mark, value_node.start_mark.line, parent_lines)):
            found.append((line + 1, key))
    return found


def missing_reasons(path) -> list[str]:
    """The numbers in params.yaml that do not say why they have their value: one note per number.

    The house rule (written in the params.yaml header): every assumed number carries a comment
    giving its reason — on its own line, on the line of the mapping it belongs to (such as
    ``growth_overrides:``), or on a comment line just above it. Labels (``label_zh``,
    ``label_en``) and scenario names are words, never checked. The rule advises: ``dgforecast
    params`` and ``dgforecast report`` print the notes, nothing fails because of them.

    Parameters
    ----------
    path : str or Path
        A params.yaml. A file that cannot be read or parsed gives no notes (resolving a scenario
        reports what is wrong with it).

    Returns
    -------
    list of str
        ``"params.yaml line 40: scenarios.director.growth has no comment saying why"``, in file order.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PARAMS_BYTES:
            return []
        text = path.read_bytes().decode("utf-8")
        root = yaml.compose(text, Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    lines = text.splitlines() + [""]
    return [f"{path.name} line {line}: {key} has no comment saying why"
            for line, key in _unexplained_numbers(root, "", lines)]
