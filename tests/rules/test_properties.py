"""Property tests: no JSON value makes parsing or the rules raise; accepted subnets round-trip."""

import copy
from ipaddress import IPv4Network

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectivity.document import parse_document, to_dict
from connectivity.findings import Finding, has_errors
from connectivity.rules import check_subnet
from connectivity.validators import parse_ipv4_network
from tests.documents import judged, valid_tgw_document, valid_vpn_document

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
# Values close to what the rules look for, so mutations reach deep into the checks. Each draw
# is a fresh copy: a shared [] or {} mutated by one example would leak into the next.
plausible_values = st.sampled_from(
    [
        "uat",
        "production",
        "bgp",
        "static",
        "ehi",
        "portal",
        "10.20.30.0/24",
        "10.0.0.5/20",
        "169.254.5.0/30",
        "81.2.69.160",
        "tgw-0123abcd",
        "cisco",
        "libreswan",
        "",
        0,
        1,
        23456,
        3600,
        [],
        {},
        ["web_services", "ehi"],
    ]
).map(copy.deepcopy)


def _paths(value, prefix=()):
    """Yield the path of every container slot in decoded JSON."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


@st.composite
def mutated_documents(draw):
    """Draw a valid document with a few slots replaced, deleted or given an extra key."""
    document = draw(st.sampled_from([valid_vpn_document, valid_tgw_document]))()
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(document))
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "plausible", "delete", "extra"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "extra" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(json_values)
        else:
            replacement = json_values if action == "replace" else plausible_values
            parent[path[-1]] = draw(replacement)
    return document


def _assert_findings(findings):
    assert isinstance(findings, list)
    assert all(isinstance(finding, Finding) for finding in findings)
    assert all(finding.message for finding in findings)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_gives_findings_never_an_exception(data):
    _assert_findings(judged(data))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_documents_give_findings_never_an_exception(data):
    findings = judged(data)
    _assert_findings(findings)
    doc, _ = parse_document(data)
    if doc is not None:
        assert parse_document(to_dict(doc))[0] == doc


@given(st.sampled_from([valid_vpn_document, valid_tgw_document]))
def test_unmutated_documents_are_valid(make):
    assert not has_errors(judged(make()))


ipv4_networkish = st.one_of(
    st.builds(
        lambda address, prefix: f"{address}/{prefix}",
        st.ip_addresses(v=4),
        st.integers(0, 40),
    ),
    st.from_regex(r"\A[0-9./]{1,20}\Z"),
    st.text(max_size=20),
)


@given(ipv4_networkish)
def test_accepted_subnets_round_trip(text):
    if any(finding.severity == "error" for finding in check_subnet(text, "cidr")):
        return
    network = parse_ipv4_network(text)
    normalised = str(network)
    assert parse_ipv4_network(normalised) == network
    assert IPv4Network(normalised) == network
    assert normalised == text
    assert check_subnet(normalised, "cidr") == check_subnet(text, "cidr")
