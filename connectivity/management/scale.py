"""Seed a database at Thredd's scale, fast, for benchmarks: `manage.py seed_scale`.

Thousands of organisations with their users and requests in every status, each request with
1-4 sites, VPNs or TGW attachments, subnets, status events, comments and, once approved,
allocations, confirmations, tunnel values and configuration artifacts. The rows are what
the workflow would have written, but they are written with PostgreSQL's COPY, table by
table, because a request at a time through the services would take hours at this size.

Subnets are carved arithmetically, per environment, from 10.0.0.0/8 and 172.16.0.0/12 with
random gaps, skipping Thredd's reserved and service ranges, so no two overlap (the exclusion
constraints would refuse the COPY otherwise) and requests still in review hold free ones.
Ids come from each table's own sequence, moved past the seeded rows at the end; references
from the request reference sequence, as `next_reference` takes them. The seed writes alone:
nothing else may write to the database while it runs. The random generator is seeded, so the
same arguments give the same data (bar PSKs and timestamps relative to now).
"""

import json
import random
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv4Network

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from connectivity import constants as limits
from connectivity.catalogue import CATALOGUE
from connectivity.choices import (
    DOWNLOADABLE_STATUSES,
    WAITING_STATUSES,
    AwsStatus,
    ConnectionType,
    ContactRole,
    Environment,
    IkeVersion,
    RequestStatus,
    Routing,
    Service,
    TunnelState,
)
from connectivity.configgen.targets import Kind, target_for_device, targets_of_kind
from connectivity.configgen.values import InsideCidrPool, generate_psk
from connectivity.demo import THREDD_ENGINEERS_GROUP, demo_load
from connectivity.document import Tunnel as DocumentTunnel
from connectivity.models import (
    Allocation,
    Artifact,
    ArtifactDownload,
    ArtifactStatus,
    Attachment,
    AwsPeeringAttachment,
    AwsVpnConnection,
    Comment,
    ConnectivityRequest,
    Contact,
    InsideAllocation,
    Organisation,
    RequestEvent,
    ReservedRange,
    ServiceRange,
    Site,
    Subnet,
    SubnetConfirmation,
    Tunnel,
    User,
    Vpn,
)
from connectivity.rules import check_algorithms
from connectivity.services.workflow import TRANSITIONS, Role

S = RequestStatus
SEED_PASSWORD = "thredd-scale-2026"  # noqa: S105 - benchmark databases only, like the demo's
ALLOCATIONS_PER_REQUEST = 5  # 20,000 requests → 100,000 allocations, the default target
REQUESTS_PER_CHUNK = 2_000  # rows are built and copied a chunk of requests at a time

# How often each status occurs: most connections are live, a steady stream is in flight.
STATUS_WEIGHTS = {
    S.DRAFT: 10,
    S.SUBMITTED: 7,
    S.IN_REVIEW: 8,
    S.CHANGES_REQUESTED: 5,
    S.APPROVED: 9,
    S.ACTIVE: 51,
    S.REJECTED: 5,
    S.WITHDRAWN: 5,
}
# Approved and active requests hold their allocations.
ALLOCATED_STATUSES = DOWNLOADABLE_STATUSES


def status_path(target: str) -> tuple[str, ...]:
    """Return the statuses a seeded request reached `target` by, one event each.

    Read from the workflow's table: a draft has no event; anything else was submitted, then
    took the fewest moves to `target` (amendments aside).
    """
    if target == S.DRAFT:
        return ()
    moves = [t for name, t in TRANSITIONS.items() if name != "start_amendment"]
    paths = {S.SUBMITTED: (S.SUBMITTED,)}
    frontier = [S.SUBMITTED]
    while frontier and target not in paths:
        status = frontier.pop(0)
        for move in moves:
            if status in move.sources and move.target not in paths:
                paths[move.target] = (*paths[status], move.target)
                frontier.append(move.target)
    return paths[target]


