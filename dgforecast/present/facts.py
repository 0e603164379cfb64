"""What the index page and the memo say beyond summary.csv: every scenario's verdicts, the track, the hinge.

``report_facts`` assesses the report's scenarios once more on the tables ``pipeline.load_inputs``
read (a few seconds: the final assessment of each scenario, the headline scenario's track of
vintages, what its verdict hinges on) so the index page, the memo and the report's CSV files say the
same thing. Nothing here reads the workbook: the report hands the tables and the text of params.yaml in.
"""

import io
import re
from dataclasses import dataclass, field

import pandas as pd

from dgforecast.judge.assess import assess_inputs, fan_quantiles
from dgforecast.judge.final import final_assessment
from dgforecast.judge.hinge import hinge_table, verdict_crossings
from dgforecast.judge.readings import reading_statements
from dgforecast.judge.tracking import track
from dgforecast.plan.evidence import select_evidence
from dgforecast.plan.targets import targets_table


@dataclass
class ReportFacts:
    """What index.html and memo.docx say beyond summary.csv.

    Attributes
    ----------
    targets : DataFrame
        ``targets.targets_table`` (ratio 1): the registry with baselines and required growth.
    params_by_name : dict
        Scenario -> ScenarioParams, in the report's order.
    headline : str
        The scenario the report leads with (params.yaml ``headline:``; ``base`` by default).
    finals : dict
        Scenario -> ``final.final_assessment`` (both readings).
    result : ScenarioResult
        The headline scenario assessed as of now (its paths give the fan chart; its ``counts`` the counts).
    evidence : DataFrame
        The whole evidence table (``evidence.load_evidence``); empty without one.
    evidence_used, evidence_left_out : DataFrame
        The headline scenario's selection: the rows it uses, and those left out with the reason.
    reasons : dict
        ``assumption_reasons`` of params.yaml.
    fan_png : bytes
        The fan chart of the headline scenario's first level target (empty without a level target).
    track, hinge, crossings, statements : DataFrame
        ``tracking.track``, ``hinge.hinge_table``, ``hinge.verdict_crossings`` and ``readings.reading_statements``
        of the headline.
    plan : dgforecast.plan.plan_file.Plan
        The plan (its title, document and dates).
    """

    targets: pd.DataFrame
    params_by_name: dict
    headline: str
    finals: dict
    result: object
    plan: object = None
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence_used: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence_left_out: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: dict = field(default_factory=dict)
    fan_png: bytes = b""
    track: pd.DataFrame = field(default_factory=pd.DataFrame)
    hinge: pd.DataFrame = field(default_factory=pd.DataFrame)
    crossings: pd.DataFrame = field(default_factory=pd.DataFrame)
    statements: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def final(self) -> pd.DataFrame:
        """The headline scenario's final assessment."""
        return self.finals[self.headline]

    @property
    def params(self):
        return self.params_by_name[self.headline]


# ---------------------------------------------------------------- the reasons in params.yaml
_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:'\"][^:#]*|'[^']*'|\"[^\"]*\"):(?P<rest>(\s.*)?)$")


#: How far left of a key's comment a comment line under it may start and still continue it (hand-aligned text).
CONTINUATION_SLACK = 4


def _split_comment(rest) -> tuple[str, str]:
    """``value  # comment`` -> (value, comment); a ``#`` inside quotes or not after a space is kept."""
    quote = None
    for i, char in enumerate(rest):
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].strip(), rest[i + 1:].strip()
    return rest.strip(), ""


