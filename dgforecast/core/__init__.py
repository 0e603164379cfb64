"""core: what every layer stands on and that knows no plan.

Errors and their exit codes, where the workbook is (paths, notebook names), atomic files and
locks, resource limits, the worker pool, number formats, the checked YAML and CSV readers, the
target kinds and the controlled vocabulary of evidence. Imports nothing else of dgforecast.
"""
