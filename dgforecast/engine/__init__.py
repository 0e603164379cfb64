"""engine: simulated paths of a plan's measures, conditioned on the published figures.

The prior on the state (``prior``), the measurement model that turns each published figure into
rows and bounds (``condition``), the conjugate update (``posterior``) and the paths' weights
(``weights``), the lognormal and fitted engines (``simulate``, ``fitted_engine``), the closed form
they are held to, and many points at once for sweeps (``batch``; the lognormal engine's points in
``lognormal_points``, on the sorted-sample statistics of ``order_statistics``). Imports from
``core``, ``plan`` and ``models``.
"""
