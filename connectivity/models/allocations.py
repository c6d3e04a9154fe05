"""Subnets Thredd has confirmed as an organisation's, per environment."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.utils import timezone

from connectivity.choices import Environment
from connectivity.fields import IPv4NetworkField

from .organisations import Organisation
from .requests import ConnectivityRequest
from .sites import Subnet

__all__ = ["Allocation", "InsideAllocation", "SubnetConfirmation"]


def _no_overlap_in(environment: Environment) -> ExclusionConstraint:
    # One partial constraint per environment rather than `environment WITH =`: the equality
    # would need the btree_gist extension, which the embedded PostgreSQL does not ship.
    return ExclusionConstraint(
        name=f"allocation_no_overlap_{environment.value}",
        index_type="gist",
        expressions=[(OpClass("network", name="inet_ops"), "&&")],
        condition=models.Q(environment=environment),
        violation_error_message=(
            "This subnet overlaps a subnet already allocated in this environment."
        ),
    )


class Allocation(models.Model):
    """A subnet confirmed as one organisation's in one environment, when Thredd approves.

    Two allocations of one environment can never overlap: PostgreSQL's exclusion
    constraints are the final judge, so two approvals racing cannot both win.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="allocations"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    network = IPv4NetworkField()
    request = models.ForeignKey(
        ConnectivityRequest, on_delete=models.PROTECT, related_name="allocations"
    )
    subnet = models.ForeignKey(
        Subnet, on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["environment", "network"]
        constraints = [_no_overlap_in(environment) for environment in Environment]

    def __str__(self) -> str:
        return f"{self.network} ({self.get_environment_display()}, {self.organisation})"


class SubnetConfirmation(models.Model):
    """A Thredd engineer's word that one subnet, as it stands now, is free to allocate.

    It records the network confirmed: if the client changes the subnet afterwards, the
    confirmation no longer matches and approval asks for a new one.
    """

    subnet = models.OneToOneField(Subnet, on_delete=models.CASCADE, related_name="confirmation")
    network = IPv4NetworkField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.network} confirmed by {self.confirmed_by}"

    @property
    def is_current(self) -> bool:
        """Say whether the subnet is still what was confirmed."""
        return self.network == self.subnet.network


class InsideAllocation(models.Model):
    """A tunnel's inside /30 on Thredd's transit gateway, given at approval.

    AWS requires inside CIDRs unique among every VPN connection on one transit gateway
    (REFERENCE §5), and each environment has one: the unique constraint makes two tunnels
    of an environment with one /30 impossible.
    """

    tunnel = models.OneToOneField(
        "connectivity.Tunnel", on_delete=models.CASCADE, related_name="inside_allocation"
    )
    environment = models.CharField(max_length=16, choices=Environment.choices)
    network = IPv4NetworkField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "network"], name="inside_cidr_unique_per_transit_gateway"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network} ({self.environment})"
