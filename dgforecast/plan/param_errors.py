"""A scenario's parameters that fail the schema, said in one line: where the key is set, its value, what to do.

``one_line_error`` turns pydantic's first validation error into that line, naming the layer that set
the key (``origin_of``: defaults, the scenario, ``-p``) as ``key_at`` writes it.
"""

from pydantic import ValidationError

from dgforecast.core.yamlfile import cut, shown
from dgforecast.plan.schema import FIELDS, NESTED_FIELDS


def key_at(where, key) -> str:
    # "params.yaml: defaults" + "growth" -> "params.yaml: defaults.growth"; "-p" + "growth" -> "-p growth"
    key = cut(key)
    return f"{where} {key}" if where.startswith("-") else f"{where}.{key}"


def origin_of(key, layers) -> str:
    # The last layer that sets the key is the one the user should edit.
    for where, mapping in reversed(layers):
        if key in mapping:
            return where
    # Nobody sets it: labels belong to each scenario, every other assumption to the defaults.
    return layers[1][0] if key in ("label_zh", "label_en") else layers[0][0]


TYPE_WORDS = {"float_type": "a number", "int_type": "a whole number", "string_type": "text",
               "dict_type": "a mapping", "literal_error": None, "bool_type": "true or false",
               "model_type": "a mapping", "int_from_float": "a whole number"}


def one_line_error(exc: ValidationError, merged: dict, layers) -> str:
    """The first validation error as: where.key = value: what is wrong; what to do."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p != "[key]"] or [guess_key(err)]
    key = loc[0]
    where = origin_of(key, layers)
    prefix = key_at(where, ".".join(loc)) if key else where
    value = err.get("input")
    entry = FIELDS.get(key, {})
    unit = f" ({entry['unit']})" if entry.get("unit") else ""
    kind = err["type"]
    if kind == "missing" and key in ("label_zh", "label_en"):
        return f"{prefix}: missing; give every scenario a Chinese (label_zh) and an English (label_en) label"
    if kind == "missing":
        return f"{prefix}: missing{unit}; add it under defaults: with a comment saying why"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        nested = NESTED_FIELDS.get(key, {}).get(loc[-1], {}) if len(loc) > 1 else {}
        unit = f" ({nested['unit']})" if nested.get("unit") else unit
        rng = nested.get("range") or entry.get("range", "")
        if not rng:  # a field this table does not describe (a schema subclass): the bound pydantic checked
            bound = next(iter(err.get("ctx", {}).items()), None)
            rng = f"{'>=' if kind.startswith('greater') else '<='} {bound[1]}" if bound else "its allowed range"
            return f"{prefix} = {shown(value)}: out of range; use a value {rng}"
        return f"{prefix} = {shown(value)}: out of range{unit}; use a value in {rng}"
    if kind == "literal_error":
        return f"{prefix} = {shown(value)}: not allowed; {err['msg'].replace('Input should be', 'use')}"
    if kind == "string_pattern_mismatch" and entry.get("range") and key != "scenario":
        return f"{prefix} = {shown(value)}: not allowed; write {entry['range']}"
    if kind == "string_pattern_mismatch":
        return f"{prefix} = {shown(value)}: bad name; use lower-case letters, digits, - and _"
    if kind in TYPE_WORDS or kind.endswith("_type") or kind.endswith("_parsing"):
        want = TYPE_WORDS.get(kind) or err["msg"].replace("Input should be ", "")
        return f"{prefix} = {shown(value)}: wrong type, must be {want}{unit}"
    if kind == "value_error":
        return f"{prefix}: {err['msg'].removeprefix('Value error, ')}"
    return f"{prefix} = {shown(value)}: {err['msg']}"


def guess_key(err) -> str:
    # Model-level checks have no location; name the parameter their message starts with.
    message = err["msg"].removeprefix("Value error, ")
    for key in sorted(FIELDS, key=len, reverse=True):
        if message.startswith(key):
            return key
    return ""
