"""plan: the plan folder read and checked — plan.yaml, baselines, targets, evidence, params.yaml.

Every figure of a plan enters here, is checked (file, line and column named on error) and leaves
as pandas tables and validated parameters; ``new_plan`` writes an empty folder to fill. Imports
only from ``core``.
"""
