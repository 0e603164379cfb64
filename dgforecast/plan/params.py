"""Scenario parameters: params.yaml (defaults + named scenarios) and ``-p`` overrides, resolved.

A scenario is the ``defaults:`` mapping of params.yaml with the scenario's own changes laid over
it, then any ``-p KEY=VALUE`` overrides from the command line. Mappings (``growth_overrides``,
``status_thresholds``) are merged key by key at each layer; everything else is replaced.

Everything is validated here, against the schema of ``dgforecast.plan.schema``, before any kernel
starts. Each problem becomes one ``ParamsError`` line naming the file, the key, the value and what to do.
"""

import math
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from dgforecast.core.errors import ParamsError
from dgforecast.core.yamlfile import cut, hint, read_yaml, shown, yaml_value
from dgforecast.plan.comments import placeholder_values, sets_key
from dgforecast.plan.param_errors import key_at, one_line_error, origin_of
from dgforecast.plan.schema import (
    FIELDS,
    MEASURE_FIELDS,
    NESTED_FIELDS,
    SCENARIO_NAME,
    MeasureAssumptions,
    ScenarioParams,
)

TOP_KEYS = ("defaults", "scenarios", "headline", "sliders")
#: What ``sliders:`` may set: a parameter the what-if moves, or ``growth_overrides`` (a shock year's growth).
SLIDER_KEYS = ("growth", "volatility", "revenue_to_output_ratio", "revenue_to_output_ratio_sd", "growth_overrides")


# ---------------------------------------------------------------- reading params.yaml
def load_params_file(path) -> dict:
    """Read params.yaml (UTF-8) and check its shape: ``defaults`` and ``scenarios`` mappings.

    Returns
    -------
    dict
        ``{"defaults": {...}, "scenarios": {name: {...}, ...}, "headline": name}``, keys checked against
        the schema (values are checked when a scenario is resolved); ``headline`` is the scenario the
        report leads with (``headline:`` in the file; default the first scenario).

    Raises
    ------
    ParamsError
        Not UTF-8, malformed YAML, a missing or unknown section, a bad scenario name or an
        unknown parameter (with a did-you-mean).
    """
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: top level must be a mapping with defaults: and scenarios:, "
                          f"found {type(data).__name__}")
    for key in data:
        if key not in TOP_KEYS:
            raise ParamsError(f"{path}: {cut(key)}: unknown section; {hint(key, TOP_KEYS)}")
    defaults = data.get("defaults") or {}
    scenarios = data.get("scenarios")
    if not isinstance(defaults, dict):
        raise ParamsError(f"{path}: defaults: must be a mapping of parameter: value")
    if not isinstance(scenarios, dict) or not scenarios:
        raise ParamsError(f"{path}: scenarios: must map at least one scenario name to its changes")
    _check_keys(defaults, f"{path}: defaults")
    headline = data.get("headline")
    if headline is not None and headline not in scenarios:
        raise ParamsError(f"{path}: headline: {cut(headline)!r} is not a scenario; {hint(headline, scenarios)}")
    for name, changes in scenarios.items():
        if not isinstance(name, str) or not SCENARIO_NAME.fullmatch(name):
            raise ParamsError(f"{path}: scenarios.{cut(name)}: bad scenario name; use lower-case letters, "
                              "digits, - and _ (it names report files), starting with a letter")
        if changes is not None and not isinstance(changes, dict):
            raise ParamsError(f"{path}: scenarios.{cut(name)}: must be a mapping of parameter: value (or {{}})")
        _check_keys(changes or {}, f"{path}: scenarios.{name}")
    return {"defaults": defaults, "scenarios": {n: (c or {}) for n, c in scenarios.items()},
            "headline": headline or next(iter(scenarios)), "sliders": _slider_ranges(data.get("sliders"), path)}


