"""Targets not judged on simulated paths: counts (``cumulative_count``) and milestones (``milestone``).

Each kind of target is judged its own way (``kinds``): count targets by a Poisson–Gamma pace model:
the number achieved in each year after ``start_year`` is Poisson(λ), λ has the Jeffreys prior
Gamma(½, 0), so after T entered years with total C it is Gamma(½ + C, T), and the count of the R
years of the window not entered — past or still to come — is negative binomial (n = ½ + C,
p = T / (T + R)); ``milestone`` targets as events (``milestone_assessment``). Progress counts in
data/raw/target_progress.csv are read as the number newly achieved in that year; a year with no row
is unknown, never zero, and a row counts only as of the month it was ``published``.

A count target is 已实现 once its entered total reaches the threshold and 未实现 when every year of
its window is entered and the total falls short, or the pace model gives P(met) at most ``missed``
(``count_verdict``); the statuses before the deadline are ``verdicts.status_label``'s.
"""

import math
from dataclasses import dataclass

import pandas as pd
from scipy.special import betaln

from dgforecast.core.kinds import kind_of
from dgforecast.core.vocabulary import MET, NOT_MET, UNCONFIRMED
from dgforecast.judge.verdicts import deadline_passed, meets, status_label
from dgforecast.plan.schema import StatusThresholds

NO_COUNTS = ("no public figure: no progress count of the cluster is entered in data/raw/target_progress.csv; "
             "the published counts are city-wide, all industries")
#: Jeffreys prior for a Poisson rate: Gamma(shape ½, rate 0).
PRIOR_SHAPE, PRIOR_RATE = 0.5, 0.0


def count_verdict(found, thresholds) -> tuple[str, str]:
    """(verdict, reason) of a count or milestone target from its assessment (``count_target_assessment``).

    已实现 once the entered total reaches the threshold; 未实现 when every year of the window is entered
    and the total falls short, or when the pace model gives P(met) at most the ``missed`` cut (the
    years not entered are named); otherwise 无法确认.
    """
    p, missing = found["p_met"], found["years_missing"]
    if math.isnan(p):
        return UNCONFIRMED, NO_COUNTS
    entered = f"{found['achieved']:g} entered for {found['years_entered']}"
    if p == 1.0:
        return MET, f"{entered}: the threshold is reached"
    if missing == "none":
        return NOT_MET, f"{entered}, every year of the window: short of it"
    label = NOT_MET if p <= thresholds.missed else UNCONFIRMED
    return label, f"{entered}; years not entered ({missing}) drawn by the pace model: P(met) {p:.1%}"


@dataclass(frozen=True)
class Known:
    """What the progress table says of a count or milestone target as of one month."""

    target_id: str
    threshold: float
    comparison: str
    entered: tuple         # years with a count published by the as-of month
    missing: tuple         # years of the window (start_year + 1 .. deadline) without one
    achieved: float        # the total of the entered years

    @property
    def done(self) -> bool:
        return bool(meets([self.achieved], self.threshold, self.comparison)[0])


def known_progress(target_row, progress, as_of_month) -> Known:
    """The years entered (published by ``as_of_month``, YYYY-MM) and missing in a target's window."""
    tid, start, deadline = target_row["id"], int(target_row["start_year"]), int(target_row["deadline"])
    rows = progress[(progress["target_id"] == tid) & (progress["year"] > start) & (progress["year"] <= deadline)]
    if "published" in rows:
        rows = rows[rows["published"] <= as_of_month]
    entered = tuple(sorted(int(y) for y in rows["year"]))
    missing = tuple(y for y in range(start + 1, deadline + 1) if y not in entered)
    return Known(tid, float(target_row["threshold"]), target_row.get("comparison", ">="), entered, missing,
                 float(rows["count"].sum()))


def _years(years) -> str:
    return ", ".join(map(str, years)) or "none"


def _count_base(target_row, known) -> dict:
    start, deadline = int(target_row["start_year"]), int(target_row["deadline"])
    observed, remaining = len(known.entered), len(known.missing)
    return {"target_id": known.target_id, "achieved": known.achieved, "years_observed": observed,
            "years_entered": _years(known.entered), "years_missing": _years(known.missing),
            "required_pace": known.threshold / (deadline - start),
            "pace_needed_now": max(0.0, known.threshold - known.achieved) / remaining if remaining else math.nan,
            "observed_pace": known.achieved / observed if observed else math.nan}


