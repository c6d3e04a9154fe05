"""Rules about a Transit Gateway peering site: the client's TGW ID, AWS account and region."""

from connectivity import constants as limits
from connectivity.document import (
    Tgw,
    join_path,
)
from connectivity.findings import Finding, error


def check_tgw(tgw: Tgw | None, field: str) -> list[Finding]:
    """Check the Transit Gateway ID, AWS account ID and region of a TGW site."""
    tgw = tgw or Tgw()
    findings = []
    tgw_id_path = join_path(field, "tgw_id")
    if not tgw.tgw_id:
        findings.append(
            error(
                "tgw_id_required",
                tgw_id_path,
                f"Enter your Transit Gateway ID, such as {limits.EXAMPLE_TGW_ID}.",
            )
        )
    elif not limits.TGW_ID_PATTERN.fullmatch(tgw.tgw_id):
        findings.append(
            error(
                "tgw_id_invalid",
                tgw_id_path,
                "A Transit Gateway ID is tgw- followed by 17 (or, on older gateways, 8) "
                f"lowercase hexadecimal digits, such as {limits.EXAMPLE_TGW_ID}.",
            )
        )
    if not limits.AWS_ACCOUNT_ID_PATTERN.fullmatch(tgw.aws_account_id or ""):
        findings.append(
            error(
                "aws_account_id_invalid",
                join_path(field, "aws_account_id"),
                "Enter the 12-digit ID of the AWS account that owns the Transit Gateway, "
                "including any leading zeros, such as 012345678901.",
            )
        )
    if tgw.region not in limits.AWS_REGIONS:
        findings.append(
            error(
                "aws_region_invalid",
                join_path(field, "region"),
                "Enter the code of the AWS region the Transit Gateway is in, such as eu-west-2.",
            )
        )
    return findings
