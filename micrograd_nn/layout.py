"""Label placement for [`micrograd_nn.viz.draw_network`][]: where along its synapse
each weight label sits, and how far apart two columns of neurons must be for them.

Geometry only (numpy, inches, y up): a synapse is a segment `(x0, y0, x1, y1)`, a
box is `(x0, y0, x1, y1)` with `x0 < x1, y0 < y1`. Nothing here knows about
networks or Graphviz.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["FRACTIONS", "GAPS", "label_size", "place_labels", "column_gap"]

# Helvetica advance widths (em) for the characters of weight labels; others: 0.6/0.72
_EM = {**dict.fromkeys("0123456789", 0.556), **dict.fromkeys(".,: ", 0.278), "-": 0.333}
#: where along a synapse a label may sit (fraction of the way from tail to head)
FRACTIONS = np.linspace(0.06, 0.94, 45)
#: the distances between two columns (inches) that :func:`column_gap` tries, in order
GAPS = (2.6, 3.1, 3.7, 4.4)


def label_size(lines: Sequence[str], size: float = 9.0) -> tuple[float, float]:
    """(width, height) in inches of a label of plain-text `lines` at `size` points
    (a generous guess from Helvetica's widths, so real labels fit inside it)."""
    em = max(sum(_EM.get(ch, 0.72 if ch.isupper() else 0.6) for ch in t) for t in lines)
    return (1.05 * em * size + 10) / 72, (10.5 * len(lines) + 5) / 72


def _hits(boxes: np.ndarray, segs: np.ndarray, samples: int = 48) -> np.ndarray:
    """(K, M): does segment m pass through box k? Tested at `samples` points along
    it (labels are far bigger than the spacing)."""
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    pts = segs[:, None, :2] + t * (segs[:, None, 2:] - segs[:, None, :2])  # (M, P, 2)
    x, y, b = pts[None, ..., 0], pts[None, ..., 1], boxes[:, None, None, :]
    return ((x > b[..., 0]) & (x < b[..., 2]) & (y > b[..., 1]) & (y < b[..., 3])).any(axis=2)


def _near(px: np.ndarray, py: np.ndarray, segs: np.ndarray, r: float) -> np.ndarray:
    """(K,): for points (px, py), the sum over segments of `max(0, 1 - distance / r)`:
    how squarely other synapses pass through a label centred there."""
    if not len(segs):
        return np.zeros(len(px))
    a, d = segs[None, :, :2], segs[None, :, 2:] - segs[None, :, :2]
    p = np.stack([px, py], 1)[:, None, :]
    t = np.clip(((p - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
    dist = np.hypot(*np.moveaxis(a + t[..., None] * d - p, -1, 0))
    return np.clip(1.0 - dist / r, 0.0, None).sum(axis=1)


def _area(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(K,): the total area by which each box overlaps the `others` (N, 4)."""
    if not len(others):
        return np.zeros(len(boxes))
    b, o = boxes[:, None, :], others[None, :, :]
    w = np.minimum(b[..., 2], o[..., 2]) - np.maximum(b[..., 0], o[..., 0])
    h = np.minimum(b[..., 3], o[..., 3]) - np.maximum(b[..., 1], o[..., 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def place_labels(segs: np.ndarray, sizes: np.ndarray, prefer: np.ndarray,
                 obstacles: np.ndarray, rounds: int = 4) -> tuple[np.ndarray, float, int]:
    """Where along its synapse each label goes, as a fraction from tail to head centre.

    `segs` (n, 4): the synapses; `sizes` (n, 2): label width, height; `prefer`
    (n,): the fraction each label takes when it is free to; `obstacles` (m, 4): the
    neurons' boxes. Each label in turn (the most hemmed-in first) takes the spot that
    overlaps the least of the other labels and the neurons, then has the fewest other
    synapses running under it, and those far from its centre (never on a crossing),
    then is nearest its preferred fraction; a few rounds let early labels move for
    later ones. Returns the fractions (n,), the area of label still overlapping
    something (0: none) and the number of (label, synapse under it) pairs.
    """
    n, pad = len(segs), 2 / 72
    half = sizes / 2 + pad
    cands, fixed, under = [], [], []
    for i in range(n):
        x0, y0, x1, y1 = segs[i]
        cx, cy = x0 + FRACTIONS * (x1 - x0), y0 + FRACTIONS * (y1 - y0)
        cand = np.stack([cx - half[i, 0], cy - half[i, 1], cx + half[i, 0], cy + half[i, 1]], 1)
        cands.append(cand)
        rest = np.delete(segs, i, axis=0)
        under.append(_hits(cand, rest).sum(axis=1))
        # costs that do not depend on the other labels: neurons (1e3: never), synapses
        # under the label, crossings near its centre, distance from the preferred spot
        fixed.append(1e3 * _area(cand, obstacles) / (sizes[i, 0] * sizes[i, 1]) + under[i]
                     + 3 * _near(cx, cy, rest, float(np.hypot(*half[i])))
                     + 0.5 * abs(FRACTIONS - prefer[i]))
    order = sorted(range(n), key=lambda i: (int((fixed[i] < 1).sum()), i))
    pick = np.full(n, -1)
    for _ in range(rounds):
        moved = False
        for i in order:
            others = np.array([cands[j][pick[j]] for j in range(n) if j != i and pick[j] >= 0])
            cost = fixed[i] + 1e3 * _area(cands[i], others.reshape(-1, 4)) / (
                sizes[i, 0] * sizes[i, 1])
            k = int(np.argmin(cost))
            moved |= pick[i] != k
            pick[i] = k
        if not moved:
            break
    boxes = np.array([cands[i][pick[i]] for i in range(n)])
    over = sum(float(_area(boxes[i:i + 1], np.r_[boxes[i + 1:], obstacles])[0]) for i in range(n))
    return FRACTIONS[pick], over, int(sum(under[i][pick[i]] for i in range(n)))


def column_gap(left: np.ndarray, right: np.ndarray, edges: np.ndarray, sizes: np.ndarray,
               prefer: np.ndarray) -> tuple[float, np.ndarray]:
    """The distance between two columns that lets the labels of the synapses between
    them sit apart, and where they sit.

    `left` (p, 3) and `right` (q, 3): each node of the left and right column as
    `(y, half width, half height)`; `edges` (n, 2) int: `(row in left, row in
    right)` per synapse; `sizes`, `prefer`: as `place_labels`. Tries
    `GAPS` in order and keeps the first with no overlap and no synapse under a
    label, else the best (no overlap first, then fewest synapses under labels, then
    the narrowest). Returns `(gap, fractions (n,))`.
    """
    best = None
    for gap in GAPS:
        nodes = np.r_[np.c_[np.zeros(len(left)), left], np.c_[np.full(len(right), gap), right]]
        tail, head = nodes[edges[:, 0], :2], nodes[len(left) + edges[:, 1], :2]
        segs = np.c_[tail, head]
        obst = np.c_[nodes[:, 0] - nodes[:, 2], nodes[:, 1] - nodes[:, 3],
                     nodes[:, 0] + nodes[:, 2], nodes[:, 1] + nodes[:, 3]]
        at, over, under = place_labels(segs, sizes, prefer, obst)
        key = (over > 1e-9, under, gap)
        if best is None or key < best[0]:
            best = (key, at)
        if not key[0] and not under:
            break
    assert best is not None  # GAPS is not empty
    return best[0][2], best[1]
