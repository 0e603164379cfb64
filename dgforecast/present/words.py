"""The results in words, Chinese first and English beside it: goals, the data vintage, evidence, verdicts.

Every sentence a reader sees on the index page, in the memo or in a notebook's headline is made here
from the numbers, so a page never says what its tables do not. Identifiers (evidence ids, target ids)
stay in the CSV files, the manifest and the code; a reader gets names, periods and sources.

The ``words`` namespace of the package's face (``words.hinge_words(...)`` in the notebooks) and the door the
pages import sentences through, gathered from the rooms that make them —

- ``phrases``: the pieces of a sentence (a goal, a month, the data vintage, a verdict as shown);
- ``evidence_sentences``: what a result rests on (a figure in words, its source, why a target has no probability);
- ``verdict_sentences``: the results said (a verdict, every scenario's line, the hinge, the counts, a forecast);
- ``robust_sentences``: what a verdict rests on (the sensitivity set, its worst case, the related figures).
- ``score_sentences``: the track record (which forecast a score is of, what CRPS and the log score mean).
"""

from dgforecast.present.evidence_sentences import (
    evidence_line,
    evidence_note,
    evidence_notes,
    evidence_strength,
    evidence_words,
    no_evidence_words,
    reason_words,
    source_words,
    unassessed_words,
)
from dgforecast.present.phrases import (
    COMPARISON_SIGNS,
    goal_text,
    goal_words,
    month_en,
    month_zh,
    name_en,
    registry,
    required_growth,
    verdict_label_text,
    verdict_words,
    vintage_text,
)
from dgforecast.present.robust_sentences import case_words, robust_words, rule_words, set_range
from dgforecast.present.score_sentences import score_cell, score_note, score_words
from dgforecast.present.verdict_sentences import (
    counts_words,
    final_words,
    forecast_sentence,
    hinge_words,
    ratio_spread_words,
    scenario_words,
    simulation_note_words,
    spread_lines,
    spread_words,
    summary_sentences,
    summary_states,
    verdict_sentence,
)

__all__ = [
    "COMPARISON_SIGNS",
    "counts_words",
    "evidence_line",
    "evidence_note",
    "evidence_notes",
    "evidence_strength",
    "evidence_words",
    "final_words",
    "forecast_sentence",
    "goal_text",
    "goal_words",
    "hinge_words",
    "month_en",
    "month_zh",
    "name_en",
    "case_words",
    "no_evidence_words",
    "reason_words",
    "registry",
    "robust_words",
    "rule_words",
    "set_range",
    "ratio_spread_words",
    "scenario_words",
    "simulation_note_words",
    "required_growth",
    "score_cell",
    "score_note",
    "score_words",
    "source_words",
    "spread_lines",
    "spread_words",
    "summary_sentences",
    "summary_states",
    "unassessed_words",
    "verdict_label_text",
    "verdict_sentence",
    "verdict_words",
    "vintage_text",
]
