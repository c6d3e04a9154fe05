"""Read every answer of some requests in one round trip: what `with_answers()` brings.

A request's answers are six tables deep (contacts; sites, with their VPNs and tunnels,
attachments and subnets), and the pages that show them also show Thredd's AWS side of each
site and VPN. `prefetch_related` reads them in six queries that the ORM builds afresh on
every page, and building them cost more than PostgreSQL's answers: on the request and review
pages, more than a third of the page. Here the six statements are written once per process
(from the models' own fields, so a new column needs no change here), sent together in one
`execute`, and their rows are turned into model instances and left where `prefetch_related`
leaves them: `request.sites.all()`, `site.vpns.all()`, `vpn.aws`, `site.aws_peering` and
`subnet.confirmation` read no further query, and a filter on one of those managers still
asks the database, as after `prefetch_related`.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property

from django.db import connection, models


@dataclass(frozen=True)
class _Columns:
    """The concrete fields of `model` as a SELECT lists them under `alias`."""

    model: type[models.Model]
    alias: str

    @cached_property
    def fields(self) -> list[models.Field]:
        return list(self.model._meta.concrete_fields)

    @cached_property
    def attnames(self) -> list[str]:
        return [field.attname for field in self.fields]

    @cached_property
    def converters(self) -> list[list]:
        """Each field's conversions of what the database sends (a network, a decrypted
        secret, parsed JSON), as the ORM applies them."""
        return [field.get_db_converters(connection) for field in self.fields]

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def instance(self, values: tuple) -> models.Model | None:
        """Return the instance `values` (this model's columns, in order) hold; None for the
        NULLs of a LEFT JOIN that found no row."""
        if values[0] is None:
            return None
        converted = list(values)
        for index, converters in enumerate(self.converters):
            for converter in converters:
                converted[index] = converter(converted[index], None, connection)
        return self.model.from_db(connection.alias, self.attnames, converted)


def _related(model: type[models.Model], name: str) -> type[models.Model]:
    return model._meta.get_field(name).related_model


@dataclass(frozen=True)
class _Plan:
    """The statements and column lists of one kind of read, built once per process."""

    sql: str
    contact: _Columns
    site: _Columns
    peering: _Columns
    vpn: _Columns
    aws_vpn: _Columns
    tunnel: _Columns
    attachment: _Columns
    subnet: _Columns
    confirmation: _Columns | None
    confirmer: _Columns | None


@cache
def _plan(request_model: type[models.Model], *, confirmations: bool) -> _Plan:
    site_model = _related(request_model, "sites")
    vpn_model = _related(site_model, "vpns")
    subnet_model = _related(site_model, "subnets")
    confirmation_model = _related(subnet_model, "confirmation") if confirmations else None
    plan = {
        "contact": _Columns(_related(request_model, "contacts"), "c"),
        "site": _Columns(site_model, "s"),
        "peering": _Columns(_related(site_model, "aws_peering"), "p"),
        "vpn": _Columns(vpn_model, "v"),
        "aws_vpn": _Columns(_related(vpn_model, "aws"), "a"),
        "tunnel": _Columns(_related(vpn_model, "tunnels"), "t"),
        "attachment": _Columns(_related(site_model, "attachments"), "t"),
        "subnet": _Columns(subnet_model, "n"),
        "confirmation": _Columns(confirmation_model, "f") if confirmations else None,
        "confirmer": _Columns(_related(confirmation_model, "confirmed_by"), "u")
        if confirmations
        else None,
    }
    table = {name: columns.model._meta.db_table for name, columns in plan.items() if columns}
    of_sites = f"JOIN {table['site']} s ON s.id = {{}}.site_id WHERE s.request_id = ANY(%s)"
    subnets = f"SELECT {plan['subnet'].sql()}"
    subnet_joins = ""
    if confirmations:
        subnets += f", {plan['confirmation'].sql()}, {plan['confirmer'].sql()}"
        subnet_joins = (
            f" LEFT JOIN {table['confirmation']} f ON f.subnet_id = n.id"
            f" LEFT JOIN {table['confirmer']} u ON u.id = f.confirmed_by_id"
        )
    # Table and column names come from the models; the request ids are the only parameter.
    statements = [
        f"SELECT {plan['contact'].sql()} FROM {table['contact']} c"  # noqa: S608
        " WHERE c.request_id = ANY(%s) ORDER BY c.request_id, c.position, c.id",
        f"SELECT {plan['site'].sql()}, {plan['peering'].sql()} FROM {table['site']} s"  # noqa: S608
        f" LEFT JOIN {table['peering']} p ON p.site_id = s.id"
        " WHERE s.request_id = ANY(%s) ORDER BY s.request_id, s.position, s.id",
        f"SELECT {plan['vpn'].sql()}, {plan['aws_vpn'].sql()} FROM {table['vpn']} v"  # noqa: S608
        f" LEFT JOIN {table['aws_vpn']} a ON a.vpn_id = v.id {of_sites.format('v')}"
        " ORDER BY v.site_id, v.position, v.id",
        f"SELECT {plan['tunnel'].sql()} FROM {table['tunnel']} t"  # noqa: S608
        f" JOIN {table['vpn']} v ON v.id = t.vpn_id {of_sites.format('v')}"
        " ORDER BY t.vpn_id, t.number",
        f"SELECT {plan['attachment'].sql()} FROM {table['attachment']} t {of_sites.format('t')}"  # noqa: S608
        " ORDER BY t.site_id, t.position, t.id",
        f"{subnets} FROM {table['subnet']} n{subnet_joins} {of_sites.format('n')}"
        " ORDER BY n.site_id, n.position, n.id",
    ]
    return _Plan(sql=";\n".join(statements), **plan)


def _split(row: tuple, *parts: _Columns) -> list[models.Model | None]:
    """Return the instances of a joined row, one per `parts`, in order."""
    instances, start = [], 0
    for columns in parts:
        width = len(columns.fields)
        instances.append(columns.instance(row[start : start + width]))
        start += width
    return instances


def _set_one(instance: models.Model, name: str, value: models.Model | None) -> None:
    """Leave `value` where `instance.<name>` (a one-to-one, either way) reads it from."""
    instance._meta.get_field(name).set_cached_value(instance, value)


def _set_many(parents, name: str, children, parent_attname: str) -> None:
    """Leave each parent's `children` where `parent.<name>.all()` reads them from, and each
    child's parent where `child.<its foreign key>` does, as `prefetch_related` would."""
    by_parent = defaultdict(list)
    for child in children:
        by_parent[getattr(child, parent_attname)].append(child)
    for parent in parents:
        manager = getattr(parent, name)
        rows = manager.get_queryset()
        rows._result_cache = by_parent.get(parent.pk, [])
        rows._prefetch_done = True
        for child in rows._result_cache:
            manager.field.set_cached_value(child, parent)
        if not hasattr(parent, "_prefetched_objects_cache"):
            parent._prefetched_objects_cache = {}
        parent._prefetched_objects_cache[manager.field.remote_field.cache_name] = rows


def answers_load(requests: list[models.Model], *, confirmations: bool = False) -> None:
    """Read every answer of `requests` (and Thredd's AWS side of each site and VPN, and,
    with `confirmations`, each subnet's confirmation and who made it) in one round trip."""
    if not requests:
        return
    plan = _plan(type(requests[0]), confirmations=confirmations)
    ids = [request.pk for request in requests]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [ids] * 6)
        results = [cursor.fetchall()]
        while cursor.nextset():
            results.append(cursor.fetchall())
    contacts, sites, vpns, tunnels, attachments, subnets = results

    site_rows = [_split(row, plan.site, plan.peering) for row in sites]
    for site, peering in site_rows:
        _set_one(site, "aws_peering", peering)
        if peering is not None:
            _set_one(peering, "site", site)
    vpn_rows = [_split(row, plan.vpn, plan.aws_vpn) for row in vpns]
    for vpn, aws_vpn in vpn_rows:
        _set_one(vpn, "aws", aws_vpn)
        if aws_vpn is not None:
            _set_one(aws_vpn, "vpn", vpn)
    subnet_parts = (plan.subnet, plan.confirmation, plan.confirmer) if confirmations else ()
    subnet_rows = [
        _split(row, *subnet_parts) if confirmations else [plan.subnet.instance(row)]
        for row in subnets
    ]
    for subnet, *confirmed in subnet_rows:
        if confirmations:
            confirmation, confirmer = confirmed
            _set_one(subnet, "confirmation", confirmation)
            if confirmation is not None:
                _set_one(confirmation, "confirmed_by", confirmer)
                _set_one(confirmation, "subnet", subnet)

    all_sites = [site for site, _ in site_rows]
    all_vpns = [vpn for vpn, _ in vpn_rows]
    _set_many(requests, "contacts", map(plan.contact.instance, contacts), "request_id")
    _set_many(requests, "sites", all_sites, "request_id")
    _set_many(all_sites, "vpns", all_vpns, "site_id")
    _set_many(all_vpns, "tunnels", map(plan.tunnel.instance, tunnels), "vpn_id")
    _set_many(all_sites, "attachments", map(plan.attachment.instance, attachments), "site_id")
    _set_many(all_sites, "subnets", [subnet for subnet, *_ in subnet_rows], "site_id")
