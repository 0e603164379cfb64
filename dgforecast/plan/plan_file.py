"""The plan a workbook assesses, as data: ``data/raw/plan.yaml``.

Everything particular to one plan that is not a table — its title and document, the month it was
written and its base year, the file of published statistics up to that year, the *measures* its
targets and evidence speak of and how they link to one another, and the cross-checks of its figures
— is written in the workbook's plan.yaml, checked here against a schema. The package holds no fact
of any plan: the same code assesses Dongguan's equipment plan, its robot plans and the province's.

Measures and their links
------------------------
A level target is judged on simulated paths of one quantity, the *path* measure (role ``level``):
its level X_t grows from the plan's baseline (``baseline``, a variable of plan_baselines.csv) by the
years' growth x_t. Every other measure says how its figures bear on a path (``of``):

========================  ======================================================================
``level``                 X_t itself (a target's own measure, or the measure a target grows from)
``level_times_ratio``     X_t · r: a level that is the path's times a ratio r per path, whose prior is
                          the scenario's ``revenue_to_output_ratio`` (营业收入 = 总产值 × r)
``ratio``                 r itself (a published revenue-to-output ratio)
``linked_growth``         growth that moves with x_t up to a yearly link error shared by the year's
                          rows (``evidence.growth_link_sd``): 增加值 growth for an output path
``related_growth``        growth of a related series (the city's): x_t − δ, δ a gap per path
                          (``evidence.city_gap``, ``city_gap_sd``): weaker than a direct figure
``related_numerator``     with the ``related_denominator`` of the same year, a related ratio
``related_denominator``   (the city's revenue over its output)
``related_ratio``         a related ratio: ln r_related = ln r + u (``evidence.city_ratio_sd``)
``unlinked``              described, but bearing on no target: its rows are listed as left out, with why
========================  ======================================================================

A path measure without ``baseline`` starts from the latest exact level of it published by the as-of
month (the plan gives no base figure); a target of a measure with no path, or whose path has neither,
is told so (无法确认) rather than left out.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dgforecast.core.errors import ParamsError
from dgforecast.core.yamlfile import hint, read_yaml, shown

PLAN_FILE = "plan.yaml"
MEASURE_ID = r"^[a-z][a-z0-9_]{0,59}$"
SERIES_ID = r"^[A-Z][A-Z0-9_]{0,59}$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
#: Evidence kinds (evidence.csv ``kind``).
ALL_KINDS = ("level", "at_least", "at_most", "growth")


@dataclass(frozen=True)
class Role:
    """What a measure's figures say about the path they bear on."""

    kinds: tuple          # the evidence kinds its rows may have
    needs_path: bool      # names the path measure it bears on (``of``)
    related: bool         # related evidence: not the path's own quantity, linked by parameters
    unit: str | None      # the unit its measure must have (None: any)
    meaning: str


ROLES = {
    "level": Role(ALL_KINDS, False, False, None, "the simulated level itself"),
    "level_times_ratio": Role(ALL_KINDS, True, False, None, "the path's level times the ratio r"),
    "ratio": Role(("level", "at_least", "at_most"), True, False, "1", "the ratio r"),
    "linked_growth": Role(("growth",), True, False, "%", "growth linked to the path's (growth_link_sd)"),
    "related_growth": Role(("growth",), True, True, "%", "a related series' growth: the path's less a gap"),
    "related_numerator": Role(("level", "at_least", "at_most"), True, True, None, "a related ratio's numerator"),
    "related_denominator": Role(("level", "at_least", "at_most"), True, True, None,
                                "a related ratio's denominator"),
    "related_ratio": Role(("level", "at_least", "at_most"), True, True, "1", "a related ratio (city_ratio_sd)"),
    "unlinked": Role(ALL_KINDS, False, False, None, "linked to no target"),
}
#: The roles whose levels are the path's level (X_t or X_t · r): plausibility is checked against its baseline.
LEVEL_ROLES = ("level", "level_times_ratio")
PAIR_ROLES = ("related_numerator", "related_denominator")