def assumption_reasons(text) -> dict:
    """The reason params.yaml gives for each key, by dotted path (``defaults.growth``, ``scenarios.shock.growth_overrides.2022``).

    A reason is the comment on the key's line, the comment lines right under it lined up with that comment
    (its continuation), and the comment lines just above it at the key's own indentation — the house
    rule at the top of params.yaml. Top-level comments (the file's header) belong to no key. A comment line
    under a key's comment that starts well left of it (at a nested key's indentation) is the next key's.
    """
    reasons, stack, above, last = {}, [], [], None
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            above, last = [], None
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if last is not None and indent > last[0] and indent >= last[2] - CONTINUATION_SLACK:
                reasons[last[1]] = f"{reasons[last[1]]} {comment}".strip()
            else:
                above.append((indent, comment))
                last = None
            continue
        match = _KEY_LINE.match(line)
        if not match:
            above, last = [], None
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"].strip().strip("'\"")))
        path = ".".join(key for _, key in stack)
        _, comment = _split_comment(match["rest"])
        texts = [c for i, c in above if i == indent] if indent > 0 else []
        texts += [comment] if comment else []
        if texts:
            reasons[path] = " ".join(texts)
        column = match.start("rest") + match["rest"].find("#") if comment else 0
        above, last = [], ((indent, path, column) if comment else None)
    return reasons


# ---------------------------------------------------------------- the facts
def fan_chart_png(result, targets, dpi=150) -> bytes:
    """The fan chart of the first level target in ``result`` as PNG bytes (b"" without one), drawn
    with the CJK font and without pyplot (no window, no global figure)."""
    from matplotlib.figure import Figure

    from dgforecast.present import plots
    from dgforecast.present.evidence_marks import scenario_marks

    registry = targets.set_index("id")
    ids = [t for t in result.paths_by_target if t in registry.index]
    if not ids:
        return b""
    target, params = registry.loc[ids[0]], result.params
    plots.use_cjk_font()
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    start = result.actuals.index.max()
    plots.fan_chart(fan_quantiles(result.paths_by_target[ids[0]]), threshold=float(target["threshold"]),
                    marks=scenario_marks(result, targets, ids[0]), base=(start, result.actuals[start]),
                    unit=target["unit"], ax=figure.subplots(),
                    title=f"{target['name_zh']} · {params.label_zh} / {params.label_en} · {params.as_of_month}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def report_facts(params_by_name, inputs, params_text="", headline=None) -> ReportFacts:
    """Assess the report's scenarios once more for the index, the memo and the report's CSV files.

    Parameters
    ----------
    params_by_name : dict
        Scenario -> ScenarioParams, in the report's order.
    inputs : dict
        ``pipeline.load_inputs`` tables.
    params_text : str
        The text of params.yaml, for the reasons of the assumptions.
    headline : str, optional
        The scenario the report leads with (params.yaml ``headline:``, ``params.headline_of``; default the first).
    """
    names = list(params_by_name)
    headline = headline if headline in names else names[0]
    params = params_by_name[headline]
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    result = assess_inputs(params, inputs)
    evidence = inputs.get("evidence")
    used = left_out = pd.DataFrame()
    if evidence is not None:
        selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
        used, left_out = selection.used, selection.left_out
    finals = {name: final_assessment(p, inputs) for name, p in params_by_name.items()}
    facts = ReportFacts(targets=table, params_by_name=dict(params_by_name), headline=headline, finals=finals,
                        result=result, plan=inputs["plan"], evidence=evidence if evidence is not None else pd.DataFrame(),
                        evidence_used=used, evidence_left_out=left_out, reasons=assumption_reasons(params_text),
                        fan_png=fan_chart_png(result, table))
    if result.paths_by_target:
        facts.track = track(params, inputs)
        facts.hinge = hinge_table(params, inputs, final=facts.final)
        facts.crossings = verdict_crossings(facts.hinge, params.verdict_thresholds)
        facts.statements = reading_statements(params, inputs) if evidence is not None else pd.DataFrame()
    return facts


def fact_tables(facts) -> dict:
    """The report's CSV files of the final assessment, file name -> table: the full tables behind the
    pages' short ones, each with every column the pages shorten."""
    finals = pd.concat([f.assign(scenario=name) for name, f in facts.finals.items()], ignore_index=True)
    return {"final_assessment.csv": finals, "track.csv": facts.track, "hinge.csv": facts.hinge,
            "readings.csv": facts.statements}
