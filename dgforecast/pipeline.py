"""The workbook's stages as functions with default paths, the same from the shell or a notebook."""

import json

from dgforecast.config import find_project


def build_data(project=None, revenue_to_output_ratio=1.0) -> str:
    """Check data/raw/, write data/processed/, and return a short summary of what the plan implies.

    Parameters
    ----------
    project : str or Path, optional
        The workbook folder; default: found from the current folder upward.
    revenue_to_output_ratio : float
        营业收入 / 总产值 for the cluster revenue target's baseline (1.0 by default).
    """
    from dgforecast.data import build_processed

    paths = find_project(project)
    result = build_processed(paths.raw, paths.processed, revenue_to_output_ratio=revenue_to_output_ratio)
    lines = [f"wrote {len(result['paths'])} tables to {paths.processed}", "", "What the plan's 2021 figures imply:"]
    for row in result["derived"].itertuples():
        value = f"{row.value:,.4f}" if row.unit == "1" else f"{row.value:,.2f} {row.unit}"
        lines.append(f"  {row.variable} ({row.year}): {value}   = {row.formula}")
    lines += ["", "Cross-checks against published figures:"]
    for row in result["checks"].itertuples():
        verdict = {True: "pass", False: "FAIL"}.get(row.passed, "not checked (no published figure)")
        lines.append(f"  {row.check}: implied {row.implied:,.2f} (allowed {row.low:,.2f}-{row.high:,.2f}), "
                     f"published {row.published:,.2f}: {verdict}")
    lines += ["", "Level targets:"]
    levels = result["targets"][result["targets"]["kind"] == "level"]
    for row in levels.itertuples():
        lines.append(f"  {row.id}: {row.threshold:,.0f} {row.unit} by {row.deadline} from {row.baseline:,.2f} in "
                     f"{row.start_year} needs {row.required_cagr:.2%} a year "
                     f"(revenue_to_output_ratio = {revenue_to_output_ratio})")
    return "\n".join(lines)


def show_targets(project=None, as_json=False, revenue_to_output_ratio=1.0) -> str:
    """Every target with threshold, deadline, baseline, required growth and plan section.

    Returns JSON (a list of objects) when ``as_json``, otherwise an aligned text table.
    """
    from dgforecast.data import load_baselines, load_targets
    from dgforecast.targets import targets_records, targets_table

    paths = find_project(project)
    table = targets_table(load_targets(paths.raw), load_baselines(paths.raw), revenue_to_output_ratio)
    if as_json:
        return json.dumps(targets_records(table), ensure_ascii=False, indent=2)
    view = table[["id", "kind", "comparison", "threshold", "unit", "deadline", "baseline",
                  "required_cagr", "required_pace", "section", "name_zh"]].copy()
    view["threshold"] = view["threshold"].map("{:,.0f}".format)
    view["baseline"] = view["baseline"].map(lambda v: "" if v != v else f"{v:,.2f}")
    view["required_cagr"] = view["required_cagr"].map(lambda v: "" if v != v else f"{v:.2%}/yr")
    view["required_pace"] = view["required_pace"].map(lambda v: "" if v != v else f"{v:.1f}/yr")
    return view.to_string(index=False)