def count_target_assessment(target_row, progress, as_of_month, thresholds=None) -> dict:
    """Required pace and, once counts are entered, P(met) from the Poisson–Gamma pace model.

    Parameters
    ----------
    target_row : Mapping
        A count target (``id``, ``threshold``, ``comparison``, ``deadline``, ``start_year``).
    progress : DataFrame
        ``target_progress.load_progress``: target_id, year, count (newly achieved that year), source, published.
    as_of_month : str
        YYYY-MM: only rows published by then count.
    thresholds : StatusThresholds, optional
        For the status label (defaults when omitted).

    Returns
    -------
    dict
        target_id, achieved (the entered total), years_observed (entered), years_entered and
        years_missing (text), required_pace (a year, from zero at start_year), pace_needed_now (a
        year, over the missing years), observed_pace, p_met (1 once the entered total reaches the
        threshold, 0 when every year is entered and it falls short, NaN when nothing is entered,
        the pace model otherwise), median, q10, q90 (predicted total at the deadline), status, note.
    """
    known = known_progress(target_row, progress, as_of_month)
    result = _count_base(target_row, known) | _pace_prediction(known)
    result["status"] = status_label(result["p_met"], thresholds or StatusThresholds(),
                                    p_met_early=float(known.done) if not math.isnan(result["p_met"]) else None)
    return result


def _pace_prediction(known) -> dict:
    observed, remaining = len(known.entered), len(known.missing)
    if known.done or (observed and not remaining):
        p = float(known.done)
        return {"p_met": p, "median": known.achieved, "q10": known.achieved, "q90": known.achieved,
                "note": f"{known.achieved:g} entered for {_years(known.entered)}"
                        + ("" if remaining else ": every year of the window")}
    if not observed:
        return {"p_met": math.nan, "median": math.nan, "q10": math.nan, "q90": math.nan,
                "note": "no progress counts entered in data/raw/target_progress.csv after the start year; "
                        "required pace only"}
    from scipy.stats import nbinom  # here, not at the top: scipy.stats takes half a second to import

    shape, rate = PRIOR_SHAPE + known.achieved, PRIOR_RATE + observed
    # The years not entered: negative binomial with n = shape, p = rate / (rate + R).
    future = nbinom(shape, rate / (rate + remaining))
    need = known.threshold - known.achieved  # the missing years must reach this (>=) or exceed it (>)
    p = float(future.sf(math.ceil(need) - 1 if known.comparison == ">=" else math.floor(need)))
    q = {name: known.achieved + float(future.ppf(level)) for name, level in (("median", 0.5), ("q10", 0.1),
                                                                               ("q90", 0.9))}
    return {"p_met": min(1.0, max(0.0, p)), **q,
            "note": f"Poisson–Gamma pace: {known.achieved:g} in {observed} year(s) entered "
                    f"({_years(known.entered)}); not entered, drawn by the pace model: {_years(known.missing)}"}


def milestone_assessment(target_row, progress, as_of_month, thresholds=None) -> dict:
    """Judge an event target (kind ``milestone``: one innovation centre, one platform).

    Done once the progress entered reaches the threshold. Before that, each year is a chance p that
    it happens, with the Jeffreys prior Beta(½, ½); after T entered years without it p is
    Beta(½, ½ + T), and P(it happens in the R years not entered) = 1 − B(½, ½ + T + R) / B(½, ½ + T).

    Parameters and returns are those of ``count_target_assessment``; ``median``, ``q10`` and
    ``q90`` are quantiles of the count at the deadline (what is achieved now, or the threshold).
    """
    known = known_progress(target_row, progress, as_of_month)
    result = _count_base(target_row, known)
    observed, remaining = len(known.entered), len(known.missing)
    if not observed:
        result |= {"p_met": math.nan, "median": math.nan, "q10": math.nan, "q90": math.nan,
                   "note": "no progress entered in data/raw/target_progress.csv after the start year; "
                           "a milestone is judged once a year is reported (0 if it has not happened)"}
    else:
        p = 1.0 if known.done else (1.0 - math.exp(betaln(0.5, 0.5 + observed + remaining)
                                                   - betaln(0.5, 0.5 + observed)) if remaining else 0.0)
        result |= {"p_met": p, **{name: known.threshold if known.done or level > 1.0 - p else known.achieved
                                  for name, level in (("median", 0.5), ("q10", 0.1), ("q90", 0.9))},
                   "note": ("done: reported in data/raw/target_progress.csv" if known.done else
                            f"Beta–Bernoulli: not yet in {_years(known.entered)}; not entered: "
                            f"{_years(known.missing)}")}
    result["status"] = status_label(result["p_met"], thresholds or StatusThresholds(),
                                    p_met_early=float(known.done) if not math.isnan(result["p_met"]) else None)
    return result


#: How each kind of target not judged on paths is judged.
JUDGES = {"pace": count_target_assessment, "event": milestone_assessment}


def judge_counts(table, progress, params) -> pd.DataFrame:
    """Every target not judged on paths, each by its kind's model (``kinds``), on the counts published by
    ``params.as_of``."""
    rows = []
    for _, r in table.iterrows():
        if kind_of(r["kind"]).is_level:
            continue
        found = JUDGES[kind_of(r["kind"]).judged_on](r, progress, params.as_of_month, params.status_thresholds)
        found["verdict"], found["verdict_reason"] = count_verdict(found, params.verdict_thresholds)
        if deadline_passed(params, r["deadline"]):  # the period is over: the verdict is the status
            found["status"] = found["verdict"]
        rows.append(found)
    return pd.DataFrame(rows)
