"""How sure each link parameter is, and the assumptions a verdict must survive: their schema.

A scenario's ``link_uncertainty`` names, for each link parameter whose value rests on thin data, the
distribution of its value (``LinkSpec``: the standard error of a gap, the degrees of freedom of a
measured spread, a stated range); ``sensitivity`` names the ends of each one's plausible range and
the readings of 突破 a verdict must hold under (``check_sensitivity``). The engine integrates over
the first (``engine.links``), the judge tests the verdict against the second (``judge.robust``).
"""

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The link parameters whose values come from thin sources, and where each lives: ``evidence`` (the
#: measurement model) or the scenario itself. A location is a gap (Normal around its value); a scale
#: is a standard deviation (a positive multiple of its value).
LINK_LOCATIONS = {"nominal_gap": "evidence"}
LINK_SCALES = {"growth_link_sd": "evidence", "ytd_sd": "evidence", "round_sd": "evidence",
               "city_gap_sd": "evidence", "city_ratio_sd": "evidence", "revenue_to_output_ratio_sd": "scenario"}
#: Parameters a sensitivity set may name besides the links: the gaps' centres and the reading of 突破.
SENSITIVE = {**LINK_LOCATIONS, **LINK_SCALES, "city_gap": "evidence", "reading": "evidence"}


class LinkSpec(BaseModel):
    """How sure a link parameter is, from its source: exactly one of ``sd``, ``df`` or ``factor``.

    * ``sd`` (a gap): Normal(value, sd²) — the standard error of a mean;
    * ``df`` (a standard deviation measured on data): σ² = df·value²/χ²_df, the posterior of a variance
      estimated as value² with df degrees of freedom under the reference prior 1/σ²;
    * ``factor: [lo, hi]`` (a stated range where no data exists): value × log-uniform(lo, hi).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    sd: float | None = Field(None, gt=0.0, le=0.5)
    df: int | None = Field(None, ge=1, le=10_000)
    factor: list[float] | None = Field(None, min_length=2, max_length=2)

    @model_validator(mode="after")
    def _one_kind(self):
        given = [k for k in ("sd", "df", "factor") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of sd, df, factor (given: {', '.join(given) or 'none'})")
        if self.factor is not None and not 0 < self.factor[0] <= 1 <= self.factor[1] <= 100:
            raise ValueError(f"factor {self.factor}: needs 0 < lo <= 1 <= hi <= 100 (a range around the value)")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("sd", "df", "factor") if getattr(self, k) is not None)


def check_sensitivity(name, ends):
    """One entry of a sensitivity set: a known name and its two ends ([low, high], or both readings)."""
    if name not in SENSITIVE:
        raise ValueError(f"sensitivity {name}: not a parameter a verdict is tested against; use one of "
                         + ", ".join(SENSITIVE))
    if name == "reading":
        if sorted(ends) != ["plain", "round"]:
            raise ValueError(f"sensitivity reading: {ends}; write [plain, round]")
        return
    if (len(ends) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in ends)
            or not ends[0] < ends[1]):
        raise ValueError(f"sensitivity {name}: {ends}; write [low end, high end], two numbers, low first")
    if name in LINK_SCALES and ends[0] < 0:
        raise ValueError(f"sensitivity {name}: {ends}; a standard deviation is not negative")


