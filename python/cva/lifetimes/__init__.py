"""A drop-in for the ``lifetimes`` package (0.11) on libcva.

Switch with one import::

    from cva import lifetimes          # instead of: import lifetimes
    from cva.lifetimes import BetaGeoFitter, GammaGammaFitter
    from cva.lifetimes.utils import summary_data_from_transaction_data

The fitters (:class:`BetaGeoFitter`, :class:`ModifiedBetaGeoFitter`,
:class:`ParetoNBDFitter`, :class:`BetaGeoBetaBinomFitter`,
:class:`GammaGammaFitter`) keep lifetimes' names, signatures, defaults and
return types; every model computation is done by libcva. Needs numpy and
pandas; :mod:`cva.lifetimes.plotting` needs matplotlib. Differences from
lifetimes are listed in python/README.md ("Switching from lifetimes").
"""

try:
    import numpy as _np  # noqa: F401
    import pandas as _pd  # noqa: F401
except ImportError as _e:  # pragma: no cover - depends on the environment
    raise ImportError("cva.lifetimes needs numpy and pandas (pip install numpy pandas); "
                      "the rest of cva works without them (%s)" % _e) from None

from .fitters import (BaseFitter, BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter,
                      BetaGeoBetaBinomFitter, GammaGammaFitter)
from . import fitters, utils, plotting

__version__ = "0.11.3"

__all__ = ["BaseFitter", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter",
           "BetaGeoBetaBinomFitter", "GammaGammaFitter", "fitters", "utils", "plotting"]
