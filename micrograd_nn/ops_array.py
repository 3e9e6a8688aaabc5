"""Op-table section: numpy's joining, splitting, shaping, selecting and products.

Entries follow the contract of :mod:`micrograd_nn.opdef`: forward on raw data, VJPs
that run on raw data and, under ``create_graph=True``, on Values.
"""

from __future__ import annotations

from .opdef import Op

OPS_ARRAY: tuple[Op, ...] = ()
