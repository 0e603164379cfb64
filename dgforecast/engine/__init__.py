"""engine: simulated paths of a plan's measures, conditioned on the published figures.

The prior on the state (``prior``), the measurement model that turns each published figure into
rows and bounds (``condition``), the conjugate update (``posterior``) and the paths' weights
(``weights``), the lognormal and fitted engines (``simulate``, ``fitted_engine``), the closed form
they are held to, and many points at once for sweeps (``batch``). Imports from ``core``, ``plan``
and ``models``.
"""
