"""The question page of one site: its name and routing, its VPNs or attachments, its subnets."""

from dataclasses import replace

from django import forms
from django.urls import reverse

from connectivity import document, rules
from connectivity.catalogue import CATALOGUE, find_platform, platforms, vendors
from connectivity.choices import (
    ConnectionType,
    Environment,
    IkeVersion,
    Routing,
    Service,
    SubnetPurpose,
    services_label,
)
from connectivity.constants import AWS_REGIONS, MAX_SUBNETS_PER_SITE
from connectivity.findings import Severity
from connectivity.models import ConnectivityRequest, Site
from connectivity.selectors.availability import availability_findings, free_range_advice
from connectivity.selectors.findings import site_findings
from connectivity.selectors.requests import request_answers, request_to_document
from connectivity.services import drafts
from connectivity.validators import parse_ipv4_network

from .base import (
    AnswerForm,
    Binding,
    QuestionPage,
    bound_rows,
    initial_rows,
    posted_again,
    posted_index,
    text,
)

VPN = "vpn"
SUBNET = "subnet"

# The answers of a site copied from UAT that usually differ in production, highlighted for
# the client to check: the device's addresses, the subnets, the client's Transit Gateway.
TO_CHECK_FOR_PRODUCTION = frozenset({"peer_ip", "private_ip", "cidr", "tgw_id", "aws_account_id"})
# Answers a site cannot be stored without: a wrong one is kept as typed and the stored one
# stays (`SitePage.keep_as_typed`); any other wrong answer is left empty.
STORED_WHEN_WRONG = frozenset({"name", "services"})


def carrier_noun(connection_type: str) -> str:
    """Return what a site's connections to Thredd are called: VPN or attachment."""
    return "VPN" if connection_type == ConnectionType.IPSEC_VPN else "attachment"


def platform_choices(vendor: str | None) -> list:
    """Return the platform options for `vendor`; all vendors' platforms, grouped, without one.

    The grouped list is what a browser without JavaScript shows; with htmx, choosing a
    vendor swaps in only that vendor's platforms.
    """
    offered = platforms(vendor) if vendor else ()
    if offered:
        return [("", "Choose a platform"), *((item.key, item.label) for item in offered)]
    groups = {}
    for item in CATALOGUE:
        groups.setdefault(item.vendor_label, []).append((item.key, item.label))
    return [("", "Choose a platform"), *groups.items()]


def software_suggestions(vendor: str | None, platform: str | None) -> list[str]:
    """Return the software versions the catalogue offers for the chosen platform; with none
    chosen, those of the vendor's platforms (or of every vendor's, with no vendor either)."""
    chosen = find_platform(vendor or "", platform or "")
    offered = (chosen,) if chosen else platforms(vendor) if vendor else CATALOGUE
    return sorted({version for item in offered for version in item.software})


class PlatformSelect(forms.Select):
    """The device platform select, each option carrying its software versions.

    `data-software` ("|" between versions) lets static/js/software-versions.js offer only the
    chosen platform's versions as soon as it is chosen; without JavaScript the page offers
    those of the platform saved (software_suggestions).
    """

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        offered = next((item for item in CATALOGUE if item.key == value), None)
        if offered is not None:
            option["attrs"]["data-software"] = "|".join(offered.software)
        return option


