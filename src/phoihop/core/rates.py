"""On-time counts shared by every module that has deadlines.

One formula everywhere (DOMAIN.md, the review of Regulation 194): an item due in the period is
done on time, done late, or still open past its deadline; the on-time rate is
done on time / (done on time + done late + open overdue), so what is left undone counts against.
Obligations, tasks, recommendations and critiques all report through this type, which is what
lets the dashboard put them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Compliance:
    """Counts of items by status; `due` is what should be done by now."""

    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue_open: int = 0
    upcoming: int = 0
    waived: int = 0
    on_time_rate: float | None = None

    @property
    def on_time_percent(self) -> int | None:
        return None if self.on_time_rate is None else round(self.on_time_rate * 100)

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> Compliance:
        on_time = counts.get("done_on_time") or 0
        late = counts.get("done_late") or 0
        overdue = counts.get("overdue_open") or 0
        due = on_time + late + overdue
        return cls(
            due=due,
            done_on_time=on_time,
            done_late=late,
            overdue_open=overdue,
            upcoming=counts.get("upcoming") or 0,
            waived=counts.get("waived") or 0,
            on_time_rate=(on_time / due) if due else None,
        )
