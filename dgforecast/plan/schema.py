"""The scenario schema: every parameter with its unit, allowed range and Chinese and English labels.

``ScenarioParams`` is one resolved scenario (its blocks ``StatusThresholds``, ``EvidenceParams`` and
``VerdictThresholds``); ``FIELDS`` is the same schema as a table, which the notebooks' parameters
cells and the report's tables are written from. Reading params.yaml and laying a scenario's changes
over the defaults is ``dgforecast.plan.params``'s business.
"""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from dgforecast.core.errors import ParamsError
from dgforecast.plan.link_schema import LINK_LOCATIONS, LINK_SCALES, SENSITIVE, LinkSpec, check_sensitivity

#: Scenario names become folder and file names in reports/, so they are kept to a safe alphabet.
SCENARIO_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


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
    city's. The equations are in ``dgforecast.engine.condition``; the defaults' data in
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
    nominal_gap_shift: dict[int, float] = Field(default_factory=dict, json_schema_extra=_meta_range(
        "year: log growth", "名义与实际增速之差的年度偏离（全市当年实测）",
        "a year's departure of the nominal-over-real gap from its centre (the city's, where measured)",
        "year: -0.1..0.1"))
    growth_link_sd: float = Field(0.05, ge=0.001, le=0.5, json_schema_extra=_meta(
        "sd of log growth", "增加值增速与产值增长的联系误差", "value-added to output growth link sd"))
    ytd_sd: float = Field(0.06, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of log growth (whole year unseen)", "累计增速外推误差", "year-to-date extrapolation sd"))
    round_sd: float = Field(0.07, ge=0.001, le=0.5, json_schema_extra=_meta(
        "sd of ln level", "整数表述（如“达到1000”）的误差", "round-statement sd (达到1000 and the like)"))
    bound_sd: float = Field(0.0, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of ln level (0 = hard bound)", "上下限的软化程度", "bound softness"))
    reading: Literal["plain", "round"] = Field("plain", json_schema_extra=_meta(
        "plain | round", "整数关口表述的读法", "reading of statements at a round figure"))
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


    def __hash__(self):
        # frozen, so hashable (batch groups points by it); the by-year mapping hashes as its sorted items
        return hash(tuple((k, tuple(sorted(v.items())) if isinstance(v, dict) else v) for k, v in self.__dict__.items()))

    @field_validator("nominal_gap_shift", mode="before")
    @classmethod
    def _gap_year_keys(cls, value):
        # YAML and papermill may hand years over as strings; a year is still a year.
        if isinstance(value, dict):
            return {int(k) if isinstance(k, str) and k.strip().isdigit() else k: v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _gaps_in_range(self):
        for year, shift in self.nominal_gap_shift.items():
            if not -0.1 <= shift <= 0.1:
                raise ValueError(f"nominal_gap_shift {year}: {shift} is outside -0.1..0.1 (log growth)")
        return self


class VerdictThresholds(BaseModel):
    """Cut-offs of the final assessment (终期评估): P(met) under the evidence -> 已实现 / 未实现 / 无法确认."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    achieved: float = Field(0.9, ge=0.5, le=1.0, json_schema_extra=_meta(
        "probability", "已实现门槛", "met cut-off"))
    missed: float = Field(0.1, ge=0.0, le=0.5, json_schema_extra=_meta(
        "probability", "未实现门槛", "missed cut-off"))
    mc_sigmas: float = Field(3.0, ge=0.0, le=10.0, json_schema_extra=_meta(
        "Monte Carlo standard errors", "结论需越过门槛的蒙特卡洛标准误倍数", "Monte Carlo margin of a verdict"))


class MeasureAssumptions(BaseModel):
    """Growth and volatility of one simulated measure where they differ from the scenario's plan-wide values
    (``ScenarioParams.by_measure``); a value left out is the scenario's own."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    growth: float | None = Field(None, ge=-0.5, le=0.5, json_schema_extra=_meta(
        "fraction per year", "该口径年均增长率", "annual growth of the measure"))
    volatility: float | None = Field(None, ge=0.0, le=0.5, json_schema_extra=_meta(
        "sd of annual log growth", "该口径增长波动率", "growth volatility of the measure"))


class ScenarioParams(BaseModel):
    """One resolved scenario: every assumption a simulation and its assessment rest on.

    Each field carries its unit, allowed range and Chinese and English labels (``FIELDS``).
    Growth figures are fractions per year (0.06 = 6 %/yr); levels are in each target's own unit.
    ``growth`` and ``volatility`` hold for every simulated measure unless ``by_measure`` gives a measure its
    own (``for_measure``).
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
    calibration: Literal["m3", "none"] = Field("m3", json_schema_extra=_meta(
        "m3 | none (lognormal engine)", "对数正态引擎的校准（按预测年数修正偏差与宽度）",
        "calibration of the lognormal engine (bias and width by horizon)"))
    by_measure: dict[str, MeasureAssumptions] = Field(default_factory=dict, json_schema_extra=_meta_range(
        "measure: growth, volatility", "分口径增长假设", "growth and volatility by measure",
        "level measures of plan.yaml, each with growth -0.5..0.5 and volatility 0..0.5"))
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
        "fraction per year (price_basis real only)", "实际增长率换算名义的价格涨幅（仅当按实际增速假定时）",
        "price growth that turns a real growth assumption nominal (only when growth is assumed real)"))
    n_sims: int = Field(10000, ge=10, le=2_000_000, json_schema_extra=_meta(
        "paths", "模拟路径数", "simulated paths"))
    seed: int = Field(12345, ge=0, le=2**32 - 1, json_schema_extra=_meta(
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
    link_uncertainty: dict[str, LinkSpec] = Field(default_factory=dict, json_schema_extra=_meta_range(
        "link name: {sd | df | factor}", "链接参数的不确定性（P(met) 对其积分）",
        "how sure each link parameter is (P(met) integrates over it)",
        "names: " + ", ".join([*LINK_LOCATIONS, *LINK_SCALES])))
    sensitivity: dict[str, list] = Field(default_factory=dict, json_schema_extra=_meta_range(
        "name: [low end, high end]", "结论须经受的假设（敏感性集合）", "assumptions a verdict must survive",
        "names: " + ", ".join(SENSITIVE) + "; reading: [plain, round]"))

    @field_validator("growth_overrides", mode="before")
    @classmethod
    def _year_keys(cls, value):
        # YAML, JSON and papermill may hand years over as strings; a year is still a year.
        if isinstance(value, dict):
            return {int(k) if isinstance(k, str) and k.strip().isdigit() else k: v for k, v in value.items()}
        return value

    #: The month the plan was written (plan.yaml ``plan.plan_month``), set by ``resolve_scenario``.
    _plan_month: str | None = PrivateAttr(None)
    #: Parameters whose value is still a placeholder of params.yaml, set by ``resolve_scenario`` (``placeholders``).
    _placeholders: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self):
        unknown = sorted(set(self.link_uncertainty) - {*LINK_LOCATIONS, *LINK_SCALES})
        if unknown:
            raise ValueError(f"link_uncertainty {unknown[0]}: not a link parameter; use one of "
                             + ", ".join([*LINK_LOCATIONS, *LINK_SCALES]))
        for name, spec in self.link_uncertainty.items():
            wanted = ("sd",) if name in LINK_LOCATIONS else ("df", "factor")
            if spec.kind not in wanted:
                raise ValueError(f"link_uncertainty {name}: give {' or '.join(wanted)} (a "
                                 f"{'gap' if name in LINK_LOCATIONS else 'standard deviation'}), not {spec.kind}")
        for name, ends in self.sensitivity.items():
            check_sensitivity(name, ends)
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

    @property
    def plan_month_or_none(self) -> str | None:
        """``plan_month``, or None for a scenario resolved without its plan."""
        return self._plan_month

    @property
    def placeholders(self) -> dict:
        """Parameter (dotted: ``growth``, ``by_measure.robots.volatility``) -> where params.yaml writes its value
        as a placeholder (``params.yaml line 18: defaults.growth = 0.05``): values this scenario takes from a
        line marked 占位 / placeholder (``dgforecast.plan.comments.placeholders``), not set again by a later layer."""
        return dict(self._placeholders)

    def with_placeholders(self, found) -> "ScenarioParams":
        """This scenario knowing which of its values are placeholders (``placeholders``)."""
        copy = self.model_copy()
        copy._placeholders = dict(found)
        return copy

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

    def for_measure(self, measure) -> "ScenarioParams":
        """This scenario for the paths of ``measure`` (a level measure of plan.yaml): its own growth and
        volatility from ``by_measure`` where given, the plan-wide ones otherwise (the same object then)."""
        own = self.by_measure.get(measure)
        update = {} if own is None else {k: v for k, v in (("growth", own.growth), ("volatility", own.volatility))
                                         if v is not None}
        return self.model_copy(update=update) if update else self

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
#: The fields each measure of ``by_measure`` may set: ``-p by_measure.MEASURE.growth=0.1``.
MEASURE_FIELDS = {name: _describe(name, f) for name, f in MeasureAssumptions.model_fields.items()}
NESTED_FIELDS = {"status_thresholds": THRESHOLD_FIELDS,
                 "evidence": {name: _describe(name, f) for name, f in EvidenceParams.model_fields.items()},
                 "verdict_thresholds": {name: _describe(name, f) for name, f in VerdictThresholds.model_fields.items()}}


def labels(name, lang="zh") -> str:
    """The Chinese (``lang="zh"``) or English label of a parameter, a status-threshold or an evidence key."""
    entry = FIELDS.get(name) or THRESHOLD_FIELDS.get(name) or NESTED_FIELDS["evidence"].get(name)
    if entry is None:
        raise KeyError(name)
    return entry[f"label_{lang}"]
