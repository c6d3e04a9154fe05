"""Summaries of repeated measurements: median and spread, never a single run."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


def percentile(values: Iterable[float], fraction: float) -> float:
    """Return the `fraction` (0-1) percentile of `values`, interpolating between neighbours."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("No values to take a percentile of.")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Summary:
    """The median of `n` samples and their 5th-95th percentile spread."""

    median: float
    p5: float
    p95: float
    n: int

    @classmethod
    def of(cls, samples: Iterable[float]) -> "Summary":
        """Summarise `samples` (at least one)."""
        values = list(samples)
        return cls(
            median=statistics.median(values),
            p5=percentile(values, 0.05),
            p95=percentile(values, 0.95),
            n=len(values),
        )

    def text(self, unit: str = "", digits: int = 2) -> str:
        """Say the median and the spread, e.g. `0.41 ms (p5-p95 0.35-0.60, n=300)`."""
        return (
            f"{self.median:.{digits}f}{unit} "
            f"(p5-p95 {self.p5:.{digits}f}-{self.p95:.{digits}f}, n={self.n})"
        )
