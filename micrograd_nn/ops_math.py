"""Op-table section: numpy's elementwise maths and reductions (filled in as ops land).

Entries follow the contract of :mod:`micrograd_nn.opdef`: forward on raw data, VJPs
that run on raw data and, under ``create_graph=True``, on Values.
"""

from __future__ import annotations

from .opdef import Op

OPS_MATH: tuple[Op, ...] = ()
