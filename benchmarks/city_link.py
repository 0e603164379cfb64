"""The link between the city's 规上工业增加值 growth and a sector's: the defaults of ``evidence.city_gap``.

Usage: ``.venv/bin/python benchmarks/city_link.py`` from the workbook. Reads only data/raw (the two
published files), prints the tables and writes ``benchmarks/results/city_link.md``.

The city's real 增加值 growth is published for every year; the cluster's only for 2021 and parts of
2022 and 2025. The measurement model (``dgforecast.engine.condition``) reads a city growth c as evidence on
the cluster's: ln(1 + g_cluster) = ln(1 + c) + δ + η_t, with δ the cluster's own gap (one per path,
prior N(city_gap, city_gap_sd²)) and η_t the year's departure from it (sd city_gap_sd). This script
measures, in natural logs, every gap a sector's published real growth makes with the city's of the
same year and period:

- ``city_gap``: the cluster's gap in 2021, the year before the plan — the prior's centre. The later
  pairs (2022, 2025) are not used for it: the model meets them as evidence, and using them here
  too would count them twice.
- ``city_gap_sd``: how far one sector's gap moves from year to year, pooled over the sectors with
  two or more years known (the cluster itself 2021, 2022, 2025; 先进制造业 2016, 2018), with the
  small-sample correction SS/(ν − 2) of the variance (its posterior mean under the reference
  prior), since ν = 3 degrees of freedom leave the plain estimate far too uncertain to take as is.
- the spread of the 2021 gaps across the city's sectors: what the gap of a sector about which
  nothing were known could be (not used by the model; shown for scale).
"""

import math
from pathlib import Path

import pandas as pd
from scipy.stats import chi2

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUT = ROOT / "benchmarks" / "results" / "city_link.md"
CITY = "DG_IVA"
#: The cluster's own 增加值 growth series, and a sector with more than one year known.
CLUSTER, OTHERS = "DG_EM_IVA", ("DG_ADV_IVA", "DG_EQUIP_IVA", "DG_PILLAR5_IVA", "DG_FEAT4_IVA", "DG_ELEC_IVA",
                                 "DG_TEXT_IVA", "DG_FOOD_IVA", "DG_PAPER_IVA")


def growth_rows(raw=RAW) -> pd.DataFrame:
    """Every published real (comparable-price) growth rate of the city and its sectors, both files."""
    frames = [pd.read_csv(raw / name, dtype={"period": str}, encoding="utf-8")
              for name in ("dongguan_published_to_2021.csv", "dongguan_published_2022_2025.csv")]
    rows = pd.concat(frames, ignore_index=True)
    return rows[(rows["basis"] == "yoy_pct") & (rows["price_basis"] == "comparable")]


def pairs(rows) -> pd.DataFrame:
    """One row per sector, year and period with both the sector's and the city's growth: the log gap."""
    city = rows[rows["series_id"] == CITY].set_index(["year", "period"])["value"]
    found = []
    for _, r in rows[rows["series_id"].isin((CLUSTER, *OTHERS))].iterrows():
        key = (r["year"], r["period"])
        if key not in city.index:
            continue
        found.append({"series_id": r["series_id"], "year": int(r["year"]), "period": r["period"],
                      "sector_pct": float(r["value"]), "city_pct": float(city.loc[key]),
                      "gap": math.log1p(r["value"] / 100) - math.log1p(city.loc[key] / 100),
                      "reliability": r["reliability"]})
    return pd.DataFrame(found)


def year_to_year(gaps) -> dict:
    """The pooled within-sector sd of the gap, one pair a year (a year's latest period: January-August
    of 2025 contains January-May), and its small-sample corrections."""
    kept = gaps[gaps["reliability"] != "unverified"].assign(
        months=lambda f: f["period"].map(lambda p: 12 if p == "year" else int(p[len("YTD_M"):])))
    latest = kept.sort_values("months").groupby(["series_id", "year"], as_index=False).last()
    groups = [g["gap"].to_numpy() for _, g in latest.groupby("series_id") if len(g) >= 2]
    ss = float(sum(((g - g.mean()) ** 2).sum() for g in groups))
    df = sum(len(g) - 1 for g in groups)
    plain = math.sqrt(ss / df)
    return {"sectors": [s for s, g in latest.groupby("series_id") if len(g) >= 2], "df": df, "ss": ss,
            "sd": plain, "sd_corrected": math.sqrt(ss / (df - 2)) if df > 2 else math.nan,
            "ci95": (math.sqrt(ss / chi2.ppf(0.975, df)), math.sqrt(ss / chi2.ppf(0.025, df))),
            "used": latest[latest["series_id"].isin([s for s, g in latest.groupby("series_id") if len(g) >= 2])]}


