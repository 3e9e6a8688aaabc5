"""Shared fixtures for the test suite (helpers stay in the test modules that use them)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test, so every test is reproducible alone."""
    return np.random.default_rng(1234)


@pytest.fixture
def strict_warnings() -> Iterator[None]:
    """Turn every warning (RuntimeWarning from numpy above all) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
