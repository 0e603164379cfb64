"""run: orchestration — the workbook read end to end, notebooks executed, reports and sweeps written.

The notebook runner (papermill, one kernel retry), provenance, the report and its folders, the
pipeline a notebook calls, count progress entries and parameter sweeps (``sweep``). The only layer
that starts processes or writes a report; imports from every layer above.
"""
