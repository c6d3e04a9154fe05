"""Forms of Thredd's AWS side: record what was made in AWS's console, retire a connection."""

from django import forms

from connectivity.services.aws import GenericConfiguration, generic_configuration_parse
from connectivity.validators import validate_tgw_attachment_id, validate_vpn_connection_id


class VpnConnectionRecordForm(forms.Form):
    """Take AWS's values of one VPN connection: typed, or read from its Generic configuration.

    Pasting the configuration text fills every field at once, and lets the portal check that
    the connection was made with the portal's inside /30s and pre-shared keys.
    """

    generic_configuration = forms.CharField(
        label="AWS's Generic configuration (optional)",
        help_text="In AWS's console: VPN connection, Download configuration, vendor Generic. "
        "Paste the whole text to fill in the fields below.",
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    vpn_connection_id = forms.CharField(
        label="VPN connection ID",
        required=False,
        max_length=32,
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "placeholder": "vpn-0123456789abcdef0"}
        ),
    )
    tunnel_1_outside_ip = forms.GenericIPAddressField(
        label="Tunnel 1: AWS outside IP address", protocol="IPv4", required=False
    )
    tunnel_2_outside_ip = forms.GenericIPAddressField(
        label="Tunnel 2: AWS outside IP address", protocol="IPv4", required=False
    )

    def clean_generic_configuration(self) -> GenericConfiguration | None:
        text = self.cleaned_data["generic_configuration"].strip()
        return generic_configuration_parse(text) if text else None

    def clean(self) -> dict:
        cleaned = super().clean()
        generic = cleaned.get("generic_configuration")
        if generic is not None:
            cleaned["vpn_connection_id"] = (
                cleaned.get("vpn_connection_id") or generic.vpn_connection_id
            )
            for number, address in enumerate(generic.outside_ips, start=1):
                cleaned[f"tunnel_{number}_outside_ip"] = (
                    cleaned.get(f"tunnel_{number}_outside_ip") or address
                )
        missing = {
            "vpn_connection_id": "Enter the VPN connection ID, such as vpn-0123456789abcdef0.",
            "tunnel_1_outside_ip": "Enter tunnel 1's outside IP address as AWS shows it.",
            "tunnel_2_outside_ip": "Enter tunnel 2's outside IP address as AWS shows it.",
        }
        for name, message in missing.items():
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        if cleaned.get("vpn_connection_id") and "vpn_connection_id" not in self.errors:
            try:
                validate_vpn_connection_id(cleaned["vpn_connection_id"])
            except forms.ValidationError as exc:
                self.add_error("vpn_connection_id", exc)
        return cleaned


class PeeringAttachmentRecordForm(forms.Form):
    """Take the ID of the peering attachment made in AWS's console."""

    attachment_id = forms.CharField(
        label="Peering attachment ID",
        max_length=32,
        validators=[validate_tgw_attachment_id],
        error_messages={
            "required": "Enter the attachment ID, such as tgw-attach-0123456789abcdef0."
        },
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


class RetireForm(forms.Form):
    """Confirm retiring a connection, saying why (the client is sent the reason)."""

    comment = forms.CharField(
        label="Why is the connection retired?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the connection is retired: the client is told."},
    )
