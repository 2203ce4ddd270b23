"""One rule for "better than noise" across the lessons: compare two nets seed by seed, against the spread
between seeds."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SeedComparison:
    """Net ``a`` minus net ``b`` on each seed, beside the spread between seeds: the most either net's own
    result moved from one seed to another. A difference decides only if every seed's is larger than that."""

    differences: dict[int, float]
    spread: float

    @property
    def decided(self) -> bool:
        """True when every seed's difference is larger than the spread between seeds (NaN never decides)."""
        return all(abs(d) > self.spread for d in self.differences.values())

    def describe(self, a: str, b: str, higher: str = "ended with a higher training error",
                 lower: str = "ended with a lower training error") -> str:
        """One sentence: on which side of ``b`` net ``a`` ended, by how much on each seed, and whether that is
        larger than the spread between seeds (``higher``/``lower`` say what a positive/negative difference means)."""
        shown = {s: round(d, 3) for s, d in self.differences.items()}  # as printed: +0.0002 reads 0.000
        diffs = ", ".join("0.000" if d == 0 else f"{d:+.3f}" for d in shown.values())
        seeds = "both seeds" if len(shown) == 2 else f"all {len(shown)} seeds"
        if not all(math.isfinite(d) for d in shown.values()):
            return f"a run diverged (NaN), so {a} and {b} cannot be compared"
        if all(d > 0 for d in shown.values()):
            side = f"{a} {higher} than {b} on {seeds} ({diffs})"
        elif all(d < 0 for d in shown.values()):
            side = f"{a} {lower} than {b} on {seeds} ({diffs})"
        elif all(d == 0 for d in shown.values()):
            side = f"{a} and {b} ended level at the digits shown on {seeds} ({diffs})"
        else:
            side = f"{a} and {b} did not differ in the same direction on every seed ({diffs})"
        if self.decided:
            return f"{side}; each difference is larger than the spread between seeds ({self.spread:.3f})"
        return (f"{side}; the spread between seeds ({self.spread:.3f}) is at least as large as one of the "
                f"differences, so this run does not tell {a} and {b} apart")


def compare_seeds(a: dict[int, float], b: dict[int, float]) -> SeedComparison:
    """Compare two nets' results ``{seed: value}`` (e.g. lesson 6's training error over the last steps) seed by seed."""
    if set(a) != set(b) or len(a) < 2:
        raise ValueError(f"compare the same seeds, at least 2, for both nets; got seeds {sorted(a)} and {sorted(b)}")
    spread = max(max(v.values()) - min(v.values()) for v in (a, b))
    return SeedComparison({s: a[s] - b[s] for s in sorted(a)}, spread)
