"""Compare two revisions of a request: what an amendment changes against the active one.

Staff review an amendment side by side with the revision it will supersede. Sites are
matched by name, VPNs and attachments by position, subnets and contacts as sets; the result
lists only what differs, in the order a reviewer reads a request.
"""

from dataclasses import dataclass
from itertools import zip_longest

from connectivity.catalogue import device_name
from connectivity.choices import ContactRole, Routing, SubnetPurpose, choice_label, services_label
from connectivity.document import RequestDocument, Site


@dataclass(frozen=True)
class Change:
    """One difference: where it is, what it was and what it becomes ("" when absent)."""

    where: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        """Say whether the thing was added, removed or changed."""
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"


def document_changes(before: RequestDocument, after: RequestDocument) -> list[Change]:
    """Return every difference between two revisions of one request."""
    changes = _compare("Services", services_label(before.services), services_label(after.services))
    changes += _compare_sets(
        "Contact", {_contact(c) for c in before.contacts}, {_contact(c) for c in after.contacts}
    )
    old_sites = {(site.name or "").casefold(): site for site in before.sites}
    new_sites = {(site.name or "").casefold(): site for site in after.sites}
    for key in [*old_sites, *(key for key in new_sites if key not in old_sites)]:
        old, new = old_sites.get(key), new_sites.get(key)
        if old is None or new is None:
            changes += _compare("Site", _site_summary(old), _site_summary(new))
        else:
            changes += _site_changes(old, new)
    if before.mtls or after.mtls:
        old_url = before.mtls.ehi_endpoint_url if before.mtls else None
        new_url = after.mtls.ehi_endpoint_url if after.mtls else None
        changes += _compare("mTLS EHI endpoint", old_url or "", new_url or "")
        old_csr = before.mtls.csr_pem if before.mtls else None
        new_csr = after.mtls.csr_pem if after.mtls else None
        if old_csr != new_csr:
            changes.append(Change("mTLS certificate request", "previous CSR", "new CSR"))
    return changes


def _site_changes(old: Site, new: Site) -> list[Change]:
    where = f"Site {new.name}"
    changes = _compare(f"{where}: routing", _routing(old), _routing(new))
    for index, (old_vpn, new_vpn) in enumerate(zip_longest(old.vpns, new.vpns), start=1):
        label = f"{where}: VPN {index}"
        if old_vpn is None or new_vpn is None:
            changes += _compare(label, _vpn_summary(old_vpn), _vpn_summary(new_vpn))
            continue
        changes += _compare(f"{label} peer IP", old_vpn.peer_ip or "", new_vpn.peer_ip or "")
        changes += _compare(
            f"{label} services", services_label(old_vpn.services), services_label(new_vpn.services)
        )
        changes += _compare(f"{label} device", _device(old_vpn), _device(new_vpn))
        changes += _compare(
            f"{label} IKE version", f"IKEv{old_vpn.ike_version}", f"IKEv{new_vpn.ike_version}"
        )
    for index, (old_one, new_one) in enumerate(
        zip_longest(old.attachments, new.attachments), start=1
    ):
        changes += _compare(
            f"{where}: attachment {index} services",
            services_label(old_one.services) if old_one else "",
            services_label(new_one.services) if new_one else "",
        )
    changes += _compare(f"{where}: transit gateway", _tgw(old), _tgw(new))
    changes += _compare_sets(
        f"{where}: subnet",
        {_subnet(subnet) for subnet in old.subnets},
        {_subnet(subnet) for subnet in new.subnets},
    )
    return changes


def _compare(where: str, before: str, after: str) -> list[Change]:
    return [] if before == after else [Change(where, before, after)]


def _compare_sets(where: str, before: set[str], after: set[str]) -> list[Change]:
    return [Change(where, value, "") for value in sorted(before - after)] + [
        Change(where, "", value) for value in sorted(after - before)
    ]


def _contact(contact) -> str:
    role = choice_label(ContactRole, contact.role, missing="role not chosen")
    return f"{contact.name or ''} <{contact.email}> ({role})".strip()


def _subnet(subnet) -> str:
    return f"{subnet.cidr} ({choice_label(SubnetPurpose, subnet.purpose)})"


def _routing(site: Site) -> str:
    if site.routing == Routing.BGP and site.bgp is not None:
        return f"BGP (ASN {site.bgp.asn})"
    return choice_label(Routing, site.routing, missing="")


def _device(vpn) -> str:
    device = vpn.device
    if device is None:
        return ""
    named = device_name(device.vendor, device.platform)
    return " ".join(part for part in (named, device.software) if part)


def _tgw(site: Site) -> str:
    if site.tgw is None:
        return ""
    return " / ".join(
        part or "" for part in (site.tgw.tgw_id, site.tgw.aws_account_id, site.tgw.region)
    )


def _vpn_summary(vpn) -> str:
    if vpn is None:
        return ""
    return f"peer {vpn.peer_ip}, {_device(vpn)}, carries {services_label(vpn.services)}"


def _site_summary(site: Site | None) -> str:
    if site is None:
        return ""
    subnets = ", ".join(subnet.cidr or "" for subnet in site.subnets)
    return f"{site.name}: {_routing(site)}, subnets {subnets}"
