"""The track record in words: which forecast each score is of, and what CRPS and the log score mean.

Once an exact figure of a level target's outcome is published, ``tracking.track`` scores every month's
forecast made without it. Before the outcome was published that is the forecast the month shows; in the month
it arrived (and after) the forecast shown already holds the outcome, so the score is of the forecast as it
stood before it arrived (``scored_without``, ``scored_median``, ``scored_q10``, ``scored_q90`` of the track).
``score_words`` says so, Chinese first, for the 06 page and ``dgforecast track``; ``score_note`` is one row's
scores in a few words.
"""

import math

from dgforecast.present.phrases import month_en, month_zh

#: CRPS and the log score, said once: (zh, en).
CRPS_WORDS = ("CRPS（连续分级概率评分）是预测与实际结果的平均距离，以目标的单位计，计入预测的离散程度（单一数值的预测即为其误差），越低越好",
              "CRPS (continuous ranked probability score) is the forecast's average distance from the outcome, in the "
              "target's unit, its spread counted (for a single-number forecast, its error); lower is better")
LOG_SCORE_WORDS = ("对数评分是预测赋予实际结果的概率密度的对数（对数尺度），越高越好，高 1 表示预测认为该结果的可能性约高 2.7 倍",
                   "the log score is the log of the density the forecast gave the outcome (on the log scale); higher "
                   "is better, and 1 more means the forecast found the outcome about 2.7 times as likely")
BAND_WORDS = ("80% 区间：结果是否落在预测的 10%–90% 区间内", "80% band: whether the outcome fell inside the forecast's 10–90% range")


def _scored(rows):
    return rows[rows["crps"].notna()] if "crps" in rows else rows.iloc[0:0]


def score_words(rows, unit="亿元") -> tuple[str, str]:
    """What the scores of one target's track rows are (``tracking.track``): (zh, en), or ("", "") without an outcome.

    Names the outcome, says every month is scored on its forecast made without it and, for the month the
    outcome arrived, that the score is of the forecast from before it (its median and 10–90 % range), then
    what CRPS, the log score and the 80 % band mean.
    """
    scored = _scored(rows).sort_values("as_of")
    if scored.empty:
        return "", ""
    outcome = float(scored["outcome"].iloc[0])
    zh = [f"对照实际结果评分：实际结果为 {outcome:,.1f} {unit}。每个月份的预测均在不含该结果的情况下评分"]
    en = [f"Scored against the outcome, {outcome:,.1f} {unit}: each month's forecast is scored as made without it"]
    after = scored[scored["scored_without"].fillna("") != ""]
    if len(after):
        first = after.iloc[0]
        band = f"{first['scored_q10']:,.0f}–{first['scored_q90']:,.0f}"
        zh.append(f"结果公布当月（{month_zh(first['as_of'])}）起，评分的是结果公布前的预测（中位数 {first['scored_median']:,.1f}，"
                  f"10%–90% 区间 {band}），而不是表中已包含该结果的预测")
        en.append(f"from the month it arrived ({month_en(first['as_of'])}) on, the forecast scored is the one from before "
                  f"it arrived (median {first['scored_median']:,.1f}, 10–90% range {band}), not the one shown, which "
                  "already holds the outcome")
    return ("；".join(zh) + "。" + "；".join(w[0] for w in (CRPS_WORDS, LOG_SCORE_WORDS, BAND_WORDS)) + "。",
            "; ".join(en) + ". " + "; ".join(w[1] for w in (CRPS_WORDS, LOG_SCORE_WORDS, BAND_WORDS)) + ".")


def score_note(row, unit="亿元") -> tuple[str, str]:
    """One track row's scores in a few words, (zh, en); ("", "") when it has none. A row scored without the
    outcome says whose forecast it is: the one before the outcome arrived, with its 80 % band."""
    if row.get("crps") is None or (isinstance(row.get("crps"), float) and math.isnan(row["crps"])):
        return "", ""
    held_zh, held_en = ("覆盖", "held") if row["band_80_held"] else ("未覆盖", "missed")
    numbers = f"CRPS {row['crps']:,.1f} · "
    if row.get("scored_without"):
        band = f"{row['scored_q10']:,.0f}–{row['scored_q90']:,.0f}"
        return (f"结果公布前的预测：{numbers}对数评分 {row['log_score']:.2f} · 其 80% 区间 {band} {held_zh}实际结果",
                f"the forecast before the outcome arrived: {numbers}log score {row['log_score']:.2f} · its 80% band "
                f"{band} {held_en}")
    return (f"{numbers}对数评分 {row['log_score']:.2f} · 80% 区间{held_zh}实际结果",
            f"{numbers}log score {row['log_score']:.2f} · 80% band {held_en}")


def score_cell(row) -> str:
    """One track row's scores as a table cell, Chinese and English side by side ("" when it has none)."""
    if not score_note(row)[1]:
        return ""
    held = "覆盖 held" if row["band_80_held"] else "未覆盖 missed"
    numbers = f"CRPS {row['crps']:,.1f} · 对数评分 log score {row['log_score']:.2f}"
    if row.get("scored_without"):
        return (f"结果公布前的预测 the forecast before the outcome: {numbers} · 其 80% 区间 its band "
                f"{row['scored_q10']:,.0f}–{row['scored_q90']:,.0f} {held}")
    return f"{numbers} · 80% 区间 band {held}"