def _slider_ranges(given, path) -> dict:
    """``sliders:`` of params.yaml checked: key -> (low, high, step), in the parameter's own unit."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ParamsError(f"{path}: sliders: must map a parameter to [low, high, step]")
    ranges = {}
    for key, value in given.items():
        if key not in SLIDER_KEYS:
            raise ParamsError(f"{path}: sliders.{cut(key)}: no slider moves it; {hint(key, SLIDER_KEYS)}")
        numbers = value if isinstance(value, list) else None
        if (numbers is None or len(numbers) != 3
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in numbers)
                or not numbers[0] < numbers[1] or not 0 < numbers[2] <= numbers[1] - numbers[0]):
            raise ParamsError(f"{path}: sliders.{key}: {cut(value)} is not [low, high, step] with low < high and "
                              "a step above 0 and no wider than the range, e.g. [-0.1, 0.2, 0.0025]")
        ranges[key] = tuple(float(v) for v in numbers)
    return ranges


def slider_ranges(path) -> dict:
    """The what-if's slider ranges a workbook sets in params.yaml (``sliders:``): key -> (low, high, step)."""
    return load_params_file(path)["sliders"]


def headline_of(spec, names) -> str:
    """The scenario whose verdict a report and its memo lead with: params.yaml ``headline:`` (default
    ``base``, else the first scenario), or the first of ``names`` when a run leaves it out."""
    names = list(names)
    return spec["headline"] if spec["headline"] in names else names[0]


def headline_scenario(path, names=None) -> str:
    """``headline_of`` for the params.yaml at ``path`` (every scenario of it when ``names`` is None)."""
    spec = load_params_file(path)
    return headline_of(spec, names if names is not None else spec["scenarios"])


def _check_keys(mapping, where, fields=None):
    # ``fields``: the schema's field names (default: ScenarioParams'; a subclass brings its own).
    fields = FIELDS if fields is None else fields
    allowed = [k for k in fields if k != "scenario"]
    for key, value in mapping.items():
        if key == "scenario":
            raise ParamsError(f"{key_at(where, key)}: is set from the scenario's name; remove this key")
        if key not in fields:
            raise ParamsError(f"{key_at(where, key)}: unknown parameter; {hint(key, allowed)}")
        if key in NESTED_FIELDS and isinstance(value, dict):
            for sub in value:
                if sub not in NESTED_FIELDS[key]:
                    what = "cut-off" if key.endswith("_thresholds") else "entry"
                    raise ParamsError(f"{key_at(where, key)}.{cut(sub)}: unknown {what}; {hint(sub, NESTED_FIELDS[key])}")
        if key == "by_measure" and isinstance(value, dict):
            for measure, own in value.items():
                for sub in own if isinstance(own, dict) else ():
                    if sub not in MEASURE_FIELDS:
                        raise ParamsError(f"{key_at(where, key)}.{cut(measure)}.{cut(sub)}: a measure sets its own "
                                          f"growth or volatility only; {hint(sub, MEASURE_FIELDS)}")


def scenario_names(path) -> list[str]:
    """The scenario names of params.yaml, in file order."""
    return list(load_params_file(path)["scenarios"])


