"""Built-in seeded data sets and a CSV loader.

Every function returns `(X, y)` as float64 arrays: `X` of shape
`(n_samples, n_features)` and `y` of shape `(n_samples, n_targets)` (a
column even for one target, so `mse(model(X), y)` never broadcasts `(n,)`
against `(n, 1)` into an `(n, n)` matrix). Random data sets take a `seed`
and draw from their own `numpy.random.Generator`: the same seed gives the same
data, and no global random state is touched.

```pycon
>>> X, y = xor()
>>> X.tolist(), y.ravel().tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])

```
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GATES", "gate", "xor", "and_", "or_", "nand", "nor", "xnor", "two_moons",
           "circles", "spirals", "sine", "split", "load_csv", "by_name", "NAMED"]

Array = np.ndarray

#: Truth tables of the two-input logic gates, outputs for inputs 00, 01, 10, 11.
GATES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0), "xnor": (1, 0, 0, 1),
}


def gate(name: str) -> tuple[Array, Array]:
    """A two-input logic gate: X shape (4, 2) = rows 00, 01, 10, 11; y shape (4, 1).

    `name` is one of `and, or, xor, nand, nor, xnor` (any case; a trailing
    `_` as in `and_` is ignored).
    """
    if not isinstance(name, str):
        raise TypeError(f"gate(name): name must be a str such as 'xor', not "
                        f"{type(name).__name__}")
    key = name.lower().rstrip("_")
    if key not in GATES:
        raise ValueError(f"gate: unknown gate {name!r}; choose one of "
                         f"{', '.join(sorted(GATES))}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array(GATES[key], dtype=np.float64).reshape(4, 1)
    return X, y


def xor() -> tuple[Array, Array]:
    """XOR, the article's task: y = 1 exactly when one input is 1. Shapes (4, 2), (4, 1)."""
    return gate("xor")


def and_() -> tuple[Array, Array]:
    """AND (named `and_` because `and` is a keyword). Shapes (4, 2), (4, 1)."""
    return gate("and")


def or_() -> tuple[Array, Array]:
    """OR (named `or_` because `or` is a keyword). Shapes (4, 2), (4, 1)."""
    return gate("or")


def nand() -> tuple[Array, Array]:
    """NAND. Shapes (4, 2), (4, 1)."""
    return gate("nand")


def nor() -> tuple[Array, Array]:
    """NOR. Shapes (4, 2), (4, 1)."""
    return gate("nor")


def xnor() -> tuple[Array, Array]:
    """XNOR (equality). Shapes (4, 2), (4, 1)."""
    return gate("xnor")