class PlanInfo(BaseModel):
    """The plan itself: what it is called, who issued it, when it was written, its base year."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title_zh: str = Field(min_length=1, max_length=80)
    title_en: str = Field(min_length=1, max_length=160)
    document_zh: str = Field(min_length=1, max_length=200)
    document_en: str = Field(min_length=1, max_length=300)
    issuer_zh: str = Field("", max_length=80)
    issuer_en: str = Field("", max_length=160)
    region_zh: str = Field(min_length=1, max_length=40)
    region_en: str = Field(min_length=1, max_length=80)
    plan_month: str = Field(pattern=MONTH)
    base_year: int = Field(ge=1949, le=2100)
    source: str = Field("", max_length=500)


class Measure(BaseModel):
    """One quantity the targets and the evidence speak of, and its link to a path."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    role: Literal[tuple(ROLES)]
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=120)
    unit: str = Field(min_length=1, max_length=20)
    short_zh: str | None = Field(None, min_length=1, max_length=20)   # a chart legend's word (营业收入)
    short_en: str | None = Field(None, min_length=1, max_length=40)   # (revenue); default: the name
    of: str | None = Field(None, pattern=MEASURE_ID)
    baseline: str | None = Field(None, min_length=1, max_length=200)
    series: str | None = Field(None, pattern=SERIES_ID)
    note: str = Field("", max_length=1000)


