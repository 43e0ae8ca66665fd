"""Private re-export of :mod:`salbench.demo` for the doctests that still import ``salbench._demo``.

Import from :mod:`salbench.demo`.
"""

from .demo import (  # noqa: F401
    BlurredTruthModel, ContrastModel, ObjectsOnlyModel, SpectralResidualModel, SyntheticData,
    TrueDensityModel, __all__, run_demo, synthetic_dataset, synthetic_models,
)
