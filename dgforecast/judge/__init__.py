"""judge: from paths to a statement about each target — P(met), status, verdict and its reasons.

Verdict rules (``verdicts``), count and milestone targets (``count_targets``), one scenario
assessed (``assess``), the track of assessments as figures arrived (``tracking``), the final
assessment (``final``), the two readings of a round statement (``readings``) and what the verdict
hinges on (``hinge``). Imports from the layers above; writes no file.
"""
