"""The published figures behind the defaults of the evidence measurement model (issue 9, item 2).

Usage: ``.venv/bin/python benchmarks/evidence_defaults.py`` from the workbook. Reads only data/raw
(the plan's baselines and the two published files), prints the tables and writes
``benchmarks/results/evidence_defaults.md``. All gaps are in natural logs: a gap of 0.03 is about
3 percentage points of growth.

- deflator: nominal output growth minus real value-added growth, ln(1+nominal) - ln(1+real);
- growth_link_sd: how much that gap moves from year to year;
- ytd_sd: how far the rest of a year's growth departs from the January-m pace;
- level_sd: what a round figure such as "5000亿" leaves unsaid.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from dgforecast.core.fileio import write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUT = ROOT / "benchmarks" / "results" / "evidence_defaults.md"
#: The city's YTD figures the brief names (2021's January-November is shown apart, as a check).
YTD_YEARS = (2022, 2023, 2024, 2025)


def published_figures(raw=RAW) -> pd.DataFrame:
    """Both published files as one table (the 2022-2025 file's ``published`` column dropped)."""
    frames = [pd.read_csv(raw / name, dtype={"period": str}, encoding="utf-8")
              for name in ("dongguan_published_to_2021.csv", "dongguan_published_2022_2025.csv")]
    return pd.concat([f.drop(columns=["published"], errors="ignore") for f in frames], ignore_index=True)


def plan_pair(raw=RAW) -> dict:
    """The plan's 2021 pair: 总产值 growth (nominal) and 增加值 growth (real), in %."""
    plan = pd.read_csv(raw / "plan_baselines.csv", encoding="utf-8")
    growth = plan[(plan["basis"] == "yoy_pct") & (plan["year"] == 2021)].set_index("variable")["value"]
    nominal = float(growth["Gross Output|Electrical Machinery and Equipment"])
    real = float(growth["Value Added|Electrical Machinery and Equipment"])
    return {"nominal_pct": nominal, "real_pct": real, "gap": math.log1p(nominal / 100) - math.log1p(real / 100)}


def _city(figures, basis, period="year") -> pd.DataFrame:
    rows = figures[(figures["series_id"] == "DG_IVA") & (figures["basis"] == basis) & (figures["period"] == period)]
    return rows.set_index("year")[["value", "reliability", "metric"]].sort_index()


def city_price_gaps(figures) -> pd.DataFrame:
    """The city's 规上增加值: nominal growth of its published levels against its published real growth.

    One row per year where a level for the year and the year before and a real growth figure
    exist. ``weak`` marks a year resting on a ``low`` figure or on a lower bound (2014's 超过2593).
    """
    levels, real = _city(figures, "level"), _city(figures, "yoy_pct")
    rows = []
    for year in sorted(set(levels.index) & set(real.index)):
        if year - 1 not in levels.index:
            continue
        nominal = math.log(levels.loc[year, "value"] / levels.loc[year - 1, "value"])
        real_log = math.log1p(real.loc[year, "value"] / 100)
        flags = {levels.loc[year, "reliability"], levels.loc[year - 1, "reliability"], real.loc[year, "reliability"]}
        bound = any("lower bound" in levels.loc[y, "metric"] for y in (year, year - 1))
        rows.append({"year": year, "level_before": levels.loc[year - 1, "value"], "level": levels.loc[year, "value"],
                     "nominal_log": nominal, "real_pct": real.loc[year, "value"], "real_log": real_log,
                     "gap": nominal - real_log, "weak": "low" in flags or bound})
    return pd.DataFrame(rows)


def ytd_departures(figures) -> pd.DataFrame:
    """The city's 规上增加值 YTD growth against the full year's, scaled to the months still to come.

    If the full year's growth is the month-weighted mean of January-m and the rest of the year,
    full - ytd = (12 - m)/12 * (rest - ytd), so |full - ytd| * 12/(12 - m) = |rest - ytd|: the
    departure of the unseen months from the pace so far, whose sd is ``ytd_sd``.
    """
    growth = figures[(figures["series_id"] == "DG_IVA") & (figures["basis"] == "yoy_pct")]
    full = growth[growth["period"] == "year"].set_index("year")["value"]
    rows = []
    for _, row in growth[growth["period"].str.startswith("YTD_M")].iterrows():
        year, m = int(row["year"]), int(row["period"][len("YTD_M"):])
        if year not in full.index:
            continue
        gap = math.log1p(full[year] / 100) - math.log1p(row["value"] / 100)
        rows.append({"year": year, "period": row["period"], "ytd_pct": row["value"], "full_pct": full[year],
                     "abs_gap": abs(gap), "scaled": abs(gap) * 12 / (12 - m), "named": year in YTD_YEARS})
    return pd.DataFrame(rows).sort_values(["year", "period"]).reset_index(drop=True)


def level_rounding(value=5000.0, step=1000.0) -> float:
    """sd of ln(level) when ``value`` stands for anything within half a ``step`` of it (uniform)."""
    return step / math.sqrt(12) / value


def _sd(values) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _rms(values) -> float:
    return float(np.sqrt(np.mean(np.square(values))))


def _md_table(frame, formats) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n| " + " | ".join("---" for _ in frame.columns) + " |\n"
    body = "".join("| " + " | ".join(formats.get(c, "{}").format(row[c]) for c in frame.columns) + " |\n"
                   for _, row in frame.iterrows())
    return head + body


def measure(raw=RAW) -> dict:
    """Every figure the defaults rest on."""
    figures = published_figures(raw)
    gaps, ytd = city_price_gaps(figures), ytd_departures(figures)
    strong = gaps.loc[~gaps["weak"], "gap"]
    named = ytd.loc[ytd["named"], "scaled"]
    metric_sd = 0.04
    return {
        "pair": plan_pair(raw), "gaps": gaps, "ytd": ytd,
        "gap_mean_all": float(gaps["gap"].mean()), "gap_sd_all": _sd(gaps["gap"]),
        "gap_mean_strong": float(strong.mean()), "gap_sd_strong": _sd(strong), "n_strong": len(strong),
        "ytd_rms_named": _rms(named), "n_named": len(named), "ytd_rms_all": _rms(ytd["scaled"]),
        "rounding_sd": level_rounding(), "metric_sd": metric_sd,
        "level_sd": math.hypot(level_rounding(), metric_sd),
    }


def report(m) -> str:
    pair, gaps, ytd = m["pair"], m["gaps"], m["ytd"]
    fmt = {"level_before": "{:.2f}", "level": "{:.2f}", "nominal_log": "{:.4f}", "real_pct": "{:.1f}",
           "real_log": "{:.4f}", "gap": "{:+.4f}", "ytd_pct": "{:.1f}", "full_pct": "{:.1f}",
           "abs_gap": "{:.4f}", "scaled": "{:.4f}"}
    return f"""# Evidence defaults: what the published figures say about the measurement model

Produced by `.venv/bin/python benchmarks/evidence_defaults.py` from data/raw (plan_baselines.csv,
dongguan_published_to_2021.csv, dongguan_published_2022_2025.csv). Gaps are in natural logs
(0.03 is about 3 percentage points of growth). The model (issue 9, item 2): real 增加值 growth g
of January-m stands for the cluster's nominal log output growth s_t through
ln(1+g) + ln(1+deflator) = s_t + e, e ~ N(0, growth_link_sd² + (ytd_sd·(12−m)/12)²).

## deflator: nominal output growth against real value-added growth

**The cluster, 2021 (the plan's own pair):** 总产值 +{pair['nominal_pct']:.1f} % nominal against 增加值
+{pair['real_pct']:.1f} % real: ln(1.183) − ln(1.147) = **{pair['gap']:.4f}** (deflator = 1.183/1.147 − 1 =
{math.expm1(pair['gap']):.4f}). One year, and 2021 was a year of rising factory-gate prices.

**The city's 规上工业增加值, 2014–2023:** nominal growth of its published current-price levels against
its published real growth, in every year where both exist (no 2019 level, no 2020 real growth).
`weak` = the year rests on a `low` figure (2017, 2018: an aggregator site) or on a lower bound
(2014's 超过2593亿).

{_md_table(gaps, fmt)}
| | years | mean gap | sd of gap |
| --- | --- | --- | --- |
| every year above | {len(gaps)} | {m['gap_mean_all']:+.4f} | {m['gap_sd_all']:.4f} |
| without the weak years | {m['n_strong']} | {m['gap_mean_strong']:+.4f} | {m['gap_sd_strong']:.4f} |

What this gap is: value added in current prices against value added at comparable prices, so the
city's industrial price change, plus whatever else moves a level but not a same-firm growth rate
(firms entering and leaving 规上 each year, revisions of a level after it was first published). What
it is not: the cluster's own gap, nor the gap between *output* growth and value-added growth (the
model's link), which adds the drift of 增加值/总产值 (0.234 for the cluster in 2021). The sign follows
factory-gate prices as it should: negative in 2015–2016, when they fell, largest in 2021.

## growth_link_sd: how far real VA growth + deflator misses nominal output growth

No year gives the cluster's nominal output growth and its real VA growth side by side except 2021,
so one pair cannot show a spread. The evidence is the year-to-year spread of the city's gap above:
sd {m['gap_sd_strong']:.4f} over the {m['n_strong']} years without weak figures ({m['gap_sd_all']:.4f} over all
{len(gaps)}). It includes the firm-set changes of 规上 (which inflate it) and leaves out the drift of
the cluster's VA/output ratio and the cluster's price mix (which would add to it): an order of
magnitude, not a measurement.

## ytd_sd: January-m growth against the full year

The city's 规上增加值 growth, January-m against the same year's full year. If the full year is the
month-weighted mean of January-m and the months after, |full − ytd| · 12/(12−m) = |rest − ytd|, the
departure of the unseen months from the pace so far; its root mean square is `ytd_sd`, and a
January-m row then carries var = (ytd_sd·(12−m)/12)² on top of growth_link_sd².
`named` = the seven figures of 2022–2025; 2021's January-November is a check.

{_md_table(ytd, fmt)}
| | figures | ytd_sd (rms of scaled) | sd added at m = 5 | at m = 8 | at m = 9 |
| --- | --- | --- | --- | --- | --- |
| 2022–2025 | {m['n_named']} | {m['ytd_rms_named']:.4f} | {m['ytd_rms_named'] * 7 / 12:.4f} | {m['ytd_rms_named'] * 4 / 12:.4f} | {m['ytd_rms_named'] * 3 / 12:.4f} |
| with 2021 M11 | {len(ytd)} | {m['ytd_rms_all']:.4f} | {m['ytd_rms_all'] * 7 / 12:.4f} | {m['ytd_rms_all'] * 4 / 12:.4f} | {m['ytd_rms_all'] * 3 / 12:.4f} |

These are the city's figures; the cluster, a fifth of the city's industry, is likely to swing more
(its own January-May and January-August 2025 differ by 1.0 point; if the `unverified` full-year 5.7 %
were the cluster's, its scaled departure from January-August would be |ln 1.057 − ln 1.085| · 3 =
{abs(math.log(1.057) - math.log(1.085)) * 3:.4f}).

## level_sd: a round figure

"2022年…产值达到5000亿元" is a round figure. Read as any value within half a step of 1000亿 (uniform on
4500–5500), its rounding alone is sd 1000/√12 = 288.7亿, **{m['rounding_sd']:.4f}** in logs of 5000.
The metric is not stated ("probably 规上工业总产值"; it may be all firms' 总产值 or a loose 产值): the
city's 规上 output (more than 2.5万亿 in 2024) is most of all industry's (more than 2.6万亿 in 2025),
so the metric changes the figure by a few per cent; take sd {m['metric_sd']:.2f} for it. Together
√({m['rounding_sd']:.4f}² + {m['metric_sd']:.2f}²) = **{m['level_sd']:.4f}**.

## Proposed defaults (for params.yaml `evidence:`)

| parameter | proposal | reason |
| --- | --- | --- |
| `deflator` | 0.03 | the cluster's own 2021 pair gives {math.expm1(pair['gap']):.4f}; the city's mean gap is {m['gap_mean_strong']:+.4f} without weak years ({m['gap_mean_all']:+.4f} with them), probably raised by firms entering 规上: 3 % a year, swept over 0–0.06 |
| `growth_link_sd` | 0.05 | the city's nominal-vs-real gap moves by sd {m['gap_sd_strong']:.3f} ({m['gap_sd_all']:.3f} with weak years) from year to year; firm-set changes inflate it and the cluster's VA/output drift would add to it, so round to 0.05 |
| `ytd_sd` | 0.06 | rms departure of the rest of the year from the January-m pace, city 2022–2025: {m['ytd_rms_named']:.4f} ({m['ytd_rms_all']:.4f} with 2021); so January-August adds sd 0.02, January-May 0.035 |
| `level_sd` | 0.07 | rounding to the nearest 1000亿 ({m['rounding_sd']:.4f}) and the unstated metric (0.04) together: {m['level_sd']:.4f} |
| `bound_sd` | 0 (hard) | the plain reading of 突破5000亿; its metric uncertainty (0.04) is the value to sweep to if a soft bound is wanted |
| round-statement step | off; 1000 when on | "突破5000亿" as also "below 6000亿" is an explicit reading, off by default (issue 9) |

No published figure ties the city's revenue-to-output ratio to the cluster's: that link (the
parameter for `city_revenue_to_output_ratio`) has no data behind it beyond the one city bound
(≤ 1.10766 in 2024).
"""


def main():
    m = measure()
    pd.set_option("display.width", 160)
    print(m["gaps"].round(4).to_string(index=False))
    print(f"deflator: 2021 cluster pair {m['pair']['gap']:.4f}; city mean gap {m['gap_mean_strong']:+.4f} "
          f"(sd {m['gap_sd_strong']:.4f}, {m['n_strong']} years), all {m['gap_mean_all']:+.4f} (sd {m['gap_sd_all']:.4f})")
    print(m["ytd"].round(4).to_string(index=False))
    print(f"ytd_sd: rms {m['ytd_rms_named']:.4f} (2022-2025), {m['ytd_rms_all']:.4f} (with 2021)")
    print(f"level_sd: rounding {m['rounding_sd']:.4f}, with metric {m['level_sd']:.4f}")
    write_text_atomic(OUT, report(m))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
