"""Scenario parameters: the schema, params.yaml (defaults + named scenarios) and ``-p`` overrides.

A scenario is the ``defaults:`` mapping of params.yaml with the scenario's own changes laid over
it, then any ``-p KEY=VALUE`` overrides from the command line. Mappings (``growth_overrides``,
``status_thresholds``) are merged key by key at each layer; everything else is replaced.

Everything is validated here, before any kernel starts. Each problem becomes one ``ParamsError``
line naming the file, the key, the value and what to do.
"""

import math
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from dgforecast.errors import ParamsError
from dgforecast.yamlfile import MAX_PARAMS_BYTES, Loader, cut, did_you_mean, hint, read_yaml, shown, yaml_value

#: Scenario names become folder and file names in reports/, so they are kept to a safe alphabet.
SCENARIO_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TOP_KEYS = ("defaults", "scenarios", "headline")


def _meta(unit, label_zh, label_en):
    return {"unit": unit, "label_zh": label_zh, "label_en": label_en}


def _meta_range(unit, label_zh, label_en, span):
    # For fields whose allowed values are not a ge/le pair (names, per-year mappings).
    return {**_meta(unit, label_zh, label_en), "range": span}


class StatusThresholds(BaseModel):
    """Probability cut-offs that turn P(target met) into a status label.

    The rule (``assess.status_label``), first match wins:

    * 提前实现 (achieved early): P(met already in a year before the deadline) >= ``early``;
    * 快于预期 (ahead of plan): P(met by the deadline) >= ``ahead``;
    * 基本符合预期 (on track): P(met) >= ``on_track``;
    * 存在风险 (at risk): P(met) >= ``at_risk``;
    * 难以实现 (unlikely): otherwise.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    early: float = Field(0.9, ge=0.5, le=1.0, json_schema_extra=_meta(
        "probability", "提前实现门槛", "achieved-early cut-off"))
    ahead: float = Field(0.8, ge=0.0, le=1.0, json_schema_extra=_meta(
        "probability", "快于预期门槛", "ahead-of-plan cut-off"))
    on_track: float = Field(0.5, ge=0.0, le=1.0, json_schema_extra=_meta(
        "probability", "基本符合预期门槛", "on-track cut-off"))
    at_risk: float = Field(0.2, ge=0.0, le=1.0, json_schema_extra=_meta(
        "probability", "存在风险门槛", "at-risk cut-off"))

    @model_validator(mode="after")
    def _ordered(self):
        if not self.ahead > self.on_track > self.at_risk:
            raise ValueError(f"needs ahead > on_track > at_risk, got {self.ahead}, {self.on_track}, {self.at_risk}; "
                             "order the cut-offs from high to low")
        return self


RELIABILITY_FLAGS = ("official", "press_or_official", "preliminary", "low", "unverified")
#: ``as_of``: a month YYYY-MM, or ``today`` (the month the command runs in).
AS_OF = re.compile(r"^(today|\d{4}-(0[1-9]|1[0-2]))$")


class EvidenceParams(BaseModel):
    """The measurement model: how each row of data/raw/evidence.csv bears on the simulated paths.

    x_t is the cluster's nominal log output growth in year t (what the engine simulates), X_t its
    output level, r its revenue-to-output ratio, δ the gap between its real 增加值 growth and the
    city's. The equations are in ``dgforecast.condition``; the defaults' data in
    benchmarks/results/evidence_defaults.md and benchmarks/results/city_link.md:

    * 增加值 growth g for January–m: ln(1+g) + nominal_gap = x_t + e, e ~ N(0, growth_link_sd²
      + (ytd_sd·(12−m)/12)²), the link error shared by every 增加值 row of the year;
    * the city's 增加值 growth c: the same on x_t − δ, with city_gap_sd² more; δ ~ N(city_gap, city_gap_sd²);
    * a level v: an exact figure carries only its rounding, a round statement (达到5000) round_sd;
    * at_least / at_most: bounds (hard when bound_sd = 0); ``reading: round`` also caps a round
      突破 at the next round figure (突破5000: below 6000), for every round statement alike;
    * the city's revenue-to-output ratio: ln r_city = ln r + u, u ~ N(0, city_ratio_sd²).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    min_reliability: Literal[RELIABILITY_FLAGS] = Field("press_or_official", json_schema_extra=_meta(
        " | ".join(RELIABILITY_FLAGS), "证据最低可信度", "least trusted evidence used"))
    nominal_gap: float = Field(0.03, ge=-0.1, le=0.2, json_schema_extra=_meta(
        "log growth (real 增加值 growth only)", "产值名义增速高于增加值实际增速之差",
        "nominal output growth over real value-added growth"))
    growth_link_sd: float = Field(0.05, ge=0.001, le=0.5, json_schema_extra=_meta(
        "sd of log growth", "增加值增速与产值增长的联系误差", "value-added to output growth link sd"))
    ytd_sd: float = Field(0.06, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of log growth (whole year unseen)", "累计增速外推误差", "year-to-date extrapolation sd"))
    round_sd: float = Field(0.07, ge=0.001, le=0.5, json_schema_extra=_meta(
        "sd of ln level", "整数表述（达到5000）的误差", "round-statement sd (达到5000)"))
    bound_sd: float = Field(0.0, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of ln level (0 = hard bound)", "上下限的软化程度", "bound softness"))
    reading: Literal["plain", "round"] = Field("plain", json_schema_extra=_meta(
        "plain | round", "“突破”的读法（plain：仅下限；round：亦低于下一整数关口）",
        "reading of 突破 (plain: a bound only; round: also below the next round figure)"))
    city_gap: float = Field(0.04, ge=-0.5, le=0.5, json_schema_extra=_meta(
        "log growth", "集群增加值增速高于全市的差（先验均值）", "cluster-over-city value-added growth gap"))
    city_gap_sd: float = Field(0.018, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of log growth", "集群与全市增速差的逐年波动", "cluster-over-city gap sd (each year, and of the gap)"))
    city_ratio_sd: float = Field(0.05, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of ln ratio", "全市营收产值比与集群之差", "city-to-cluster ratio link sd"))
    min_ess: int = Field(2000, ge=10, le=1_000_000, json_schema_extra=_meta(
        "paths", "最小有效样本量", "effective sample size floor"))
    max_sims: int = Field(200_000, ge=10, le=2_000_000, json_schema_extra=_meta(
        "paths", "补抽路径上限", "most paths drawn to reach the floor"))


class VerdictThresholds(BaseModel):
    """Cut-offs of the final assessment (终期评估): P(met) under the evidence -> 已实现 / 未实现 / 无法确认."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    achieved: float = Field(0.9, ge=0.5, le=1.0, json_schema_extra=_meta(
        "probability", "已实现门槛", "met cut-off"))
    missed: float = Field(0.1, ge=0.0, le=0.5, json_schema_extra=_meta(
        "probability", "未实现门槛", "missed cut-off"))
    mc_sigmas: float = Field(3.0, ge=0.0, le=10.0, json_schema_extra=_meta(
        "Monte Carlo standard errors", "结论需越过门槛的蒙特卡洛标准误倍数", "Monte Carlo margin of a verdict"))


class ScenarioParams(BaseModel):
    """One resolved scenario: every assumption a simulation and its assessment rest on.

    Each field carries its unit, allowed range and Chinese and English labels (``FIELDS``).
    Growth figures are fractions per year (0.06 = 6 %/yr); levels are in 亿元.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    scenario: str = Field(pattern=SCENARIO_NAME.pattern, json_schema_extra=_meta_range(
        "name", "情景", "scenario", "a-z first, then a-z 0-9 _ -, at most 40"))
    label_zh: str = Field(min_length=1, max_length=60, json_schema_extra=_meta_range(
        "text", "情景名称（中文）", "scenario label (Chinese)", "1-60 characters"))
    label_en: str = Field(min_length=1, max_length=80, json_schema_extra=_meta_range(
        "text", "情景名称（英文）", "scenario label (English)", "1-80 characters"))
    target_year: int | None = Field(None, ge=1950, le=2100, json_schema_extra=_meta(
        "year (default: the plan's last deadline)", "预测终止年份", "last simulated year"))
    engine: Literal["lognormal", "fitted"] = Field("lognormal", json_schema_extra=_meta(
        "lognormal | fitted", "模拟引擎", "simulation engine"))
    history_series: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9_]{0,59}$", json_schema_extra=_meta_range(
        "series_id in the history file (plan.yaml history_file)", "拟合所用历史序列",
        "history fitted (engine fitted)", "A-Z first, then A-Z 0-9 _"))
    growth: float = Field(ge=-0.5, le=0.5, json_schema_extra=_meta(
        "fraction per year", "年均增长率", "annual growth"))
    volatility: float = Field(ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of annual log growth", "增长波动率", "growth volatility"))
    growth_overrides: dict[int, float] = Field(default_factory=dict, json_schema_extra=_meta_range(
        "year: fraction per year", "分年增长率设定（冲击）", "growth overrides by year (shocks)",
        "simulated years up to target_year, each -0.9..1.0"))
    revenue_to_output_ratio: float = Field(1.0, ge=0.5, le=2.0, json_schema_extra=_meta(
        "营业收入 / 总产值 (1)", "营业收入与总产值之比", "revenue to output ratio"))
    revenue_to_output_ratio_sd: float = Field(0.0, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of the ratio (1)", "营收产值比不确定性", "revenue to output ratio sd"))
    price_basis: Literal["nominal", "real"] = Field("nominal", json_schema_extra=_meta(
        "nominal | real", "增长率价格口径", "price basis of growth"))
    deflator: float = Field(0.0, ge=-0.1, le=0.2, json_schema_extra=_meta(
        "fraction per year (price_basis real only)", "实际增长率换算名义的价格涨幅（仅当 price_basis 为 real）",
        "price growth that turns a real growth assumption nominal (price_basis real only)"))
    n_sims: int = Field(10000, ge=10, le=2_000_000, json_schema_extra=_meta(
        "paths", "模拟路径数", "simulated paths"))
    seed: int = Field(20220101, ge=0, le=2**32 - 1, json_schema_extra=_meta(
        "integer", "随机种子", "random seed"))
    status_thresholds: StatusThresholds = Field(default_factory=StatusThresholds, json_schema_extra=_meta_range(
        "probabilities: early, ahead, on_track, at_risk", "状态判定门槛", "status thresholds",
        "each 0..1, early >= 0.5, ahead > on_track > at_risk"))
    as_of: str = Field("today", pattern=AS_OF.pattern, json_schema_extra=_meta_range(
        "YYYY-MM or today", "证据截至月份", "evidence published up to (month)", "YYYY-MM or today"))
    evidence: EvidenceParams = Field(default_factory=EvidenceParams, json_schema_extra=_meta_range(
        "see EvidenceParams", "证据测量模型", "evidence measurement model", "each sub-field has its own range"))
    verdict_thresholds: VerdictThresholds = Field(default_factory=VerdictThresholds, json_schema_extra=_meta_range(
        "probabilities: achieved, missed", "终期评估门槛", "final verdict cut-offs",
        "achieved 0.5..1, missed 0..0.5"))

    @field_validator("growth_overrides", mode="before")
    @classmethod
    def _year_keys(cls, value):
        # YAML, JSON and papermill may hand years over as strings; a year is still a year.
        if isinstance(value, dict):
            return {int(k) if isinstance(k, str) and k.strip().isdigit() else k: v for k, v in value.items()}
        return value

    #: The month the plan was written (plan.yaml ``plan.plan_month``), set by ``resolve_scenario``.
    _plan_month: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _consistent(self):
        for year, g in self.growth_overrides.items():
            if self.target_year is not None and not year <= self.target_year:
                raise ValueError(f"growth_overrides year {year} is after target_year {self.target_year}")
            if not -0.9 <= g <= 1.0:
                raise ValueError(f"growth_overrides {year}: {g} is outside -0.9..1.0 (fraction per year)")
        return self

    @property
    def plan_month(self) -> str:
        """The month the plan was written: ``as_of`` it, no evidence is known yet (plan.yaml)."""
        if self._plan_month is None:
            raise ParamsError(f"scenario {self.scenario}: resolved without its workbook's plan.yaml, so the plan's "
                              "month is unknown; resolve it with params.resolve_scenario")
        return self._plan_month

    def with_plan_month(self, month) -> "ScenarioParams":
        """This scenario knowing the month its plan was written (``plan_month``)."""
        copy = self.model_copy()
        copy._plan_month = month
        return copy

    def at_plan(self) -> "ScenarioParams":
        """The same scenario as of the plan (``as_of = plan_month``): no evidence yet."""
        return self.model_copy(update={"as_of": self.plan_month})

    @property
    def as_of_month(self) -> str:
        """``as_of`` as YYYY-MM (``today`` is the current month)."""
        import datetime as dt

        return dt.date.today().strftime("%Y-%m") if self.as_of == "today" else self.as_of

    def nominal_growth(self, year) -> float:
        """Growth assumed for ``year`` as a nominal fraction (override if any, deflator applied)."""
        g = self.growth_overrides.get(int(year), self.growth)
        return to_nominal(g, self.deflator) if self.price_basis == "real" else g


def to_nominal(growth_real, deflator) -> float:
    """Nominal growth from real growth and price growth: (1 + g_real)(1 + deflator) - 1.

    >>> round(to_nominal(0.05, 0.02), 4)
    0.071
    """
    return (1.0 + growth_real) * (1.0 + deflator) - 1.0


# ---------------------------------------------------------------- the schema as a table
def _describe(name, field) -> dict:
    extra = field.json_schema_extra or {}
    bounds = {type(m).__name__: getattr(m, type(m).__name__.lower(), None) for m in field.metadata}
    low, high = bounds.get("Ge"), bounds.get("Le")
    choices = getattr(field.annotation, "__args__", ()) if "Literal" in str(field.annotation) else ()
    if choices:
        kind, span = "str", " | ".join(choices)
    else:
        kind = str(field.annotation) if hasattr(field.annotation, "__args__") else field.annotation.__name__
        span = extra.get("range") or ("" if low is None else f"{low}..{high}")
    default = None if field.is_required() else field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump()
    return {"name": name, "type": kind, "unit": extra.get("unit", ""),
            "range": span, "default": default,
            "required": field.is_required(), "label_zh": extra.get("label_zh", ""),
            "label_en": extra.get("label_en", "")}


#: name -> {name, type, unit, range, default, required, label_zh, label_en} for every parameter.
FIELDS = {name: _describe(name, f) for name, f in ScenarioParams.model_fields.items()}
THRESHOLD_FIELDS = {name: _describe(name, f) for name, f in StatusThresholds.model_fields.items()}
#: The fields of each nested block: ``-p evidence.round_sd=0.05``, ``--grid evidence.bound_sd=0:0.1:0.02``.
NESTED_FIELDS = {"status_thresholds": THRESHOLD_FIELDS,
                 "evidence": {name: _describe(name, f) for name, f in EvidenceParams.model_fields.items()},
                 "verdict_thresholds": {name: _describe(name, f) for name, f in VerdictThresholds.model_fields.items()}}


def field_table():
    """The parameters as a DataFrame (name, type, unit, range, default, required, labels)."""
    import pandas as pd

    return pd.DataFrame(list(FIELDS.values()))


def labels(name, lang="zh") -> str:
    """The Chinese (``lang="zh"``) or English label of a parameter or status-threshold key."""
    entry = FIELDS.get(name) or THRESHOLD_FIELDS.get(name)
    if entry is None:
        raise KeyError(name)
    return entry[f"label_{lang}"]


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
            "headline": headline or next(iter(scenarios))}


def headline_of(spec, names) -> str:
    """The scenario whose verdict a report and its memo lead with: params.yaml ``headline:`` (default
    ``base``, else the first scenario), or the first of ``names`` when a run leaves it out."""
    names = list(names)
    return spec["headline"] if spec["headline"] in names else names[0]


def headline_scenario(path, names=None) -> str:
    """``headline_of`` for the params.yaml at ``path`` (every scenario of it when ``names`` is None)."""
    spec = load_params_file(path)
    return headline_of(spec, names if names is not None else spec["scenarios"])


def _at(where, key) -> str:
    # "params.yaml: defaults" + "growth" -> "params.yaml: defaults.growth"; "-p" + "growth" -> "-p growth"
    key = cut(key)
    return f"{where} {key}" if where.startswith("-") else f"{where}.{key}"


def _check_keys(mapping, where, fields=None):
    # ``fields``: the schema's field names (default: ScenarioParams'; a subclass brings its own).
    fields = FIELDS if fields is None else fields
    allowed = [k for k in fields if k != "scenario"]
    for key, value in mapping.items():
        if key == "scenario":
            raise ParamsError(f"{_at(where, key)}: is set from the scenario's name; remove this key")
        if key not in fields:
            raise ParamsError(f"{_at(where, key)}: unknown parameter; {hint(key, allowed)}")
        if key in NESTED_FIELDS and isinstance(value, dict):
            for sub in value:
                if sub not in NESTED_FIELDS[key]:
                    what = "cut-off" if key.endswith("_thresholds") else "entry"
                    raise ParamsError(f"{_at(where, key)}.{cut(sub)}: unknown {what}; {hint(sub, NESTED_FIELDS[key])}")


def scenario_names(path) -> list[str]:
    """The scenario names of params.yaml, in file order."""
    return list(load_params_file(path)["scenarios"])


# ---------------------------------------------------------------- resolving one scenario
def merge_changes(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` laid over it: mappings merged key by key, everything else replaced.

    The one rule for every layer (defaults, a scenario, ``-p``, a sweep point); ``base`` is not changed.
    """
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def nest_dotted(flat: dict) -> dict:
    """``{"growth_overrides.2022": -0.1, "growth": 0.05}`` -> ``{"growth_overrides": {2022: -0.1}, "growth": 0.05}``.

    A dotted key sets one entry of a mapping parameter; year-like entries become integers.
    """
    nested = {}
    for key, value in flat.items():
        head, _, sub = str(key).partition(".")
        if sub:
            nested.setdefault(head, {})[int(sub) if sub.isdigit() else sub] = value
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
    if validate:
        _check_keys(nested, where, type(params).model_fields)
        merged = merge_changes(params.model_dump(), nested)
        try:
            return type(params).model_validate(merged).with_plan_month(params._plan_month)
        except ValidationError as exc:
            raise ParamsError(_one_line(exc, merged, [(f"scenario {params.scenario}", {}),
                                                      (f"scenario {params.scenario}", {}), (where, nested)])) from None
    update = {}
    for key, value in nested.items():
        current = getattr(params, key, None)
        if isinstance(value, dict) and isinstance(current, BaseModel):
            update[key] = current.model_copy(update=value)
        elif isinstance(value, dict) and isinstance(current, dict):
            update[key] = {**current, **value}
        else:
            update[key] = value
    return params.model_copy(update=update)


def _origin(key, layers) -> str:
    # The last layer that sets the key is the one the user should edit.
    for where, mapping in reversed(layers):
        if key in mapping:
            return where
    # Nobody sets it: labels belong to each scenario, every other assumption to the defaults.
    return layers[1][0] if key in ("label_zh", "label_en") else layers[0][0]


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
        return ScenarioParams.model_validate(merged).with_plan_month(plan.plan.plan_month if plan else None)
    except ValidationError as exc:
        raise ParamsError(_one_line(exc, merged, layers)) from None


def _plan_of(params_file):
    """(plan, last deadline) of the workbook a params.yaml belongs to (None, None without data/raw/plan.yaml;
    the deadline None for a plan without targets yet)."""
    from dgforecast.plan import PLAN_FILE, load_plan

    raw = Path(params_file).parent / "data" / "raw"
    if not (raw / PLAN_FILE).is_file():
        return None, None
    from dgforecast.data import last_deadline, load_targets

    return load_plan(raw), last_deadline(load_targets(raw))


_TYPE_WORDS = {"float_type": "a number", "int_type": "a whole number", "string_type": "text",
               "dict_type": "a mapping", "literal_error": None, "bool_type": "true or false",
               "model_type": "a mapping", "int_from_float": "a whole number"}


def _one_line(exc: ValidationError, merged: dict, layers) -> str:
    """The first validation error as: where.key = value: what is wrong; what to do."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p != "[key]"] or [_guess_key(err)]
    key = loc[0]
    where = _origin(key, layers)
    prefix = _at(where, ".".join(loc)) if key else where
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
    if kind in _TYPE_WORDS or kind.endswith("_type") or kind.endswith("_parsing"):
        want = _TYPE_WORDS.get(kind) or err["msg"].replace("Input should be ", "")
        return f"{prefix} = {shown(value)}: wrong type, must be {want}{unit}"
    if kind == "value_error":
        return f"{prefix}: {err['msg'].removeprefix('Value error, ')}"
    return f"{prefix} = {shown(value)}: {err['msg']}"


def _guess_key(err) -> str:
    # Model-level checks have no location; name the parameter their message starts with.
    message = err["msg"].removeprefix("Value error, ")
    for key in sorted(FIELDS, key=len, reverse=True):
        if message.startswith(key):
            return key
    return ""


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
        head, _, sub = key.partition(".")
        if sub:
            sub_key = int(sub) if sub.isdigit() else sub
            if not isinstance(result.get(head, {}), dict):
                raise ParamsError(f"-p {cut(key)}: {cut(head)} is already set to a single value")
            result.setdefault(head, {})[sub_key] = value
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
    from dgforecast.config import find_project

    return resolve_scenario(find_project(project).params_file, name, overrides)


def params_yaml_for(name, items=None, project=None) -> str:
    """What ``dgforecast params NAME -p ...`` prints: the resolved scenario as papermill YAML."""
    return to_papermill_yaml(resolve_from_project(name, parse_overrides(items), project))


# ---------------------------------------------------------------- the house rule: every number says why
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
