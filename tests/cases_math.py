"""Cases for the ops of ops_math.py (see opcases.py for the case type)."""

from __future__ import annotations

from opcases import CASES as _ALL

_START = len(_ALL)

CASES = _ALL[_START:]
