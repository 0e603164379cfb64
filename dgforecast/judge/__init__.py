"""judge: from paths to a statement about each target — P(met), status, verdict and its reasons.

Verdict rules (``verdicts``), count and milestone targets (``count_targets``), one scenario
assessed (``assess``) and the track of assessments as figures arrived (``tracking``). Imports from
the layers above; writes no file.
"""