def _table(frame, columns) -> str:
    head = "| " + " | ".join(columns) + " |\n| " + " | ".join("---" for _ in columns) + " |\n"
    body = ""
    for r in frame[columns].itertuples(index=False):
        body += "| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in r) + " |\n"
    return head + body


def report(raw=RAW) -> str:
    gaps = pairs(growth_rows(raw))
    cluster_2021 = gaps[(gaps["series_id"] == CLUSTER) & (gaps["year"] == 2021) & (gaps["period"] == "year")]
    spread = year_to_year(gaps)
    cross = gaps[(gaps["year"] == 2021) & (gaps["period"] == "year")]
    lines = ["# The city's 增加值 growth as evidence on the cluster's: city_gap and city_gap_sd", "",
             "Produced by `.venv/bin/python benchmarks/city_link.py` from data/raw (both published files). "
             "Gaps are ln(1 + sector growth) − ln(1 + the city's 规上工业增加值 growth), real, same year and "
             "period.", "", "## Every pair published", "",
             _table(gaps, ["series_id", "year", "period", "sector_pct", "city_pct", "gap", "reliability"]), "",
             "## city_gap: the cluster's gap before the plan", "",
             f"2021, full year: 电气机械及设备制造业 +{cluster_2021['sector_pct'].iloc[0]:.1f} % against the city's "
             f"+{cluster_2021['city_pct'].iloc[0]:.1f} %: gap **{cluster_2021['gap'].iloc[0]:.4f}**, the default "
             "`city_gap: 0.04`. The pairs of 2022 (January–September) and 2025 (January–August) are left to the "
             "model, which meets them as evidence: with them δ's posterior is what the page reports.", "",
             "## city_gap_sd: how far a sector's gap moves from year to year", "",
             f"Sectors with two or more years: {', '.join(spread['sectors'])} (one pair a year, its longest "
             f"period), {spread['df']} degrees of freedom:", "",
             _table(spread["used"], ["series_id", "year", "period", "gap"]), "",
             f"- pooled sd {spread['sd']:.4f} (95 % interval {spread['ci95'][0]:.4f}–{spread['ci95'][1]:.4f});",
             f"- with the small-sample correction √(SS/(ν − 2)): **{spread['sd_corrected']:.4f}**, the default "
             "`city_gap_sd: 0.018` (also the sd of δ's prior: one year's gap, 2021's, is all that is known of "
             "the cluster's own gap before the plan).", "",
             "## For scale: the 2021 gaps across the city's sectors", "",
             _table(cross, ["series_id", "sector_pct", "city_pct", "gap"]), "",
             f"sd across sectors {cross['gap'].std(ddof=1):.4f}: a sector's gap is its own; the cluster's "
             "stays near its 2021 value in every year known.", "",
             "## What a related row weighs", "",
             "A city growth row of year t is then an observation of the cluster's x_t with error sd "
             f"√(growth_link_sd² + 2·city_gap_sd²) = √(0.05² + 2·0.018²) = {math.hypot(0.05, 0.018 * math.sqrt(2)):.4f} "
             "before the year's own 增加值 rows (which share growth_link_sd with it), against 0.05 for the "
             "cluster's own full-year 增加值 growth: weaker, and mostly for the same reason — 增加值 at comparable "
             "prices is not 总产值 in current prices."]
    return "\n".join(lines) + "\n"


def main():
    from dgforecast.core.fileio import write_text_atomic

    text = report()
    print(text)
    write_text_atomic(OUT, text)


if __name__ == "__main__":
    main()
