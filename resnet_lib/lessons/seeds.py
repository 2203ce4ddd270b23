"""One rule for "better than noise" across the lessons: compare two nets seed by seed, against the spread
between seeds."""

from __future__ import annotations

import math
from dataclasses import dataclass

DIGITS = 3  # the decimals every comparison is printed with


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

    @property
    def side(self) -> str | None:
        """"higher" or "lower" when the rule decides (every seed's difference then has the same sign: two seeds'
        differences cannot lie on opposite sides of the spread), else None."""
        if not self.decided:
            return None
        return "higher" if next(iter(self.differences.values())) > 0 else "lower"

    def describe(self, a: str, b: str, higher: str = "ended with a higher training error",
                 lower: str = "ended with a lower training error") -> str:
        """One sentence: on which side of ``b`` net ``a`` ended, by how much on each seed, and whether that is
        larger than the spread between seeds (``higher``/``lower`` say what a positive/negative difference means)."""
        shown = {s: round(d, DIGITS) for s, d in self.differences.items()}  # as printed: +0.0002 reads 0.000
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
                f"differences, so these seeds do not tell {a} and {b} apart")

    def in_words(self, a: str) -> str:
        """The verdict in a few words for a table row: "``a`` higher" or "``a`` lower" only when every seed's
        difference has that sign and is larger than the spread between seeds; "seeds disagree" when the printed
        differences have both signs; otherwise "not told apart" (or "level", or "a run diverged")."""
        shown = [round(d, DIGITS) for d in self.differences.values()]  # as printed
        if not all(math.isfinite(d) for d in shown):
            return "a run diverged"
        if all(d == 0 for d in shown):
            return "level"
        if any(d > 0 for d in shown) and any(d < 0 for d in shown):
            return "seeds disagree"
        return "not told apart" if self.side is None else f"{a} {self.side}"


def compare_seeds(a: dict[int, float], b: dict[int, float]) -> SeedComparison:
    """Compare two nets' results ``{seed: value}`` (e.g. lesson 6's training error over the last steps) seed by seed,
    at the digits the lessons print (:data:`DIGITS`): a reader who subtracts two printed values gets the printed
    difference."""
    if set(a) != set(b) or len(a) < 2:
        raise ValueError(f"compare the same seeds, at least 2, for both nets; got seeds {sorted(a)} and {sorted(b)}")
    a, b = ({s: round(v, DIGITS) for s, v in values.items()} for values in (a, b))
    spread = max(max(v.values()) - min(v.values()) for v in (a, b))
    return SeedComparison({s: a[s] - b[s] for s in sorted(a)}, spread)


def seed_table(rows: dict[str, SeedComparison]) -> str:
    """One numbered line per comparison, labelled "A vs B" (a note may follow): A minus B on each seed, the spread
    between seeds and :meth:`SeedComparison.in_words`, which names A (the label's text before " vs ")."""
    seeds = sorted({s for c in rows.values() for s in c.differences})
    number = len(str(len(rows))) + 2
    width = max(len("A vs B"), *map(len, rows))
    lines = [" " * number + f"{'A vs B':<{width}}" + "A - B:" + "".join(f"{f'seed {s}':>8}" for s in seeds)
             + "  spread  verdict"]
    for k, (label, c) in enumerate(rows.items(), start=1):
        diffs = "".join("   0.000" if round(c.differences[s], DIGITS) == 0 else f"{c.differences[s]:>+8.3f}"
                        for s in seeds)
        verdict = c.in_words(label.split(" vs ")[0])
        lines.append(f"{k:<{number}}{label:<{width}}      {diffs}{c.spread:>8.3f}  {verdict}")
    return "\n".join(lines)