# ---------------------------------------------------------------- resolving one scenario
def merge_changes(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` laid over it: mappings merged key by key (at every depth: a scenario's
    ``by_measure.robots.growth`` keeps the defaults' ``by_measure.robots.volatility``), everything else replaced.

    The one rule for every layer (defaults, a scenario, ``-p``, a sweep point); ``base`` is not changed.
    """
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_changes(merged[key], value)
        else:
            merged[key] = value
    return merged


def _set_dotted(nested, key, value):
    # "by_measure.robots.growth" -> nested["by_measure"]["robots"]["growth"]; year-like parts become integers
    *heads, last = [int(part) if part.isdigit() else part for part in str(key).split(".")]
    for head in heads:
        nested = nested.setdefault(head, {})
        if not isinstance(nested, dict):
            raise ParamsError(f"-p {cut(key)}: {cut(head)} is already set to a single value")
    nested[last] = value


def nest_dotted(flat: dict) -> dict:
    """``{"growth_overrides.2022": -0.1, "by_measure.robots.growth": 0.1}`` -> ``{"growth_overrides": {2022:
    -0.1}, "by_measure": {"robots": {"growth": 0.1}}}``.

    A dotted key sets one entry of a mapping parameter, at any depth; year-like entries become integers.
    """
    nested = {}
    for key, value in flat.items():
        if "." in str(key):
            _set_dotted(nested, key, value)
        else:
            nested[key] = value
    return nested


def changed(params: ScenarioParams, changes: dict, validate=True, where="-p") -> ScenarioParams:
    """``params`` with ``changes`` (dotted keys allowed) laid over it by ``merge_changes``.

    With ``validate`` the result is checked against the schema and a problem is one ``ParamsError``
    line naming ``where`` and the key; without, the values are taken as they are (the caller has
    checked them), which is fast enough for a sweep's every point.
    """
    nested = nest_dotted(changes)
    kept = {k: v for k, v in params.placeholders.items() if not sets_key(nested, k)}  # a value given here is no placeholder
    if validate:
        _check_keys(nested, where, type(params).model_fields)
        merged = merge_changes(params.model_dump(), nested)
        try:
            fresh = type(params).model_validate(merged).with_plan_month(params.plan_month_or_none)
            return fresh.with_placeholders(kept) if kept else fresh
        except ValidationError as exc:
            raise ParamsError(one_line_error(exc, merged, [(f"scenario {params.scenario}", {}),
                                                      (f"scenario {params.scenario}", {}), (where, nested)])) from None
    update = {}
    for key, value in nested.items():
        current = getattr(params, key, None)
        if isinstance(value, dict) and isinstance(current, BaseModel):
            update[key] = current.model_copy(update=value)
        elif key == "by_measure" and isinstance(value, dict):  # each measure's own, laid over what it had
            update[key] = {**current, **{m: (current[m].model_copy(update=v) if m in current
                                             else MeasureAssumptions.model_construct(**{"growth": None,
                                                                                        "volatility": None, **v}))
                                         for m, v in value.items()}}
        elif isinstance(value, dict) and isinstance(current, dict):
            update[key] = {**current, **value}
        else:
            update[key] = value
    fresh = params.model_copy(update=update)  # keeps the placeholders: only a value changed here drops one
    return fresh if len(kept) == len(params.placeholders) else fresh.with_placeholders(kept)


def resolve_scenario(path, name, overrides: dict | None = None) -> ScenarioParams:
    """The parameters of scenario ``name``: defaults, then the scenario's changes, then ``overrides``.

    Parameters
    ----------
    path : str or Path
        params.yaml.
    name : str
        A scenario under ``scenarios:``.
    overrides : dict, optional
        Parameter values from the command line (``parse_overrides``); they win over the file.

    Raises
    ------
    ParamsError
        Unknown scenario or key (with a did-you-mean), wrong type, value out of range, missing
        parameter — one line naming the file, key and value.
    """
    path = Path(path)
    spec = load_params_file(path)
    if name not in spec["scenarios"]:
        raise ParamsError(f"{path}: scenario {shown(name)} not found; {hint(name, spec['scenarios'])}")
    overrides = dict(overrides or {})
    _check_keys(overrides, "-p")
    layers = [(f"{path}: defaults", spec["defaults"]), (f"{path}: scenarios.{name}", spec["scenarios"][name]),
              ("-p", overrides)]
    merged = {"scenario": name}
    for _, mapping in layers:
        merged = merge_changes(merged, mapping)
    plan, deadline = _plan_of(path)
    if merged.get("target_year") is None and deadline is not None:
        merged["target_year"] = deadline
    try:
        params = ScenarioParams.model_validate(merged).with_plan_month(plan.plan.plan_month if plan else None)
    except ValidationError as exc:
        raise ParamsError(one_line_error(exc, merged, layers)) from None
    if plan is not None:
        check_as_of(params.as_of, plan.plan.plan_month, f"{key_at(origin_of('as_of', layers), 'as_of')} =")
        check_measures(params, plan, layers)
    return params.with_placeholders(placeholder_values(path, params, layers))


def check_as_of(month, plan_month, what, today=None) -> None:
    """Refuse an as-of month (YYYY-MM or ``today``) before the plan was written or after this month.

    Before ``plan_month`` no figure was evidence yet and the plan itself was not written; after this
    month no figure is known. ``what`` names where the month came from (``--as-of``,
    ``-p as_of =``, ``params.yaml: defaults.as_of =``).

    Raises
    ------
    ParamsError
        One line naming ``what`` and the months allowed.
    """
    import datetime as dt

    now = (today or dt.date.today()).strftime("%Y-%m")
    if month == "today" or plan_month <= month <= now:
        return
    why = (f"before the plan was written (plan.yaml plan_month {plan_month})" if month < plan_month
           else f"in the future (this month is {now})")
    raise ParamsError(f"{what} {month}: {why}; give a month from {plan_month} to {now}")


def check_measures(params, plan, layers=()) -> None:
    """Refuse, in one line naming where it is set, a ``by_measure`` entry that is no simulated measure of the
    plan: a measure of role ``level`` in plan.yaml (one that grows with another's paths is set on that one)."""
    paths = plan.measures_of("level")
    for measure in (m for m in params.by_measure if m not in paths):
        where = next((w for w, mapping in reversed(list(layers)) if sets_key(mapping, f"by_measure.{measure}")),
                     "by_measure")
        grows_on = plan.path_of(measure) if measure in plan.measures else None
        what = (f"grows with the paths of {grows_on}; set by_measure.{grows_on} instead" if grows_on and grows_on != measure
                else f"is not a simulated measure of plan.yaml (role level); {hint(measure, paths)}")
        raise ParamsError(f"{key_at(where, 'by_measure')}.{cut(measure)}: {what}")


def _plan_of(params_file):
    """(plan, last deadline) of the workbook a params.yaml belongs to (None, None without data/raw/plan.yaml;
    the deadline None for a plan without targets yet)."""
    from dgforecast.plan.plan_file import PLAN_FILE, load_plan

    raw = Path(params_file).parent / "data" / "raw"
    if not (raw / PLAN_FILE).is_file():
        return None, None
    from dgforecast.plan.data import last_deadline, load_targets

    return load_plan(raw), last_deadline(load_targets(raw))


# ---------------------------------------------------------------- command-line overrides
def parse_overrides(items) -> dict:
    """``["growth=0.02", "growth_overrides.2022=-0.1"]`` -> ``{"growth": 0.02, "growth_overrides": {2022: -0.1}}``.

    Values are parsed as YAML scalars (``0.02`` a number, ``real`` text, ``{2022: -0.1}`` a mapping);
    a dotted key sets one entry of a mapping parameter.
    """
    result = {}
    for item in items or ():
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamsError(f"-p {cut(item)}: expected KEY=VALUE, e.g. -p growth=0.02")
        try:
            value = yaml_value(text) if text.strip() else None
        except yaml.YAMLError:
            raise ParamsError(f"-p {cut(f'{key}={text}')}: value is not a YAML scalar; quote it or write a plain "
                              "number") from None
        if "." in key:
            if not isinstance(result.get(key.partition(".")[0], {}), dict):
                raise ParamsError(f"-p {cut(key)}: {cut(key.partition('.')[0])} is already set to a single value")
            _set_dotted(result, key, value)
        else:
            result[key] = value
    return result


# ---------------------------------------------------------------- for papermill
def to_papermill_yaml(params: ScenarioParams) -> str:
    """The resolved parameters as YAML that plain ``papermill -f`` accepts (one key per parameter).

    ``yaml.safe_load`` of the text gives back the same values (years in ``growth_overrides`` stay
    integers), so ``ScenarioParams.model_validate(yaml.safe_load(text))`` round-trips.
    """
    data = params.model_dump(mode="python")
    data["growth_overrides"] = {int(k): float(v) for k, v in sorted(data["growth_overrides"].items())}
    for key, value in data.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParamsError(f"{key} = {value}: not a finite number; papermill cannot pass it")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def resolve_from_project(name, overrides=None, project=None) -> ScenarioParams:
    """``resolve_scenario`` on the params.yaml of the workbook found from ``project`` (or the cwd)."""
    from dgforecast.core.config import find_project

    return resolve_scenario(find_project(project).params_file, name, overrides)


def params_yaml_for(name, items=None, project=None) -> str:
    """What ``dgforecast params NAME -p ...`` prints: the resolved scenario as papermill YAML."""
    return to_papermill_yaml(resolve_from_project(name, parse_overrides(items), project))
