"""Combining signed partial results and finishing them (docs/protocol.md section 5,
docs/privacy.md section 3.7, docs/query.md section 4), for receipt checks.

Counts, sums and bins add as exact integers; co-moments merge with the pairwise formula. The
finished values follow the documented formulas, computed exactly (fractions) and rounded once
to a double. Pure functions; thread-safe.
"""

from __future__ import annotations

import datetime
import math
from fractions import Fraction
from typing import Any, Dict, List, Optional

_KIND_FIELDS = {
    "count": ("count",), "nonnull": ("count",), "sum": ("sum",), "mean": ("n", "sum"),
    "variance": ("n", "sum", "sumsq"), "histogram": ("bins", "below", "above", "nulls"),
    "quantile": ("bins",), "comoments": ("n", "mean", "c"),
}


class CombineError(ValueError):
    """Partials that cannot be combined, or a value of the wrong shape."""


def check_partial_shape(result: Any, items: Optional[List[Any]]) -> None:
    """Checks a partial's result object: items, one cell per key, values per item kind."""
    if not isinstance(result, dict) or not {"items", "cells", "protection"} <= set(result):
        raise CombineError("a partial result needs items, cells and protection")
    if items is not None and result["items"] != items:
        raise CombineError("the partial's items differ from the others'")
    kinds = [item.get("kind") for item in result["items"]]
    if not isinstance(result["cells"], list) or not result["cells"]:
        raise CombineError("a partial result has no cells")
    for cell in result["cells"]:
        if not isinstance(cell, dict) or set(cell) != {"key", "values"} \
                or len(cell["values"]) != len(kinds):
            raise CombineError(f"a cell does not match the items: {str(cell)[:200]}")
        for kind, value in zip(kinds, cell["values"]):
            _check_value(kind, value)


def _check_value(kind: str, value: Any) -> None:
    if kind == "group":
        if value is not None:
            raise CombineError("a group item's value must be null")
    elif value == {"withheld": True}:
        return
    elif kind not in _KIND_FIELDS or not isinstance(value, dict) \
            or set(value) != set(_KIND_FIELDS[kind]):
        raise CombineError(f"a {kind} value has the wrong shape: {str(value)[:100]}")


