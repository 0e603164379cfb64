"""A growth under 1 % where a percentage is meant (0.085 for 8.5 %): refused where it moves a verdict, marked where not.

evidence.csv gives growth in % (8.5 for 8.5 %), params.yaml as a fraction (0.085): a figure copied from one
to the other reads a hundred times too small, and a growth of 0.085 % can turn 已实现 into 无法确认. The
loader lists such rows (``plausibility.unit_slips``: under 1 % in size, and the source_phrase does not show
the figure as published); here each is weighed: the scenario is assessed again with the row read as
meant in % (×100). A row that changes any target's verdict is refused in one line naming file, line and
column; one that changes none is kept, and the commands mark the results that rest on it.
"""

from dataclasses import dataclass

from dgforecast.core.csvfile import line_label
from dgforecast.core.errors import DataError
from dgforecast.judge.assess import assess_inputs
from dgforecast.plan.plausibility import unit_slips

#: How a result resting on a row read with a warning is marked in a command's table.
MARK = "(!)"


@dataclass(frozen=True)
class Slip:
    """A growth row read with a warning: its id, line and value, and what reading it in % would change (nothing)."""

    evidence_id: str
    line: int
    value: float

    @property
    def note(self) -> str:
        return (f"{MARK} {self.evidence_id} (line {self.line}): growth {self.value:g} read as {self.value:g} %; as "
                f"{self.value * 100:g} % no verdict would change (quote {abs(self.value):g}% in its source_phrase if "
                "it is meant)")


def _verdicts(params, inputs, result=None) -> dict:
    result = result if result is not None else assess_inputs(params, inputs)
    return dict(zip(result.summary["target_id"], result.summary["status"]))


def judge_unit_slips(params, inputs, path, result=None) -> list:
    """Weigh each growth row under 1 % that does not say it is meant (``plausibility.unit_slips``).

    Parameters
    ----------
    params : ScenarioParams
        The scenario.
    inputs : dict
        ``pipeline.load_inputs``.
    path : str or Path
        The evidence file, for the message.
    result : ScenarioResult, optional
        The scenario already assessed on ``inputs`` (saves one assessment).

    Returns
    -------
    list of Slip
        The rows kept: reading them in % changes no verdict.

    Raises
    ------
    DataError
        For the first row that, read in %, changes a target's verdict: naming file, line and column, the
        target and both verdicts.
    """
    evidence = inputs.get("evidence")
    rows = [] if evidence is None else unit_slips(evidence)
    if not rows:
        return []
    before, kept = _verdicts(params, inputs, result), []
    for i in rows:
        value = float(evidence.loc[i, "value"])
        meant = evidence.copy()
        meant.loc[i, "value"] = value * 100
        after = _verdicts(params, {**inputs, "evidence": meant})
        moved = [t for t in before if before[t] != after.get(t)]
        if moved:
            t = moved[0]
            raise DataError(path, f"{line_label(i)}, column value",
                            f"growth {value:g} reads as {value:g} %, and {t} is {before[t]}; read as {value * 100:g} % "
                            f"it would be {after[t]}: write {value * 100:g} (growth rows are in %), or if {value:g} % "
                            f"is meant quote it as published ({abs(value):g}%) in source_phrase")
        kept.append(Slip(str(evidence.loc[i, "evidence_id"]), i + 2, value))
    return kept


def marked(records, slips, mark_status=True) -> list:
    """Summary records (``assess.summary_records``) with ``warnings`` (the notes of the ``slips`` the target's
    result rests on) on every record, and with ``mark_status`` the ``status`` of those marked ``MARK``."""
    out = []
    for record in records:
        notes = [s.note for s in slips if s.evidence_id in (record.get("evidence_used") or [])]
        status = f"{record['status']} {MARK}" if notes and mark_status else record["status"]
        out.append({**record, "status": status, "warnings": notes})
    return out

