"""Hypothesis settings for the property tests: few examples by default so the suite stays
fast; `HYPOTHESIS_PROFILE=thorough` runs many more."""

import os

from hypothesis import settings

settings.register_profile("default", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