def combine(partials: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Adds the partial results (in the given order) cell by cell; {"cells", "items"}."""
    first = partials[0]
    keys = [cell["key"] for cell in first["cells"]]
    for other in partials[1:]:
        if [cell["key"] for cell in other["cells"]] != keys:
            raise CombineError("the partials have different key sets")
    kinds = [item["kind"] for item in first["items"]]
    cells = []
    for index, key in enumerate(keys):
        values = [_add(kind, [p["cells"][index]["values"][i] for p in partials])
                  for i, kind in enumerate(kinds)]
        cells.append({"key": key, "values": values})
    return {"cells": cells, "items": first["items"]}


def _add(kind: str, values: List[Any]) -> Any:
    if kind == "group":
        return None
    if any(v == {"withheld": True} for v in values):
        return {"withheld": True}
    if kind == "comoments":
        total = values[0]
        for v in values[1:]:
            total = _merge_comoments(total, v)
        return total
    out: Dict[str, Any] = {}
    for name in _KIND_FIELDS[kind]:
        parts = [v[name] for v in values]
        if name == "bins":
            out[name] = [sum(column) for column in zip(*parts)]
        elif name in ("sum", "sumsq"):
            out[name] = str(sum(int(p) for p in parts))
        else:
            out[name] = sum(parts)
    return out


def _merge_comoments(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    n1, n2 = a["n"], b["n"]
    if n1 == 0:
        return b
    if n2 == 0:
        return a
    n = n1 + n2
    d = [m2 - m1 for m1, m2 in zip(a["mean"], b["mean"])]
    k = len(d)
    c = [a["c"][i] + b["c"][i] + d[i // k] * d[i % k] * n1 * n2 / n for i in range(k * k)]
    return {"n": n, "mean": [m + di * n2 / n for m, di in zip(a["mean"], d)], "c": c}


def finish(combination: Dict[str, Any], run_complete: bool) -> Dict[str, Any]:
    """The result table (docs/query.md section 5) finished from a combination."""
    items = combination["items"]
    columns = []
    for item in items:
        if item["kind"] == "group":
            columns.append({"name": item["name"], "role": "group"})
        else:
            columns.append({"function": item["function"], "name": item["name"],
                            "role": "aggregate"})
    rows = []
    for cell in combination["cells"]:
        values = [(item, v) for item, v in zip(items, cell["values"]) if item["kind"] != "group"]
        rows.append({"key": cell["key"],
                     "values": [None if v == {"withheld": True} else finish_value(item, v)
                                for item, v in values],
                     "withheld": [v == {"withheld": True} for _, v in values]})
    return {"columns": columns, "rows": rows}


def finish_value(item: Dict[str, Any], value: Dict[str, Any]) -> Any:
    """One released value, finished (clamped) and in real units."""
    kind, function = item["kind"], item["function"]
    field = item["fields"][0] if item.get("fields") else {"type": "integer", "scale": 0}
    bounds = item.get("bounds")
    if kind in ("count", "nonnull"):
        return max(value["count"], 0)
    if kind == "sum":
        return _finish_sum(int(value["sum"]), field, bounds)
    if kind == "mean":
        return _finish_mean(value, field, bounds)
    if kind == "variance":
        variance = _finish_variance(value, field, bounds)
        if variance is None or function != "stddev":
            return None if variance is None else float(variance)
        return math.sqrt(variance)
    if kind == "histogram":
        return {"lo": _in_type(item["lo"], field), "hi": _in_type(item["hi"], field),
                "bins": [max(b, 0) for b in value["bins"]],
                "below": max(value["below"], 0), "above": max(value["above"], 0)}
    if kind == "quantile":
        return _finish_quantile(item, value, field)
    if kind == "comoments":
        return _finish_comoments(item, value, function)
    raise CombineError(f"cannot finish a {kind} value")


def _finish_sum(total: int, field: Dict[str, Any], bounds: Optional[List[int]]) -> Any:
    if bounds and bounds[0] >= 0:
        total = max(total, 0)
    if bounds and bounds[1] <= 0:
        total = min(total, 0)
    if field["type"] == "decimal":
        return _decimal_text(total, field["scale"])
    return total if -2**63 <= total < 2**63 else str(total)


def _centre(bounds: Optional[List[int]]) -> int:
    return (bounds[0] + bounds[1]) // 2 if bounds else 0


def _finish_mean(value: Dict[str, Any], field: Dict[str, Any],
                 bounds: Optional[List[int]]) -> Optional[float]:
    n = value["n"]
    if n < 1:
        return None
    mean = _centre(bounds) + Fraction(int(value["sum"]), n)
    if bounds:
        mean = min(max(mean, Fraction(bounds[0])), Fraction(bounds[1]))
    return float(mean / 10 ** field["scale"])


def _finish_variance(value: Dict[str, Any], field: Dict[str, Any],
                     bounds: Optional[List[int]]) -> Optional[Fraction]:
    n = value["n"]
    if n < 2:
        return None
    s, ss = int(value["sum"]), int(value["sumsq"])
    variance = (ss - Fraction(s * s, n)) / (n - 1)
    if bounds:
        top = Fraction((bounds[1] - bounds[0]) ** 2, 4) * Fraction(n, n - 1)
        variance = min(max(variance, Fraction(0)), top)
    return variance / 10 ** (2 * field["scale"])


def _finish_quantile(item: Dict[str, Any], value: Dict[str, Any], field: Dict[str, Any]) -> Any:
    bins = [max(b, 0) for b in value["bins"]]
    total = sum(bins)
    if total == 0:
        return None
    rank = math.floor(Fraction(str(item["q"])) * (total - 1))
    width = (item["hi"] - item["lo"]) // item["bins"]
    seen = 0
    for index, count in enumerate(bins):
        seen += count
        if seen > rank:
            lo = item["lo"] + index * width
            hi = lo + width - 1
            estimate = Fraction(lo + hi, 2)
            if field["type"] == "date":
                estimate = Fraction(math.floor(estimate))
            return {"estimate": float(estimate / 10 ** field["scale"]),
                    "lo": _in_type(lo, field), "hi": _in_type(hi, field)}
    raise CombineError("quantile rank beyond the bins")


def _finish_comoments(item: Dict[str, Any], value: Dict[str, Any], function: str) -> Any:
    n, mean, c = value["n"], value["mean"], value["c"]
    k = len(mean)
    if function == "corr":
        denominator = math.sqrt(c[0] * c[3]) if n >= 2 else 0.0
        return c[1] / denominator if denominator > 0 else None
    # regression: the matrix is over the predictors, then y (the item's fields are y, then
    # the predictors).
    y, xs = k - 1, list(range(k - 1))
    if n <= len(xs) + 1:
        return None
    a = [[c[i * k + j] for j in xs] for i in xs]
    b = [c[i * k + y] for i in xs]
    coefficients = _solve(a, b)
    if coefficients is None or c[y * k + y] <= 0:
        return None
    explained = sum(bi * ci for bi, ci in zip(coefficients, b))
    names = [f["name"] for f in item["fields"]][1:]
    return {"intercept": mean[y] - sum(bi * mean[i] for bi, i in zip(coefficients, xs)),
            "coefficients": dict(zip(names, coefficients)),
            "r_squared": explained / c[y * k + y], "n": n}


def _solve(a: List[List[float]], b: List[float]) -> Optional[List[float]]:
    """Gaussian elimination with partial pivoting; None when singular."""
    size = len(b)
    m = [row[:] + [rhs] for row, rhs in zip(a, b)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12 * max(1.0, max(abs(x) for x in m[pivot][:size])):
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(size):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][size] / m[i][i] for i in range(size)]


def _decimal_text(units: int, scale: int) -> str:
    if scale == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"


def _in_type(units: int, field: Dict[str, Any]) -> Any:
    """A value in storage units written in the field's type (integer, decimal text, date)."""
    if field["type"] == "decimal":
        return _decimal_text(units, field["scale"])
    if field["type"] == "date":
        return (datetime.date(1970, 1, 1) + datetime.timedelta(days=units)).isoformat()
    return units
