"""The house rule of params.yaml: every assumed number carries a comment saying why it has its value.

The rule advises, never fails: ``dgforecast params`` and ``dgforecast report`` print one note for
each number without its reason (``missing_reasons``).

A placeholder is not a reason: a number whose comment begins with 占位 or placeholder (what ``dgforecast
new-plan`` writes for the assumptions only the plan's economist can give) is found by ``placeholders``, and a
probability resting on one is refused (``ScenarioParams.placeholders``; docs/commands.md says why).
"""

from pathlib import Path

import yaml

from dgforecast.core.yamlfile import MAX_PARAMS_BYTES, composed

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


#: How a comment marks its number as a placeholder (its first word, after the ``#``).
PLACEHOLDER_MARKS = ("占位", "placeholder")


def _comment_text(line) -> str:
    # The comment of a line (after its first '#' outside quotes), "" when it has none.
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1:].strip()
    return ""


def _placeholder_numbers(node, where, lines):
    # (line, dotted key) of every number whose own comment, or the comment line just above it, marks a placeholder.
    found = []
    for key_node, value_node in getattr(node, "value", ()):
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = f"{where}.{key_node.value}" if where else str(key_node.value)
        if isinstance(value_node, yaml.MappingNode):
            found += _placeholder_numbers(value_node, key, lines)
            continue
        line = key_node.start_mark.line
        above = lines[line - 1] if line > 0 and lines[line - 1].strip().startswith("#") else ""
        comments = (_comment_text(lines[line]), _comment_text(above))
        if (isinstance(value_node, yaml.ScalarNode) and value_node.tag in _NUMBER_TAGS
                and any(c.lower().startswith(PLACEHOLDER_MARKS) for c in comments)):
            found.append((line + 1, key))
    return found


def placeholders(path) -> dict:
    """The numbers of params.yaml still marked as placeholders: dotted key (``defaults.growth``) -> its line.

    A comment that begins with 占位 or placeholder, on the number's line or on the comment line just above it,
    marks it (``PLACEHOLDER_MARKS``); replacing the value means replacing that comment with the value's reason.
    A file that cannot be read gives none (resolving a scenario reports what is wrong with it).
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PARAMS_BYTES:
            return {}
        text = path.read_bytes().decode("utf-8")
        root = composed(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {key: line for line, key in _placeholder_numbers(root, "", text.splitlines() + [""])}


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
        ``"params.yaml line 40: scenarios.director.growth has no comment saying why"``, and for a number still
        marked as a placeholder ``"params.yaml line 17: defaults.growth is a placeholder (占位): …"``, in file order.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_PARAMS_BYTES:
            return []
        text = path.read_bytes().decode("utf-8")
        root = composed(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    lines = text.splitlines() + [""]
    notes = [(line, f"{path.name} line {line}: {key} has no comment saying why")
             for line, key in _unexplained_numbers(root, "", lines)]
    notes += [(line, f"{path.name} line {line}: {key} is a placeholder (占位): give the plan's own value and its "
                     "reason; no probability rests on it until then")
              for line, key in _placeholder_numbers(root, "", lines)]
    return [note for _, note in sorted(notes)]


def sets_key(mapping, dotted) -> bool:
    """Whether a layer of a scenario (a mapping of parameter: value) sets the dotted parameter (``growth``,
    ``by_measure.robots.growth``) or a mapping holding it."""
    for part in dotted.split("."):
        if not isinstance(mapping, dict) or (part not in mapping and _int_or(part) not in mapping):
            return False
        mapping = mapping.get(part, mapping.get(_int_or(part)))
    return True


def _int_or(part):
    return int(part) if str(part).isdigit() else part


def placeholder_values(path, params, layers) -> dict:
    """Parameter -> where its value is written as a placeholder (``comments.placeholders``), for the values the
    scenario takes from such a line: a scenario's own value, or ``-p``, set after it, is no placeholder."""
    found = {}
    for key, line in placeholders(path).items():
        section, _, rest = key.partition(".")
        if section == "scenarios":
            name, _, rest = rest.partition(".")
            if name != params.scenario:
                continue
            later = layers[2:]
        elif section == "defaults":
            later = layers[1:]
        else:
            continue
        if rest and not any(sets_key(mapping, rest) for _, mapping in later):
            value = params.model_dump()
            for part in rest.split("."):
                value = value.get(part, value.get(_int_or(part))) if isinstance(value, dict) else None
            found[rest] = f"{Path(path).name} line {line}: {key} = {value}"
    return found
