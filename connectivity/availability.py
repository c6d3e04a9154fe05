"""Rules that read other rows: Thredd's reserved ranges and other organisations' allocations.

`rules.py` judges one request on its own; this module adds what only the database knows.
Clients are told a subnet is not available, never whose it is (REFERENCE §2
`subnet_unavailable`). The approve service re-checks under lock, and the exclusion
constraints on `Allocation` are the final judge.
"""

from collections.abc import Iterable
from ipaddress import IPv4Network

from connectivity.findings import Finding, error
from connectivity.models import Allocation, ReservedRange


def reserved_ranges_overlapping(*, environment: str, network: IPv4Network) -> list[ReservedRange]:
    """Return Thredd's reserved ranges of `environment` that share an address with `network`."""
    return list(
        ReservedRange.objects.filter(
            settings__environment=environment, network__net_overlaps=network
        ).order_by("network")
    )


def allocations_overlapping(
    *, environment: str, network: IPv4Network, excluding_organisation_id: int | None
) -> list[Allocation]:
    """Return allocations of `environment` overlapping `network`, bar one organisation's own.

    An organisation's own allocations are excluded so that an amendment may keep the subnets
    its active revision already holds.
    """
    allocations = Allocation.objects.filter(
        environment=environment, network__net_overlaps=network
    ).select_related("organisation")
    if excluding_organisation_id is not None:
        allocations = allocations.exclude(organisation_id=excluding_organisation_id)
    return list(allocations.order_by("network"))


def availability_findings(
    subnets: Iterable[tuple[str, IPv4Network]],
    *,
    environment: str,
    organisation_id: int | None,
) -> list[Finding]:
    """Return subnet_reserved / subnet_unavailable findings for (field, network) pairs."""
    findings = []
    for field, network in subnets:
        for reserved in reserved_ranges_overlapping(environment=environment, network=network):
            findings.append(
                error(
                    "subnet_reserved",
                    field,
                    f"{network} overlaps {reserved.network}, which Thredd reserves for its own "
                    "use in this environment. Choose another range.",
                )
            )
        if allocations_overlapping(
            environment=environment, network=network, excluding_organisation_id=organisation_id
        ):
            findings.append(
                error(
                    "subnet_unavailable",
                    field,
                    f"{network} is not available: it overlaps a range already allocated in this "
                    "environment. Choose another range.",
                )
            )
    return findings