class SiteForm(AnswerForm):
    """The site's name, routing (static or BGP) and, for AWS, its Transit Gateway."""

    always_checked = frozenset({"name"})
    preset_fields = frozenset({"routing"})
    anchor = "site-details"

    name = forms.CharField(
        label="Site name",
        required=False,
        help_text="Such as London DC1. Letters, digits, spaces and - _ . ( )",
    )
    routing = forms.ChoiceField(
        label="Routing",
        choices=Routing.choices,
        required=False,
        initial=Routing.STATIC,
        widget=forms.RadioSelect(attrs={"data-reveal-control": "bgp-details"}),
        help_text="Thredd uses static routing. Choose BGP only if static routing will not do: "
        "Thredd agrees to it by exception.",
    )
    bgp_asn = forms.IntegerField(
        label="Your BGP ASN",
        required=False,
        help_text="Only for BGP. Such as 65010.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"invalid": "Enter your BGP ASN as a whole number, such as 65010."},
    )
    bgp_justification = forms.CharField(
        label="Why does this site need BGP?",
        required=False,
        help_text="Only for BGP. Thredd reviews your reason before agreeing.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tgw_id = forms.CharField(
        label="Transit Gateway ID",
        required=False,
        help_text="Such as tgw-0123456789abcdef0.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    aws_account_id = forms.CharField(
        label="AWS account ID",
        required=False,
        help_text="The 12 digits of the account that owns the Transit Gateway.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    aws_region = forms.CharField(
        label="AWS region",
        required=False,
        widget=forms.Select(
            choices=[("", "Choose a region"), *((code, code) for code in sorted(AWS_REGIONS))]
        ),
    )

    def __init__(self, *args, connection_type: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if connection_type == ConnectionType.AWS_TGW:
            # seed: "Thredd only supports static routing for AWS Transit Gateway attachments."
            for name in ("routing", "bgp_asn", "bgp_justification"):
                del self.fields[name]
        else:
            for name in ("tgw_id", "aws_account_id", "aws_region"):
                del self.fields[name]


class CarrierForm(AnswerForm):
    """One VPN (peer IP, device, IKE version) or one Transit Gateway attachment of a site.

    In production the services of each are fixed by the seed's split, so the field is left
    out; in UAT the client chooses them.
    """

    always_checked = frozenset({"services"})
    preset_fields = frozenset({"services", "ike_version"})

    services = forms.MultipleChoiceField(
        label="Services it carries",
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    peer_ip = forms.CharField(
        label="Public peer IP address",
        required=False,
        help_text="The public IPv4 address of your VPN device, such as 81.2.69.160.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "inputmode": "decimal"}),
    )
    private_ip = forms.CharField(
        label="Device's own address behind NAT (optional)",
        required=False,
        help_text="Only if the device sits behind 1:1 NAT, as a cloud VM does: its private "
        "IPv4 address, such as 10.0.1.15. Leave empty if it owns its public address.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "inputmode": "decimal"}),
    )
    device_vendor = forms.CharField(label="Device vendor", required=False)
    device_platform = forms.CharField(label="Device platform", required=False)
    device_software = forms.CharField(
        label="Software version",
        required=False,
        help_text="Choose from the list or type your version, such as 9.16.",
    )
    ike_version = forms.TypedChoiceField(
        label="IKE version",
        choices=[(IkeVersion.IKEV2, "IKEv2 (recommended)"), (IkeVersion.IKEV1, "IKEv1")],
        coerce=int,
        empty_value=None,
        required=False,
        initial=IkeVersion.IKEV2,
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args, connection_type: str, environment: str, request_services, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        if environment == Environment.PRODUCTION:
            del self.fields["services"]
        else:
            self.fields["services"].choices = [
                (value, label) for value, label in Service.choices if value in request_services
            ]
        if connection_type != ConnectionType.IPSEC_VPN:
            for name in (
                "peer_ip",
                "private_ip",
                "device_vendor",
                "device_platform",
                "device_software",
            ):
                del self.fields[name]
            del self.fields["ike_version"]
            return
        vendor = text(self["device_vendor"].value())
        self.fields["device_vendor"].widget = forms.Select(
            choices=[("", "Choose a vendor"), *vendors()],
            attrs={
                "hx-get": reverse("device-platforms"),
                "hx-trigger": "change",
                "hx-target": f"#{self['device_platform'].auto_id}",
                "hx-swap": "outerHTML",
            },
        )
        self.fields["device_platform"].widget = PlatformSelect(choices=platform_choices(vendor))
        self.software_list_id = f"{self['device_software'].auto_id}-versions"
        self.software_suggestions = software_suggestions(
            vendor, text(self["device_platform"].value())
        )
        self.fields["device_software"].widget = forms.TextInput(
            attrs={"list": self.software_list_id, "spellcheck": "false"}
        )

    def answer(self, services_fixed) -> document.Vpn | document.Attachment:
        """Return the VPN or attachment as the request document holds it."""
        data = self.cleaned_data
        carried = tuple(services_fixed or data.get("services") or ())
        if "peer_ip" not in self.fields:
            return document.Attachment(services=carried)
        device = document.Device(
            vendor=text(data["device_vendor"]),
            platform=text(data["device_platform"]),
            software=text(data["device_software"]),
        )
        return document.Vpn(
            services=carried,
            peer_ip=text(data["peer_ip"]),
            private_ip=text(data["private_ip"]),
            device=device if any((device.vendor, device.platform, device.software)) else None,
            ike_version=data["ike_version"],
        )


class SubnetForm(AnswerForm):
    """One client subnet of a site and the service it is for."""

    checked_when_answered = frozenset({"cidr", "purpose"})

    cidr = forms.CharField(
        label="Subnet",
        required=False,
        help_text="An IPv4 network with its prefix length, such as 10.20.30.0/24.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    purpose = forms.ChoiceField(
        label="Used for",
        choices=[("", "Choose a service"), *SubnetPurpose.choices],
        required=False,
    )


def availability_answer(*, draft: ConnectivityRequest, cidr: str | None) -> tuple[bool, str]:
    """Say whether `cidr` is free for the draft's organisation: (available, words to show).

    Never says whose a range is (REFERENCE §2 `subnet_unavailable`); a taken range comes
    with the nearest free one of its size.
    """
    errors = [f for f in rules.check_subnet(cidr, "cidr") if f.severity == Severity.ERROR]
    if errors:
        return False, errors[0].message
    network = parse_ipv4_network(cidr)
    taken = availability_findings(
        [("cidr", network)],
        environment=draft.environment,
        organisation_id=draft.organisation_id,
        request=draft,
    )
    if taken:
        advice = free_range_advice(request=draft, network=network)
        return False, f"Not available: {network} cannot be used. Choose another range. {advice}"
    return True, f"Available: {network} is free to use."


class SitePage(QuestionPage):
    """The task of one site, judged by `rules.validate_site` as the JSON validator judges it."""

    def __init__(self, *, draft: ConnectivityRequest, site: Site, data=None, rows=None) -> None:
        self.draft = draft
        self.site = site
        self.kept = data is None and rows is None and bool(site.answers_as_typed)
        if self.kept:
            data = posted_again(site.answers_as_typed)
        self.data = data
        self.warnings = []
        self.availability: dict[int, tuple[bool, str]] = {}
        self.production = draft.environment == Environment.PRODUCTION
        self.noun = carrier_noun(draft.connection_type)
        self.fixed_services = drafts.carrier_services_initial(
            environment=draft.environment, services=draft.services
        )
        carrier_options = {
            "connection_type": draft.connection_type,
            "environment": draft.environment,
            "request_services": draft.services,
        }
        if data is not None:
            self.site_form = SiteForm(
                data=data, prefix="site", connection_type=draft.connection_type
            )
            self.carriers = bound_rows(CarrierForm, data, VPN, **carrier_options)
            self.subnets = bound_rows(SubnetForm, data, SUBNET)
        else:
            rows = rows or self.stored_rows()
            self.site_form = SiteForm(
                initial=rows["site"], prefix="site", connection_type=draft.connection_type
            )
            self.carriers = initial_rows(CarrierForm, rows["carriers"], VPN, **carrier_options)
            self.subnets = initial_rows(SubnetForm, rows["subnets"], SUBNET)
        if self.production:
            # Production: exactly two, split as the seed says, whatever was posted.
            while len(self.carriers) < len(self.fixed_services):
                self.carriers.append(
                    CarrierForm(prefix=f"{VPN}-{len(self.carriers)}", **carrier_options)
                )
            del self.carriers[len(self.fixed_services) :]
        if site.copied_from_uat:
            self.mark_to_check(site.copied_from_uat)

    def mark_to_check(self, reference: str) -> None:
        """Highlight the answers copied from UAT `reference` that usually differ in production.

        The note joins the field's hint, so a screen reader says it with the field.
        """
        note = f"Copied from UAT {reference}: check it for production."
        for form in self.forms():
            for name in TO_CHECK_FOR_PRODUCTION & form.fields.keys():
                field = form.fields[name]
                field.help_text = f"{note} {field.help_text}".strip()
                classes = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{classes} copied-from-uat".strip()

    def stored_rows(self) -> dict:
        """Return the site's stored answers in the shape of the page's rows."""
        site = self.site
        carriers = [
            {
                "services": vpn.services,
                "peer_ip": vpn.peer_ip or "",
                "private_ip": vpn.private_ip or "",
                "device_vendor": vpn.device_vendor,
                "device_platform": vpn.device_platform,
                "device_software": vpn.device_software,
                "ike_version": vpn.ike_version,
            }
            for vpn in site.vpns.all()
        ] or [{"services": attachment.services} for attachment in site.attachments.all()]
        return {
            "site": {
                "name": site.name,
                "routing": site.routing,
                "bgp_asn": site.bgp_asn,
                "bgp_justification": site.bgp_justification,
                "tgw_id": site.tgw_id,
                "aws_account_id": site.aws_account_id,
                "aws_region": site.aws_region,
            },
            "carriers": carriers or [{"services": self.fixed_services[0]}],
            "subnets": [
                {"cidr": str(subnet.network), "purpose": subnet.purpose}
                for subnet in site.subnets.all()
            ]
            or [{}],
        }

    def carrier_labels(self) -> list[str]:
        """Return the heading of each VPN or attachment, such as "VPN 1: Thredd Portal"."""
        labels = []
        noun = "VPN" if self.noun == "VPN" else "Attachment"
        for index in range(len(self.carriers)):
            label = f"{noun} {index + 1}"
            if self.production:
                label += f": {services_label(self.fixed_services[index])}"
            labels.append(label)
        return labels

    def forms(self) -> list[AnswerForm]:
        return [self.site_form, *self.carriers, *self.subnets]

    def rebuilt(self) -> "SitePage | None":
        data = self.data
        rows = {
            "site": self.site_form.raw(),
            "carriers": [form.raw() for form in self.carriers],
            "subnets": [form.raw() for form in self.subnets],
        }
        checked = posted_index(data, "check_subnet")
        removed_subnet = posted_index(data, "remove_subnet")
        removed_carrier = posted_index(data, "remove_vpn")
        if checked is not None and 0 <= checked < len(rows["subnets"]):
            answer = availability_answer(
                draft=self.draft, cidr=text(rows["subnets"][checked].get("cidr"))
            )
        elif removed_subnet is not None and 0 <= removed_subnet < len(rows["subnets"]):
            rows["subnets"].pop(removed_subnet)
        elif "add_subnet" in data and len(rows["subnets"]) < MAX_SUBNETS_PER_SITE:
            rows["subnets"].append({})
        elif removed_carrier is not None and not self.production and len(rows["carriers"]) > 1:
            rows["carriers"].pop(removed_carrier)
        elif "add_vpn" in data and not self.production and len(rows["carriers"]) < 2:
            rows["carriers"].append({})
        else:
            return None
        page = SitePage(draft=self.draft, site=self.site, rows=rows)
        if checked is not None:
            page.availability[checked] = answer
        return page

    def site_index(self) -> int:
        """Return this site's index among the request's sites (its `sites[i]` path)."""
        return [site.pk for site in self.draft.sites.all()].index(self.site.pk)

    def findings(self):
        draft = self.draft
        index = self.site_index()
        root = f"sites[{index}]"
        data = self.site_form.cleaned_data
        routing = data.get("routing") or Routing.STATIC
        bindings = {root: Binding(self.site_form)}
        for name in self.site_form.fields:
            bindings[f"{root}.{name}"] = Binding(self.site_form, name)
        bindings[f"{root}.bgp.asn"] = Binding(self.site_form, "bgp_asn")
        bindings[f"{root}.bgp.justification"] = Binding(self.site_form, "bgp_justification")
        for name, field in (("tgw_id", "tgw_id"), ("aws_account_id", "aws_account_id")):
            bindings[f"{root}.tgw.{name}"] = Binding(self.site_form, field)
        bindings[f"{root}.tgw.region"] = Binding(self.site_form, "aws_region")
        carrier_key = "vpns" if draft.connection_type == ConnectionType.IPSEC_VPN else "attachments"
        carriers = []
        for position, form in enumerate(self.carriers):
            fixed = self.fixed_services[position] if self.production else None
            carriers.append(form.answer(fixed))
            path = f"{root}.{carrier_key}[{position}]"
            bindings[path] = Binding(form)
            for name in form.fields:
                bindings[f"{path}.{name}"] = Binding(form, name)
            for part in ("vendor", "platform", "software"):
                bindings[f"{path}.device.{part}"] = Binding(form, f"device_{part}")
            if "device_vendor" in form.fields:
                bindings[f"{path}.device"] = Binding(form, "device_vendor")
        subnets = []
        for form in self.subnets:
            if not form.has_answer():
                continue
            path = f"{root}.subnets[{len(subnets)}]"
            subnets.append(
                document.SubnetEntry(
                    cidr=text(form.cleaned_data["cidr"]),
                    purpose=text(form.cleaned_data["purpose"]),
                )
            )
            bindings[path] = Binding(form)
            bindings[f"{path}.cidr"] = Binding(form, "cidr")
            bindings[f"{path}.purpose"] = Binding(form, "purpose")
        is_vpn = carrier_key == "vpns"
        self.answer = document.Site(
            name=text(data.get("name")),
            routing=routing if is_vpn else Routing.STATIC,
            bgp=document.Bgp(
                asn=data.get("bgp_asn"), justification=text(data.get("bgp_justification"))
            )
            if is_vpn and routing == Routing.BGP
            else None,
            vpns=tuple(carriers) if is_vpn else (),
            attachments=() if is_vpn else tuple(carriers),
            tgw=None
            if is_vpn
            else document.Tgw(
                tgw_id=text(data.get("tgw_id")),
                aws_account_id=text(data.get("aws_account_id")),
                region=text(data.get("aws_region")),
            ),
            subnets=tuple(subnets),
        )
        return self._judge(index), bindings

    def _judge(self, index: int) -> list:
        """Return the findings about this site's answers among its sibling sites' stored ones."""
        doc = request_to_document(request_answers(self.draft))
        sites = (*doc.sites[:index], self.answer, *doc.sites[index + 1 :])
        self.judged = replace(doc, sites=sites)
        return site_findings(self.draft, self.judged, index)

    def places(self):
        """Return the document as judged (else as stored) and the path each row answers: a
        row is named by its place on the page, such as "Subnet 2 at London DC1"."""
        root = f"sites[{self.site_index()}]"
        key = "vpns" if self.draft.connection_type == ConnectionType.IPSEC_VPN else "attachments"
        paths = {self.site_form: root}
        paths.update({form: f"{root}.{key}[{n}]" for n, form in enumerate(self.carriers)})
        paths.update({form: f"{root}.subnets[{n}]" for n, form in enumerate(self.subnets)})
        doc = getattr(self, "judged", None) or request_to_document(request_answers(self.draft))
        return doc, paths

    def save(self) -> None:
        drafts.site_save(site=self.site, answers=self.answer, checked_for_production=self.complete)

    def keep_as_typed(self) -> bool:
        """Store the right answers, and the page as typed to show it again with its errors.

        Each pass leaves out what the last one found wrong, until what is left can be stored;
        leaving an answer out may make another wrong (a platform without its vendor), hence
        the passes. No when a wrong answer cannot be left out (a site name that is taken).
        """
        page = self
        while (page := page.without_wrong_answers()) is not None:
            if page.validate(complete=False):
                drafts.site_save(site=self.site, answers=page.answer, as_typed=self.as_typed())
                return True
        return False

    def without_wrong_answers(self) -> "SitePage | None":
        """Return this page with its wrong answers left out, or None if none can be.

        A wrong answer is emptied, or is the stored one for answers the site cannot be
        stored without; a subnet with a wrong answer is left out whole.
        """
        data = self.data.copy()
        stored = self.stored_rows()
        for form in self.forms():
            wrong = [name for name in form.errors if name in form.fields]
            if wrong and form in self.subnets:
                wrong = list(form.fields)
            for name in wrong:
                data.setlist(form.add_prefix(name), self._stored_value(stored, form, name))
        if data == self.data:
            return None
        return SitePage(draft=self.draft, site=self.site, data=data)

    def _stored_value(self, stored: dict, form: AnswerForm, name: str) -> list[str]:
        """Return the stored answer a wrong one gives way to, as posted values."""
        if name not in STORED_WHEN_WRONG:
            return []
        if form is self.site_form:
            return [stored["site"][name]]
        position = self.carriers.index(form)
        rows = stored["carriers"]
        return list(rows[position].get(name, ())) if position < len(rows) else []

    def as_typed(self) -> dict[str, list[str]]:
        """Return what was posted for the page's fields, to bind the page to it again later."""
        keys = [
            f"{VPN}-rows",
            f"{SUBNET}-rows",
            *(form.add_prefix(name) for form in self.forms() for name in form.fields),
        ]
        return {
            key: [value.replace("\x00", "") for value in self.data.getlist(key)]
            for key in keys
            if key in self.data
        }
