"""What the portal's outboxes share: rows a worker takes up (a file to render, a certificate
to issue, an AWS resource to provision), each attempt counted before its work starts."""

from collections.abc import Callable

from django.db import models


def attempt_started(
    row: models.Model,
    *,
    limit: int,
    work: str,
    cause: str,
    fail: Callable[[models.Model, str], object],
) -> bool:
    """Count one more attempt at `row`'s work and say whether it may start; once `limit`
    attempts have started, fail the row with why instead (`fail(row, reason)`).

    Call it holding `row`'s lock, save `attempts`, and commit before the work starts: a
    worker killed mid-work has then still counted its attempt, so work that kills every
    worker is failed, with its reason for staff, instead of handed out for ever.
    """
    if row.attempts >= limit:
        fail(
            row,
            f"{work} started {row.attempts} times without finishing: {cause}. "
            "See the worker logs, then retry.",
        )
        return False
    row.attempts += 1
    return True