# The events each status was reached by (the workflow records no event for a new draft).
STATUS_PATHS = {status: status_path(status) for status in S}
# One request in five went back to the client once before the path went on.
CHANGES_ROUND = (S.CHANGES_REQUESTED, S.SUBMITTED, S.IN_REVIEW)
CLIENT_MOVES = frozenset(t.target for t in TRANSITIONS.values() if t.role is Role.CLIENT)
# One transit gateway per environment holds at most 16,377 tunnel inside /30s (8,188 VPN
# connections): a VPN request in four keeps production's at about two thirds of that.
CONNECTION_WEIGHTS = {ConnectionType.IPSEC_VPN: 1, ConnectionType.AWS_TGW: 3}
# Most clients connect from one or two sites.
SITE_WEIGHTS = {1: 50, 2: 30, 3: 15, 4: 5}
# Client subnets: the /24 Thredd recommends most often, smaller ones as much in all. Sizes
# and gaps are chosen so 100,000 allocations fill about two thirds of the private blocks.
PREFIX_WEIGHTS = {24: 3, 25: 2, 26: 2, 27: 2, 28: 1}
ADDRESS_BLOCKS = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"))
PEER_BLOCK = IPv4Network("81.0.0.0/8")  # public (RIPE) addresses for the clients' devices
AWS_OUTSIDE_BLOCK = IPv4Network("3.0.0.0/8")  # AWS's, for the tunnels' Thredd ends
CITIES = ("London", "Dublin", "Frankfurt", "Paris", "Madrid", "Milan", "Warsaw", "Leeds")
REGIONS = ("eu-west-1", "eu-west-2", "eu-central-1", "us-east-1", "ap-southeast-2")
WORDS = ("Acme", "Borealis", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbour", "Indigo")
KINDS = ("Payments", "Cards", "Bank", "Pay", "Money", "Fintech", "Wallet", "Credit")
COMMENTS = (
    "Could you confirm the peer IP is the device's public address?",
    "Our firewall team has scheduled the change for next Tuesday.",
    "Please use a /24 for the EHI subnet, as Thredd recommends.",
    "Tunnel 2 will terminate on our secondary device.",
)
INTERNAL_NOTES = ("Checked against the AWS inside CIDR list.", "Client called: BGP not needed.")


@dataclass
class ScaleReport:
    """What a seed wrote: rows per model and how long it took."""

    rows: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Return one line per model, then the time taken."""
        width = max(map(len, self.rows), default=0)
        return [f"{name:<{width}} {count:>9,}" for name, count in self.rows.items()] + [
            f"in {self.seconds:.1f} s"
        ]


class AddressSpaceFull(Exception):
    """The private blocks have no room left for the subnets asked for."""


class _Carver:
    """Hand out non-overlapping networks of one environment, spread over the private blocks.

    Each block has a cursor that only moves forward, by the network's size and, one time in
    four, as much again, so networks are scattered but never overlap; `blocked` (Thredd's
    own ranges) is stepped over.
    """

    def __init__(self, rng: random.Random, environment: str) -> None:
        self.rng = rng
        # Past every subnet already stored in the environment, so a second seed adds to a first.
        self.cursors = [_past_stored_subnets(environment, block) for block in ADDRESS_BLOCKS]
        blocked = _thredd_ranges(environment)
        self.blocked = sorted(
            (int(network.network_address), int(network.broadcast_address)) for network in blocked
        )

    def take(self, prefix: int) -> IPv4Network:
        """Return the next free network of `prefix`, from a block chosen by its size."""
        size = 1 << (32 - prefix)
        order = self.rng.choices(range(len(ADDRESS_BLOCKS)), weights=(16, 1))
        for index in [*order, *range(len(ADDRESS_BLOCKS))]:
            found = self._take_from(index, size)
            if found is not None:
                return IPv4Network((found, prefix))
        raise AddressSpaceFull("The private blocks are full: ask for fewer allocations.")

    def _take_from(self, index: int, size: int) -> int | None:
        last = int(ADDRESS_BLOCKS[index].broadcast_address)
        start = -(-self.cursors[index] // size) * size  # aligned to the network's size
        while start + size - 1 <= last:
            clash = next(
                (b for b in self.blocked if b[0] <= start + size - 1 and b[1] >= start), None
            )
            if clash is None:
                self.cursors[index] = start + size * self.rng.choice((1, 1, 1, 2))
                return start
            start = -(-(clash[1] + 1) // size) * size
        return None


@dataclass(frozen=True, slots=True)
class _Plan:
    """The shape of one request, decided before any row is built."""

    organisation: int
    status: str
    environment: str
    connection_type: str
    sites: int


class _Ids:
    """Give out ids past each table's largest, and move its sequence past them at the end."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}

    def __call__(self, model: type[models.Model]) -> int:
        if model not in self.next:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')  # noqa: S608 - a model's table name
                (self.next[model],) = cursor.fetchone()
        value = self.next[model]
        self.next[model] = value + 1
        return value

    def sync_sequences(self) -> None:
        with connection.cursor() as cursor:
            for model, value in self.next.items():
                table = model._meta.db_table
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, value - 1]
                )


