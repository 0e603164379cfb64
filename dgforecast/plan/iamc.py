"""The processed table: every figure the workbook uses in one tidy long table (IAMC columns).

Built from the loaded raw files (``data``) and the figures the plan implies (``figures``); the stage
layer (``pipeline.build_processed``) writes it to data/processed/.
"""

import pandas as pd

_BASIS_SUFFIX = {"level": "", "count": "", "at_least": "|At least", "yoy_pct": "|Growth", "share_pct": "|Share of Whole"}


def to_iamc(baselines, history, derived, plan) -> pd.DataFrame:
    """One tidy long table (IAMC columns plus provenance) of every figure the workbook uses."""
    region = plan.plan.region_en
    plan_rows = pd.DataFrame({
        "model": f"Plan ({plan.plan.plan_month})", "scenario": "Historical", "region": region,
        "variable": baselines["variable"] + baselines["basis"].map(_BASIS_SUFFIX),
        "unit": baselines["unit"], "year": baselines["year"], "value": baselines["value"],
        "price_basis": baselines["price_basis"], "reliability": "press_or_official",
        "source": "plan section " + baselines["section"],
    })
    yearly = history[history["period"] == "year"]
    published = pd.DataFrame({
        "model": "Published statistics", "scenario": "Historical", "region": yearly["region"],
        "variable": yearly["series_id"] + yearly["basis"].map(_BASIS_SUFFIX),
        "unit": yearly["unit"], "year": yearly["year"], "value": yearly["value"],
        "price_basis": yearly["price_basis"], "reliability": yearly["reliability"], "source": yearly["source_url"],
    })
    implied = pd.DataFrame({
        "model": "dgforecast derived", "scenario": "Historical", "region": region,
        "variable": derived["variable"], "unit": derived["unit"], "year": derived["year"], "value": derived["value"],
        "price_basis": "current", "reliability": "derived", "source": derived["formula"],
    })
    return pd.concat([plan_rows, published, implied], ignore_index=True)
