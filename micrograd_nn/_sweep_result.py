"""What a sweep found: `SweepResult` (re-exported by [`micrograd_nn.sweep`][])."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _sweep_run as _run

def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return "-".join(_show(x) for x in v) or "[]"
    if isinstance(v, float):
        return f"{v:g}"
    return "-" if v is None else str(v)


def _mean_std(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "-"  # no finished trial
    if math.isinf(mean):
        return "inf (diverged)"
    return f"{mean:.4g} ± {std:.2g}"


def _spread(values: list[float]) -> tuple[float, float, float]:
    """(mean, std, min) of one configuration's errors over its repeats. A NaN/inf error
    (a run that diverged) counts as inf, so such a configuration ranks below every
    finite one; std is the sample std (ddof=1), 0 for one repeat, NaN for none."""
    if not values:
        return math.nan, math.nan, math.nan
    v = np.array([x if math.isfinite(x) else math.inf for x in values])
    if not np.isfinite(v).all():
        return math.inf, math.nan, float(v.min())
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, float(v.min())


@dataclass
class SweepResult:
    """What [`sweep`][micrograd_nn.sweep.sweep] found.

    `trials`: one dict per trial, in plan order: `trial` (its index), `config`
    (its configuration's index), `repeat` (0 .. repeats-1), `seed` (of its
    weights and shuffles), `params` (the swept names -> this trial's values),
    `status` ("ok"; "failed": the trial raised, `error` says what; "lost": the
    executor lost it, e.g. a worker died past its retries; it runs again on resume),
    `final_error` (the training error of the weights `fit` returned: the last
    epoch's, or the restored best epoch's; NaN/inf if it diverged), `val_error` (the
    same on the validation data, None without any), `epochs_run`, `stop_reason`
    (`History.stop_reason`), `diagnosis` (the main finding's kind of
    [`diagnose`][micrograd_nn.diagnose.diagnose]: "converged", "stalled", ...),
    `seconds` (the trial's wall time where it ran), `error` ("" unless it failed),
    `key` (the trial's identity in a results file: a hash of its parameters, repeat
    and seed) and `sweep_id` (the sweep's: a hash of the space, the fixed settings,
    the search, the seed and the data).

    `names`: the swept names; `fixed`: the settings common to all trials.
    """

    trials: list[dict[str, Any]]
    names: list[str]
    fixed: dict[str, Any] = field(default_factory=dict)
    sweep_id: str = ""

    def table(self, by: str = "error") -> list[dict[str, Any]]:
        """One row per configuration, best first: its parameters, then `mean_error`,
        `std_error` (sample std over the repeats), `min_error`, with validation data
        `mean_val_error`/`std_val_error`, `mean_epochs`, `ok` and `failed`
        (trials; "lost" ones count as failed) and `diagnoses` ("converged:4
        stalled:1"). `by`: "error" ranks by the mean final training error,
        "val_error" by the validation error's. Configurations with no finished trial
        come last."""
        if by not in ("error", "val_error"):
            raise ValueError(f"table: by must be 'error' or 'val_error', got {by!r}")
        has_val = any(t["val_error"] is not None for t in self.trials)
        if by == "val_error" and not has_val:
            raise ValueError("table: by='val_error' needs validation data (sweep's "
                             "validation_data or a validation_split)")
        groups: dict[int, list[dict[str, Any]]] = {}
        for t in self.trials:
            groups.setdefault(t["config"], []).append(t)
        rows = []
        for c, ts in groups.items():
            ok = [t for t in ts if t["status"] == "ok"]
            row: dict[str, Any] = dict(ts[0]["params"])
            row["mean_error"], row["std_error"], row["min_error"] = _spread(
                [t["final_error"] for t in ok])
            if has_val:
                row["mean_val_error"], row["std_val_error"], _ = _spread(
                    [t["val_error"] for t in ok if t["val_error"] is not None])
            row["mean_epochs"] = float(np.mean([t["epochs_run"] for t in ok])) if ok else 0.0
            row["ok"], row["failed"] = len(ok), len(ts) - len(ok)
            kinds = Counter(t["diagnosis"] for t in ok if t["diagnosis"])
            row["diagnoses"] = " ".join(f"{k}:{n}" for k, n in kinds.most_common())
            rows.append((c, row))
        col = "mean_error" if by == "error" else "mean_val_error"
        rows.sort(key=lambda cr: (math.isnan(cr[1][col]), cr[1][col], cr[0]))
        return [r for _, r in rows]

    @property
    def best(self) -> dict[str, Any] | None:
        """The parameters of the configuration with the lowest mean final error over
        its repeats (None if no trial finished)."""
        rows = self.table()
        if not rows or math.isnan(rows[0]["mean_error"]):
            return None
        return {n: rows[0][n] for n in self.names}

    def groups(self, by: list[str], metric: str = "error",
               where: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The finished trials pooled by the values of the names `by` (over every
        other parameter, or only the trials whose parameters match `where`): rows
        `{name: value, ..., "mean", "std", "n"}` in first-seen order; for plots."""
        for n in [*by, *(where or {})]:
            if n not in self.names:
                raise ValueError(f"{n!r} is not a swept name; the sweep varied "
                                 f"{', '.join(self.names) or 'nothing'}")
        field_ = {"error": "final_error", "val_error": "val_error"}[metric]
        pooled: dict[str, tuple[dict[str, Any], list[float]]] = {}
        for t in self.trials:
            p = t["params"]
            if t["status"] != "ok" or t[field_] is None or any(
                    p[k] != v for k, v in (where or {}).items()):
                continue
            head = {n: p[n] for n in by}
            pooled.setdefault(json.dumps(head), (head, []))[1].append(t[field_])
        out = []
        for head, vals in pooled.values():
            mean, std, _ = _spread(vals)
            out.append({**head, "mean": mean, "std": std, "n": len(vals)})
        return out

    def format_table(self, top: int | None = 10, by: str = "error") -> str:
        """The table as aligned text (the `top` best configurations)."""
        rows = self.table(by)[:top]
        val = bool(rows) and "mean_val_error" in rows[0]
        head = [*self.names, "error (mean ± std)"] + (["val error"] if val else []) + \
            ["epochs", "ok", "diagnoses"]
        lines = [head]
        for r in rows:
            cells = [_show(r[n]) for n in self.names]
            cells.append(_mean_std(r["mean_error"], r["std_error"]))
            if val:
                cells.append(_mean_std(r["mean_val_error"], r["std_val_error"]))
            cells += [f"{r['mean_epochs']:.0f}", f"{r['ok']}/{r['ok'] + r['failed']}",
                      r["diagnoses"] or "-"]
            lines.append(cells)
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
                         .rstrip() for line in lines)

    def __str__(self) -> str:
        return self.format_table()

    def to_csv(self, path: str | Path, table: bool = False) -> Path:
        """Write the trials (one line each, as `out=` does) or, with `table=True`,
        `table`; lists and bools are written as JSON. Returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if table:
            rows = self.table()
            with open(path, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                cols = list(rows[0]) if rows else [*self.names, "mean_error"]
                w.writerow(cols)
                for r in rows:
                    w.writerow([_run._cell(r[c]) if c in self.names else r[c] for c in cols])
            return path
        rec = _run.RecordFile(path, self.names, as_csv=True)
        rec.start(fresh=True)
        for t in self.trials:
            rec.append(t)
        return path