class Check(BaseModel):
    """A figure of the plan held against a published one of the base year, within the plan's rounding.

    ``basis``: ``level``, ``yoy_pct`` (the plan's figure itself) or ``whole_from_share`` (the whole a
    level and its share imply, within the share's rounding).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(min_length=1, max_length=200)
    variable: str = Field(min_length=1, max_length=200)
    basis: Literal["level", "yoy_pct", "whole_from_share"]
    series: str = Field(pattern=SERIES_ID)
    series_basis: Literal["level", "yoy_pct"]
    decimals: int = Field(1, ge=0, le=6)


class Plan(BaseModel):
    """data/raw/plan.yaml: the plan, its history file, its measures and cross-checks."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    plan: PlanInfo
    history_file: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,100}\.csv$")
    measures: dict[str, Measure]
    checks: list[Check] = Field(default_factory=list)

    @model_validator(mode="after")
    def _linked(self):
        for name, m in self.measures.items():
            if not re.fullmatch(MEASURE_ID, name):
                raise ValueError(f"measures.{name}: not a measure id; use lower-case letters, digits and _")
            role = ROLES[m.role]
            if role.needs_path and (m.of is None or m.of not in self.measures
                                    or self.measures[m.of].role != "level"):
                paths = [n for n, x in self.measures.items() if x.role == "level"]
                raise ValueError(f"measures.{name}.of: a {m.role} measure names the level measure it bears on; "
                                 f"{hint(m.of or '', paths) if paths else 'add a measure of role level'}")
            if not role.needs_path and m.of is not None:
                raise ValueError(f"measures.{name}.of: a {m.role} measure bears on no other; remove of:")
            if (m.baseline is not None or m.series is not None) and m.role != "level":
                raise ValueError(f"measures.{name}: only a level measure has a baseline or series")
            if role.unit is not None and m.unit != role.unit:
                raise ValueError(f"measures.{name}.unit: a {m.role} measure is in {role.unit!r}, not {m.unit!r}")
        baselines = [m.baseline for m in self.measures.values() if m.baseline]
        if len(baselines) != len(set(baselines)):
            raise ValueError("measures: two level measures start from the same baseline variable; one path each")
        for path in {m.of for m in self.measures.values() if m.role in PAIR_ROLES}:
            have = {m.role for m in self.measures.values() if m.of == path and m.role in PAIR_ROLES}
            if len(have) == 1:
                raise ValueError(f"measures: {path} has a {next(iter(have))} but not the other of the pair; "
                                 "add it or make the measure a related_ratio")
        return self

    # ---------------------------------------------------------------- questions the code asks
    def role(self, measure) -> str:
        return self.measures[measure].role

    def path_of(self, measure) -> str | None:
        """The path measure a measure bears on (itself for a path; None for an unlinked one)."""
        m = self.measures[measure]
        return measure if m.role == "level" else m.of

    def baseline_of(self, measure) -> str | None:
        """The plan_baselines.csv variable the path of ``measure`` starts from (None: no base figure)."""
        path = self.path_of(measure)
        return None if path is None else self.measures[path].baseline

    def path_of_variable(self, variable) -> str | None:
        """The path measure that starts from baseline ``variable`` (None when none does)."""
        return next((n for n, m in self.measures.items() if m.role == "level" and m.baseline == variable), None)

    def name(self, measure) -> tuple[str, str]:
        m = self.measures[measure]
        return m.name_zh, m.name_en

    def short(self, measure) -> tuple[str, str]:
        """The measure's short words for a chart's legend (its name when the plan gives none)."""
        m = self.measures[measure]
        return m.short_zh or m.name_zh, m.short_en or m.name_en

    def linked_pairs(self) -> list[tuple[str, str]]:
        """(measure, path) for every measure declared as a path's level times the ratio r (role
        ``level_times_ratio``): the plan's links, the only ones its pages speak of."""
        return [(n, m.of) for n, m in self.measures.items() if m.role == "level_times_ratio"]

    def ratio_words(self, measure=None) -> tuple[str, str] | None:
        """The ratio r of a link in words, from the plan's short names of the measure and its path:
        ("营业收入与总产值之比", "revenue-to-output ratio"); ``measure`` default the first linked one; None when
        the plan links no pair (or ``measure`` is not linked)."""
        pairs = dict(self.linked_pairs())
        measure = next(iter(pairs), None) if measure is None else measure
        if measure not in pairs:
            return None
        (top_zh, top_en), (base_zh, base_en) = self.short(measure), self.short(pairs[measure])
        return f"{top_zh}与{base_zh}之比", f"{top_en}-to-{base_en} ratio"

    def is_related(self, measure) -> bool:
        return measure in self.measures and ROLES[self.measures[measure].role].related

    def measures_of(self, *roles) -> list[str]:
        return [n for n, m in self.measures.items() if m.role in roles]

    def plan_series(self) -> dict:
        """Published series id -> the baseline variable it measures (a base-year figure must agree with the plan)."""
        return {m.series: m.baseline for m in self.measures.values() if m.series and m.baseline}

    def report_title(self, period_over=True) -> tuple[str, str]:
        """The report's heading in the tense of the plan's period: (zh, en), opening with the plan's title."""
        zh, en = self.plan.title_zh, self.plan.title_en
        if period_over:
            return f"{zh}目标是否实现：终期评估", f"{en}: were its targets met? Final assessment"
        return f"{zh}：目标实现的可能性", f"{en}: how likely its targets are to be met"


def _one_line(path, exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{path}: {where}: missing; every plan states it (dgforecast new-plan writes a commented example)"
    if err["type"] == "extra_forbidden":
        return f"{path}: {where}: unknown key; remove it or check its spelling"
    value = f" = {shown(err['input'])}" if where and not isinstance(err.get("input"), dict) else ""
    return f"{path}: {where}{value}: {message}" if where else f"{path}: {message}"


def load_plan(raw_dir) -> Plan:
    """data/raw/plan.yaml of a workbook, checked against the schema (one ``ParamsError`` line otherwise)."""
    path = Path(raw_dir) / PLAN_FILE
    data = read_yaml(path, "plan file", "every workbook describes its plan there; dgforecast new-plan DIR "
                                        "writes one to fill in")
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: top level must be a mapping with plan:, measures: (and history_file:, checks:)")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(_one_line(path, exc)) from None
