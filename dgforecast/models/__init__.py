"""models: growth models for short annual series, their backtests and calibrated forecasts.

The model menu (``menu``) over the families (``drift``, ``theta``, ``statsmodels_fits``,
``curves``, behind ``base``), rolling-origin backtests, the reference error tables measured on M3
yearly, and forecasts with intervals. Imports from ``core`` and ``plan``.
"""