def copy_rows(model: type[models.Model], objects: Sequence[models.Model]) -> int:
    """Write unsaved `objects` (ids set) into `model`'s table with COPY; return how many.

    Values go through each field's own `get_db_prep_save`, so encrypted fields are
    encrypted and networks become `cidr`, exactly as `save()` would store them; no
    `pre_save` runs, so `auto_now` timestamps keep the values given.
    """
    if not objects:
        return 0
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            )
    return len(objects)


class _Seeder:
    """Build the rows of a scale seed and copy them, a chunk of requests at a time."""

    def __init__(self, *, organisations: int, requests: int, allocations: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
        self.now = timezone.now()
        self.counts = (organisations, requests, allocations)
        self.ids = _Ids()
        self.report = ScaleReport()
        self.password = make_password(SEED_PASSWORD)
        self.inside = {
            environment: InsideCidrPool(_used_inside_cidrs(environment))
            for environment in Environment
        }
        self.carvers = {environment: _Carver(self.rng, environment) for environment in Environment}
        self.devices = [p for p in CATALOGUE if target_for_device(p.vendor, p.key) is not None]
        self.ikev1_devices = {
            p.key
            for p in self.devices
            if p.supports_ikev1
            and not check_algorithms(
                DocumentTunnel(), "tunnel", platform=p, ike_version=IkeVersion.IKEV1
            )
        }
        self.references = 0
        self.org_users: dict[int, list[int]] = {}
        self.engineers: list[int] = []

    # -- orchestration ------------------------------------------------------------------

    def run(self) -> ScaleReport:
        started = time.monotonic()
        organisations, requests, allocations = self.counts
        self._people(organisations)
        plans = self._plans(requests)
        subnets_per_site = self._subnets_per_site(plans, allocations)
        self._reserve_references(len(plans))
        for offset in range(0, len(plans), REQUESTS_PER_CHUNK):
            chunk = plans[offset : offset + REQUESTS_PER_CHUNK]
            counts = subnets_per_site[offset : offset + REQUESTS_PER_CHUNK]
            self._requests(chunk, counts)
        self.ids.sync_sequences()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _copy(self, model: type[models.Model], objects: Sequence[models.Model]) -> None:
        self.report.rows[model.__name__] += copy_rows(model, objects)

    def _new(self, model: type[models.Model], **values) -> models.Model:
        return model(id=self.ids(model), **values)

    def _some_time_ago(self, days: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(0, days * 86_400))

    # -- organisations and people -------------------------------------------------------

    def _people(self, organisations: int) -> None:
        rng = self.rng
        orgs, users = [], []
        for _ in range(organisations):
            org = self._new(Organisation, created_at=self._some_time_ago(1_500))
            # The id makes names unique, also when a second seed adds to a first.
            org.name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {org.id:05d}"
            org.slug = org.name.lower().replace(" ", "-")
            orgs.append(org)
            self.org_users[org.id] = []
            for index in range(rng.randint(1, 5)):
                user = self._user(f"user{index + 1}@{org.slug}.example", organisation=org)
                self.org_users[org.id].append(user.id)
                users.append(user)
        engineers = [self._user("", is_staff=True) for _ in range(max(3, organisations // 200))]
        for engineer in engineers:
            engineer.email = f"engineer{engineer.id}@scale.thredd.example"
            engineer.first_name = f"Engineer{engineer.id}"
        self.engineers = [engineer.id for engineer in engineers]
        self._copy(Organisation, orgs)
        self._copy(User, [*users, *engineers])
        group = Group.objects.get(name=THREDD_ENGINEERS_GROUP)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=engineer, group=group) for engineer in self.engineers
        )

    def _user(self, email: str, *, organisation=None, is_staff: bool = False) -> User:
        return self._new(
            User,
            email=email,
            password=self.password,
            organisation=organisation,
            is_staff=is_staff,
            first_name=email.split("@")[0].title(),
            date_joined=self._some_time_ago(1_000),
        )

    # -- the shape of every request -----------------------------------------------------

    def _plans(self, requests: int) -> list[_Plan]:
        rng = self.rng
        organisations = list(self.org_users)
        statuses = rng.choices(
            list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=requests
        )
        kinds = rng.choices(
            list(CONNECTION_WEIGHTS), weights=list(CONNECTION_WEIGHTS.values()), k=requests
        )
        # Every status at least once, however few the requests: the benchmarks need them all.
        statuses[: len(STATUS_WEIGHTS)] = list(STATUS_WEIGHTS)[:requests]
        return [
            _Plan(
                organisation=organisations[index % len(organisations)],
                status=status,
                environment=rng.choice(list(Environment)),
                connection_type=kind,
                sites=rng.choices(list(SITE_WEIGHTS), list(SITE_WEIGHTS.values()))[0],
            )
            for index, (status, kind) in enumerate(zip(statuses, kinds, strict=True))
        ]

    def _subnets_per_site(self, plans: list[_Plan], allocations: int) -> list[list[int]]:
        """Return each site's subnet count: allocated sites share the allocation target."""
        allocated_sites = sum(plan.sites for plan in plans if plan.status in ALLOCATED_STATUSES)
        share, extra = divmod(allocations, allocated_sites) if allocated_sites else (0, 0)
        counts = []
        for plan in plans:
            if plan.status in ALLOCATED_STATUSES:
                site_counts = []
                for _ in range(plan.sites):
                    site_counts.append(max(1, share + (1 if extra > 0 else 0)))
                    extra -= 1
                counts.append(site_counts)
            else:
                counts.append([self.rng.randint(1, 2) for _ in range(plan.sites)])
        return counts

    def _reserve_references(self, count: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('connectivity_request_reference_seq')")
            (self.references,) = cursor.fetchone()
            cursor.execute(
                "SELECT setval('connectivity_request_reference_seq', %s)",
                [self.references + count - 1],
            )

    # -- requests and everything under them ---------------------------------------------

    def _requests(self, plans: list[_Plan], subnet_counts: list[list[int]]) -> None:
        rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for plan, counts in zip(plans, subnet_counts, strict=True):
            self._request(plan, counts, rows)
        # Parents before children: the foreign keys are checked row by row.
        for model in (
            ConnectivityRequest,
            Contact,
            Site,
            Vpn,
            Tunnel,
            Attachment,
            AwsVpnConnection,
            AwsPeeringAttachment,
            Subnet,
            Allocation,
            SubnetConfirmation,
            InsideAllocation,
            RequestEvent,
            Comment,
            Artifact,
            ArtifactDownload,
        ):
            self._copy(model, rows[model])

    def _request(self, plan: _Plan, subnet_counts: list[int], rows) -> None:
        rng = self.rng
        users = self.org_users[plan.organisation]
        path = list(STATUS_PATHS[plan.status])
        if S.IN_REVIEW in path and path[-1] != S.IN_REVIEW and rng.random() < 0.2:
            at = path.index(S.IN_REVIEW) + 1
            path[at:at] = CHANGES_ROUND
        gaps = [timedelta(hours=rng.uniform(0.5, 120)) for _ in path]
        # Requests still waiting moved lately; decided ones may be years old.
        idle = timedelta(days=rng.uniform(0, 30 if plan.status in WAITING_STATUSES else 700))
        created_at = self.now - idle - sum(gaps, timedelta()) - timedelta(hours=rng.uniform(1, 72))
        # Production carries every service, split over two VPNs per site (the seed's rule).
        services = (
            list(Service)
            if plan.environment == Environment.PRODUCTION
            else rng.sample(list(Service), rng.randint(1, 3))
        )
        self.references += 1
        request = self._new(
            ConnectivityRequest,
            reference=f"CR-{created_at.year}-{self.references - 1:05d}",
            organisation_id=plan.organisation,
            environment=plan.environment,
            connection_type=plan.connection_type,
            services=services,
            status=plan.status,
            created_by_id=rng.choice(users),
            assigned_to_id=rng.choice(self.engineers) if S.IN_REVIEW in path else None,
            created_at=created_at,
            updated_at=created_at + sum(gaps, timedelta()),
        )
        rows[ConnectivityRequest].append(request)
        approved_by = self._events(request, path, gaps, users, rows)
        for position, role in enumerate(
            [ContactRole.TECHNICAL, ContactRole.BUSINESS][: rng.randint(1, 2)]
        ):
            rows[Contact].append(
                self._new(
                    Contact,
                    request=request,
                    name=f"Contact {position + 1}",
                    email=f"{role}-{request.id}@client.example",
                    role=role,
                    position=position,
                )
            )
        for position, count in enumerate(subnet_counts):
            self._site(request, position, count, approved_by, rows)
        self._comments(request, users, rows)

    def _events(self, request, path, gaps, users, rows) -> int | None:
        """Add the request's events; return the engineer who approved it, if one did."""
        at, previous, approved_by = request.created_at, S.DRAFT, None
        for status, gap in zip(path, gaps, strict=True):
            at += gap
            actor = self.rng.choice(users) if status in CLIENT_MOVES else request.assigned_to_id
            if status == S.APPROVED:
                approved_by = actor
            request.track_waiting(target=status, at=at)
            comment = (
                self.rng.choice(COMMENTS) if status in (S.CHANGES_REQUESTED, S.REJECTED) else ""
            )
            rows[RequestEvent].append(
                self._new(
                    RequestEvent,
                    request=request,
                    actor_id=actor,
                    from_status=previous,
                    to_status=status,
                    comment=comment,
                    created_at=at,
                )
            )
            previous = status
        return approved_by

    def _site(self, request, position: int, subnet_count: int, approved_by, rows) -> None:
        rng = self.rng
        tgw = request.connection_type == ConnectionType.AWS_TGW
        bgp = not tgw and rng.random() < 0.05
        site = self._new(
            Site,
            request=request,
            name=f"{rng.choice(CITIES)} DC{position + 1}",
            position=position,
            routing=Routing.BGP if bgp else Routing.STATIC,
            bgp_asn=rng.randint(64_512, 65_534) if bgp else None,
            bgp_justification="Our data centres fail over between sites." if bgp else "",
            tgw_id=f"tgw-{secrets.token_hex(9)[:17]}" if tgw else "",
            aws_account_id=f"{rng.randrange(10**11, 10**12)}" if tgw else "",
            aws_region=rng.choice(REGIONS) if tgw else "",
        )
        rows[Site].append(site)
        allocated = request.status in ALLOCATED_STATUSES
        carriers = (
            [sorted(part) for part in limits.PRODUCTION_SPLIT]
            if request.environment == Environment.PRODUCTION
            else [request.services]
        )
        if tgw:
            rows[Attachment].extend(
                self._new(Attachment, site=site, position=index, services=services)
                for index, services in enumerate(carriers)
            )
            if allocated:
                rows[AwsPeeringAttachment].append(
                    self._new(
                        AwsPeeringAttachment,
                        site=site,
                        environment=request.environment,
                        status=AwsStatus.READY,
                        attachment_id=f"tgw-attach-{site.pk:017x}",
                        state="available",
                        updated_at=self.now,
                    )
                )
            targets = [(None, target.key) for target in targets_of_kind(Kind.TGW)]
        else:
            vpns = [
                self._vpn(site, index, services, request.environment, allocated, rows)
                for index, services in enumerate(carriers)
            ]
            targets = [
                (vpn, target_for_device(vpn.device_vendor, vpn.device_platform).key) for vpn in vpns
            ]
        carver = self.carvers[request.environment]
        confirmed = allocated or (request.status == S.IN_REVIEW and rng.random() < 0.5)
        for index in range(subnet_count):
            network = carver.take(
                rng.choices(list(PREFIX_WEIGHTS), list(PREFIX_WEIGHTS.values()))[0]
            )
            subnet = self._new(
                Subnet,
                site=site,
                position=index,
                network=network,
                purpose=rng.choice(request.services),
            )
            rows[Subnet].append(subnet)
            if confirmed:
                rows[SubnetConfirmation].append(
                    self._new(
                        SubnetConfirmation,
                        subnet=subnet,
                        network=network,
                        confirmed_by_id=approved_by or request.assigned_to_id,
                        confirmed_at=request.updated_at,
                    )
                )
            if allocated:
                rows[Allocation].append(
                    self._new(
                        Allocation,
                        organisation_id=request.organisation_id,
                        environment=request.environment,
                        network=network,
                        request=request,
                        subnet=subnet,
                        created_at=request.updated_at,
                    )
                )
        if allocated:
            for vpn, target in targets:
                self._artifact(request, site, vpn, target, rows)

    def _vpn(self, site, position: int, services, environment: str, allocated: bool, rows) -> Vpn:
        rng = self.rng
        device = rng.choice(
            [d for d in self.devices if d.supports_bgp]
            if site.routing == Routing.BGP
            else [d for d in self.devices if d.static]
        )
        # IKEv1 now and then, on devices that take Thredd's default algorithms with it.
        ikev1 = device.key in self.ikev1_devices and rng.random() < 0.1
        vpn = self._new(
            Vpn,
            site=site,
            position=position,
            services=services,
            peer_ip=str(IPv4Address(int(PEER_BLOCK.network_address) + rng.randrange(1, 2**24 - 1))),
            device_vendor=device.vendor,
            device_platform=device.key,
            device_software=device.software[0],
            ike_version=IkeVersion.IKEV1 if ikev1 else IkeVersion.IKEV2,
        )
        rows[Vpn].append(vpn)
        if allocated:
            # Thredd's side in AWS, as an engineer would have recorded it: AWS-like IDs and
            # an outside address of its own for every tunnel.
            rows[AwsVpnConnection].append(
                self._new(
                    AwsVpnConnection,
                    vpn=vpn,
                    environment=environment,
                    status=AwsStatus.READY,
                    vpn_connection_id=f"vpn-{vpn.pk:017x}",
                    customer_gateway_id=f"cgw-{vpn.pk:017x}",
                    transit_gateway_attachment_id=f"tgw-attach-{vpn.pk:017x}",
                    updated_at=self.now,
                )
            )
            for number in (1, 2):
                inside = self.inside[environment].take()
                outside = IPv4Address(int(AWS_OUTSIDE_BLOCK.network_address) + vpn.pk * 2 + number)
                tunnel = self._new(
                    Tunnel,
                    vpn=vpn,
                    number=number,
                    inside_cidr=inside,
                    psk=generate_psk(),
                    thredd_outside_ip=str(outside),
                    state=TunnelState.UP,
                )
                rows[Tunnel].append(tunnel)
                rows[InsideAllocation].append(
                    self._new(
                        InsideAllocation,
                        tunnel=tunnel,
                        environment=environment,
                        network=tunnel.inside_cidr,
                    )
                )
        return vpn

    def _artifact(self, request, site, vpn, target: str, rows) -> None:
        """Add a rendered file as the worker would store it (placeholder text of real size)."""
        failed = request.status == S.APPROVED and self.rng.random() < 0.05
        stem = f"{request.reference}-{site.name.replace(' ', '-')}-{target}"
        content = json.dumps([{"name": f"{stem}.conf", "content": "# seeded\n" + "x" * 4_000}])
        artifact = self._new(
            Artifact,
            request=request,
            site=site,
            vpn=vpn,
            target=target,
            status=ArtifactStatus.FAILED if failed else ArtifactStatus.READY,
            file_name="" if failed else f"{stem}.conf",
            content=None if failed else content,
            checksum="" if failed else secrets.token_hex(32),
            failure_reason="Thredd has no gateway 2 in this environment." if failed else "",
            attempts=1,
            created_at=request.updated_at,
            rendered_at=None if failed else request.updated_at,
        )
        rows[Artifact].append(artifact)
        if not failed and request.status == S.ACTIVE:
            rows[ArtifactDownload].append(
                self._new(
                    ArtifactDownload,
                    artifact=artifact,
                    request=request,
                    file_name=artifact.file_name,
                    user_id=request.created_by_id,
                    downloaded_at=request.updated_at,
                )
            )

    def _comments(self, request, users, rows) -> None:
        if request.status == S.DRAFT:
            return
        for index in range(self.rng.randint(0, 3)):
            internal = self.rng.random() < 0.2 and request.assigned_to_id is not None
            rows[Comment].append(
                self._new(
                    Comment,
                    request=request,
                    author_id=request.assigned_to_id if internal else self.rng.choice(users),
                    body=self.rng.choice(INTERNAL_NOTES if internal else COMMENTS),
                    internal=internal,
                    created_at=request.created_at + timedelta(hours=index + 1),
                )
            )


def _used_inside_cidrs(environment: str) -> list[IPv4Network]:
    """Return the inside /30s already used on the transit gateway of `environment`."""
    return list(
        InsideAllocation.objects.filter(environment=environment).values_list("network", flat=True)
    )


def _past_stored_subnets(environment: str, block: IPv4Network) -> int:
    """Return the first address of `block` after every subnet stored in `environment`."""
    last = max(
        (
            int(network.broadcast_address)
            for network in Subnet.objects.filter(
                site__request__environment=environment, network__net_overlaps=block
            ).values_list("network", flat=True)
        ),
        default=int(block.network_address) - 1,
    )
    return last + 1


def _thredd_ranges(environment: str) -> list[IPv4Network]:
    """Return Thredd's reserved and service ranges of `environment`: no client subnet there."""
    return [
        *ReservedRange.objects.filter(settings__environment=environment).values_list(
            "network", flat=True
        ),
        *ServiceRange.objects.filter(settings__environment=environment).values_list(
            "network", flat=True
        ),
    ]


@transaction.atomic
def seed_scale(
    *, organisations: int, requests: int, allocations: int | None = None, seed: int = 2026
) -> ScaleReport:
    """Seed `organisations`, `requests` and about `allocations` allocations; report the rows.

    Thredd's settings come from the demo data (loaded if missing), whose engineers and
    sign-ins work on the seeded portal too. `allocations` defaults to five per request and
    is met exactly unless fewer subnets than sites are asked for (each allocated site holds
    at least one subnet). All or nothing: one transaction.
    """
    if organisations < 1 or requests < 1:
        raise ValueError("Seed at least one organisation and one request.")
    demo_load()
    if allocations is None:
        allocations = ALLOCATIONS_PER_REQUEST * requests
    return _Seeder(
        organisations=organisations, requests=requests, allocations=allocations, seed=seed
    ).run()