def _check_n(n: object, noise: object, who: str, minimum: int = 2) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{who}: n must be an int, not {type(n).__name__}")
    if n < minimum:
        raise ValueError(f"{who}: n must be at least {minimum}, got {n}")
    if not isinstance(noise, (int, float)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{who}: noise must be a finite number >= 0, got {noise!r}")
    return int(n)


def two_moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[Array, Array]:
    """Two interleaving half circles: X shape (n, 2), y shape (n, 1) of 0/1.

    Class 0: `(cos t, sin t)`; class 1: `(1 - cos t, 0.5 - sin t)`, `t` in
    `[0, π]`; then Gaussian noise of standard deviation `noise`. Classes alternate
    in size when `n` is odd (class 0 gets the extra sample).
    """
    n = _check_n(n, noise, "two_moons")
    rng = np.random.default_rng(seed)
    n0 = (n + 1) // 2
    t0 = np.linspace(0.0, math.pi, n0)
    t1 = np.linspace(0.0, math.pi, n - n0)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).reshape(n, 1)
    X += rng.normal(0.0, noise, X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5,
            seed: int | None = 0) -> tuple[Array, Array]:
    """A small circle (class 1, radius `factor`) inside a big one (class 0, radius 1).

    X shape (n, 2), y shape (n, 1); `0 < factor < 1`; Gaussian noise of standard
    deviation `noise` is added to each coordinate.
    """
    n = _check_n(n, noise, "circles")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"circles: factor must be between 0 and 1 (the inner radius), "
                         f"got {factor!r}")
    rng = np.random.default_rng(seed)
    n0 = (n + 1) // 2
    t0 = np.linspace(0.0, 2 * math.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * math.pi, n - n0, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).reshape(n, 1)
    X += rng.normal(0.0, noise, X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def spirals(n: int = 200, noise: float = 0.05, turns: float = 1.5,
            classes: int = 2, seed: int | None = 0) -> tuple[Array, Array]:
    """`classes` interleaved spiral arms: X shape (n, 2) in about `[-1, 1]`², y shape (n, 1).

    Arm `k` has radius `r` in `(0, 1]` and angle `2π·turns·r + 2πk/classes`; y holds
    the arm index (0 .. classes-1) as a float. Gaussian noise of standard deviation
    `noise`.
    """
    n = _check_n(n, noise, "spirals")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"spirals: classes must be an int >= 2, got {classes!r}")
    rng = np.random.default_rng(seed)
    sizes = [n // classes + (k < n % classes) for k in range(classes)]
    Xs, ys = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        a = 2 * math.pi * turns * r + 2 * math.pi * k / classes
        Xs.append(np.stack([r * np.cos(a), r * np.sin(a)], 1))
        ys.append(np.full(m, float(k)))
    X, y = np.concatenate(Xs), np.concatenate(ys).reshape(n, 1)
    X += rng.normal(0.0, noise, X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def sine(n: int = 50, noise: float = 0.0, low: float = -math.pi, high: float = math.pi,
         seed: int | None = 0) -> tuple[Array, Array]:
    """A 1-D regression curve: X shape (n, 1) evenly spaced in `[low, high]`, y = sin(X) + noise.

    With `noise=0` the targets are exact; noise is Gaussian, standard deviation
    `noise` (use a few samples and noise to provoke overfitting).
    """
    n = _check_n(n, noise, "sine")
    if not low < high:
        raise ValueError(f"sine: need low < high, got low={low!r}, high={high!r}")
    rng = np.random.default_rng(seed)
    X = np.linspace(low, high, n).reshape(n, 1)
    return X, np.sin(X) + rng.normal(0.0, noise, X.shape)


def split(X: Array, y: Array, fraction: float = 0.2,
          seed: int | np.random.Generator | None = 0) -> tuple[Array, Array, Array, Array]:
    """Shuffle (seeded) and split: `X_train, y_train, X_val, y_val`.

    `fraction` of the samples (rounded, at least 1) go to the second pair. `seed`:
    an int, None, or a Generator to draw the permutation from (`fit` passes its own).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"split: X has {len(X)} samples but y has {len(y)}; give one "
                         "target row per sample")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"split: fraction must be between 0 and 1, got {fraction!r}")
    n = len(X)
    k = max(1, int(round(n * fraction)))
    if k >= n:
        raise ValueError(f"split: {n} samples are too few to hold out {k}; lower fraction")
    perm = np.random.default_rng(seed).permutation(n)
    tr, va = perm[:n - k], perm[n - k:]
    return X[tr], y[tr], X[va], y[va]


def _column_index(spec: int | str, header: list[str] | None, ncols: int, path: str) -> int:
    if isinstance(spec, str):
        if header is None:
            raise ValueError(f"load_csv: {path}: target column {spec!r} is a name but the "
                             "file has no header row; give an int index or header=True")
        if spec not in header:
            raise ValueError(f"load_csv: {path}: no column named {spec!r}; the header has "
                             f"{', '.join(map(repr, header))}")
        return header.index(spec)
    if isinstance(spec, bool) or not isinstance(spec, (int, np.integer)):
        raise TypeError(f"load_csv: target columns must be ints or names, not "
                        f"{type(spec).__name__}")
    if not -ncols <= spec < ncols:
        raise ValueError(f"load_csv: {path}: target column {spec} is out of range for "
                         f"{ncols} columns (use 0..{ncols - 1} or negative from the end)")
    return int(spec) % ncols


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def load_csv(path: str | os.PathLike, target_columns: int | str | Sequence[int | str] = -1,
             delimiter: str = ",", header: bool | None = None,
             comment: str | None = "#", allow_nonfinite: bool = False) -> tuple[Array, Array]:
    """Read a numeric CSV file into `X` shape (n, n_features), `y` shape (n, n_targets).

    `target_columns`: an index, a header name, or a sequence of them (default: the
    last column). `header=None` detects a header row: a first row with no number in
    it (a first row mixing numbers and text is reported as a bad row). Blank lines and
    lines starting with `comment` (None: no comment lines) are skipped; cells may be
    quoted, and spaces around them are ignored; a UTF-8 byte-order mark is skipped.
    A bad row (a non-numeric cell, the wrong number of columns) raises `ValueError`
    naming the file, the line number (where the row starts) and the cell.

    `allow_nonfinite`: cells that parse to NaN or ±inf ("nan", "inf", "-Infinity",
    or a number too large for a float such as "1e400") raise `ValueError` naming the
    file, line and column by default: one such cell makes every loss and weight NaN
    from the first step. `allow_nonfinite=True` keeps them (e.g. to impute them
    yourself before training).
    """
    path = os.fspath(path)
    lines: list[tuple[int, list[str], int]] = []  # (first line, cells, last line)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter, skipinitialspace=True)
            try:  # a quoted cell may span lines: a row's number is its first line's
                for r in reader:
                    lines.append((lines[-1][2] + 1 if lines else 1, r, reader.line_num))
            except csv.Error as e:
                raise ValueError(f"load_csv: {path}, line {reader.line_num}: {e}") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"load_csv: no such file {path!r}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"load_csv: {path} is not UTF-8 text ({e}); save it as UTF-8 "
                         "(or a plain ASCII CSV)") from None
    rows = [(no, [c.strip() for c in r]) for no, r, _ in lines
            if r and any(c.strip() for c in r)
            and not (comment and r[0].lstrip().startswith(comment))]
    if not rows:
        raise ValueError(f"load_csv: {path} has no data rows")
    names: list[str] | None = None
    first = rows[0][1]
    if header is None:
        numeric = [_is_number(c) for c in first]
        if any(numeric) and not all(numeric):
            j = numeric.index(False)
            raise ValueError(f"load_csv: {path}, line {rows[0][0]}, column {j + 1}: "
                             f"{first[j]!r} is not a number; fix the cell, or pass "
                             "header=True if that line is a header row")
        header = not any(numeric)
    if header:
        names = first
        rows = rows[1:]
        if not rows:
            raise ValueError(f"load_csv: {path} has a header but no data rows")
    ncols = len(names) if names is not None else len(rows[0][1])
    data = np.empty((len(rows), ncols), dtype=np.float64)
    for i, (no, cells) in enumerate(rows):
        if len(cells) != ncols:
            raise ValueError(f"load_csv: {path}, line {no}: expected {ncols} columns, found "
                             f"{len(cells)}; fix or remove that row")
        for j, c in enumerate(cells):
            try:
                v = float(c)
            except ValueError:
                raise ValueError(f"load_csv: {path}, line {no}, column {j + 1}: {c!r} is "
                                 "not a number; fix the cell or remove that row") from None
            if not (allow_nonfinite or math.isfinite(v)):
                what = "NaN" if v != v else "infinite"
                raise ValueError(f"load_csv: {path}, line {no}, column {j + 1}: {c!r} is "
                                 f"{what}, not a finite number; fix the cell or remove that "
                                 "row, or pass allow_nonfinite=True to keep it")
            data[i, j] = v
    specs = [target_columns] if isinstance(target_columns, (int, str, np.integer)) \
        else list(target_columns)
    if not specs:
        raise ValueError("load_csv: target_columns is empty; name at least one column")
    targets = [_column_index(s, names, ncols, path) for s in specs]
    if len(set(targets)) != len(targets):
        raise ValueError(f"load_csv: target_columns {specs!r} name a column twice")
    feats = [j for j in range(ncols) if j not in targets]
    if not feats:
        raise ValueError(f"load_csv: {path}: every column is a target; leave at least one "
                         "feature column")
    return data[:, feats], data[:, targets]


#: The built-in data sets the command line knows by name (their sizes and noise fixed).
NAMED = ("xor", "and", "or", "moons", "circles", "spirals", "sine")


def by_name(spec: str, target_columns: str = "-1", seed: int = 0) -> tuple[Array, Array]:
    """A data set as the command line names it: one of `NAMED` (moons, circles and
    spirals: 200 points drawn with `seed`), or a CSV file whose
    target columns are `target_columns` (indices or header names, comma-separated).

    Returns `X` of shape (n, features) and `y` of shape (n, targets), both float64.
    """
    makers = {"xor": xor, "and": and_, "or": or_,
              "moons": lambda: two_moons(200, 0.1, seed),
              "circles": lambda: circles(200, 0.05, seed=seed),
              "spirals": lambda: spirals(200, 0.05, seed=seed),
              "sine": lambda: sine(50, 0.0)}
    if spec.lower() in makers:
        X, y = makers[spec.lower()]()
    else:
        cols: Any = [int(c) if c.lstrip("-").isdigit() else c for c in target_columns.split(",")]
        X, y = load_csv(spec, target_columns=cols[0] if len(cols) == 1 else cols)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(len(X), -1)
