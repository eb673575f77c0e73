"""Figures, the comparison with their goal, and the printed table."""
from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field


@dataclass
class Figure:
    key: str                      # stable JSON key (tests check every key is present)
    figure: str                   # what is measured
    value: float | None           # CaseOS's figure
    unit: str
    goal: str                     # human form of the goal
    baseline: str = "-"           # what ran alongside ("-": the goal is absolute)
    baseline_value: float | None = None
    ratio: float | None = None    # value / baseline_value (throughput) - the comparison asked for
    met: bool | None = None       # None: not measurable
    goal_ratio: float | None = None  # how far from the goal: >= 1 means met
    notes: str = ""
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def throughput_vs(key, figure, value, unit, baseline, baseline_value, min_ratio, notes="", details=None) -> Figure:
    """A throughput figure that must reach min_ratio x the baseline's."""
    ratio = value / baseline_value if value and baseline_value else None
    met = ratio is not None and ratio >= min_ratio
    return Figure(key, figure, value, unit, f">= {min_ratio:g}x baseline", baseline, baseline_value, ratio, met,
                  (ratio / min_ratio) if ratio is not None else None, notes, details or {})


def speedup_vs(key, figure, value, unit, baseline, baseline_value, min_speedup, notes="", details=None) -> Figure:
    """A throughput figure that must be min_speedup x faster than the baseline."""
    ratio = value / baseline_value if value and baseline_value else None
    met = ratio is not None and ratio >= min_speedup
    return Figure(key, figure, value, unit, f">= {min_speedup:g}x faster than baseline", baseline, baseline_value,
                  ratio, met, (ratio / min_speedup) if ratio is not None else None, notes, details or {})


def at_least(key, figure, value, unit, limit, baseline="-", baseline_value=None, notes="", details=None) -> Figure:
    """A throughput figure that must reach an absolute floor (the baseline is shown beside it)."""
    met = value is not None and value >= limit
    ratio = value / baseline_value if value and baseline_value else None
    return Figure(key, figure, value, unit, f">= {limit:g} {unit}", baseline, baseline_value, ratio, met,
                  (value / limit) if value is not None else None, notes, details or {})


def under(key, figure, value, unit, limit, baseline="-", baseline_value=None, notes="", details=None) -> Figure:
    """A latency/size figure that must stay under limit."""
    met = value is not None and value < limit
    ratio = (value / baseline_value) if (value is not None and baseline_value) else None
    return Figure(key, figure, value, unit, f"< {limit:g} {unit}", baseline, baseline_value, ratio, met,
                  (limit / value) if value else None, notes, details or {})


def reference(key, figure, value, unit, baseline, baseline_value, notes="", details=None) -> Figure:
    """A comparison the issue asks to show without a goal of its own."""
    ratio = value / baseline_value if value and baseline_value else None
    return Figure(key, figure, value, unit, "reference (no goal)", baseline, baseline_value, ratio, None, None,
                  notes, details or {})


def not_measurable(key, figure, unit, goal, why) -> Figure:
    return Figure(key, figure, None, unit, goal, notes=why)


def percentile(values, p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of a list; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def summary_ms(values_s) -> dict:
    """p50/p95/p99/max in milliseconds of a list of seconds."""
    ms = [v * 1000 for v in values_s]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2),
            "p99": round(percentile(ms, 99), 2), "max": round(max(ms), 2), "mean": round(statistics.fmean(ms), 2)}


def _fmt(v, unit="") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        s = f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    else:
        s = str(v)
    return f"{s} {unit}".strip()


def rows(figures: list[Figure]) -> list[list[str]]:
    out = []
    for f in figures:
        if f.met is None:
            status = "reference" if f.goal.startswith("reference") else "NOT MEASURABLE"
        else:
            status = "MET" if f.met else "MISSED"
        base = "-" if f.baseline == "-" else f"{f.baseline}: {_fmt(f.baseline_value, f.unit)}"
        ratio = "-" if f.ratio is None else f"{f.ratio:.2f}x"
        out.append([f.figure, _fmt(f.value, f.unit), base, ratio, f.goal, status])
    return out


HEADER = ["figure", "CaseOS", "baseline (same run)", "ratio", "goal", "result"]


def table(figures: list[Figure]) -> str:
    """Plain-text table for the terminal."""
    data = [HEADER] + rows(figures)
    widths = [min(60, max(len(r[i]) for r in data)) for i in range(len(HEADER))]
    lines = []
    for n, r in enumerate(data):
        cells = [(c if len(c) <= widths[i] else c[: widths[i] - 1] + "~").ljust(widths[i]) for i, c in enumerate(r)]
        lines.append(" | ".join(cells))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    data = rows(figures)
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in data:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)
