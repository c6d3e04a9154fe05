"""The staff form of Thredd's mTLS trust chain."""

from django import forms

from connectivity.services.certificates import trust_chain_parse


class TrustChainForm(forms.Form):
    """Thredd's mTLS trust chain of one environment: CA certificates in PEM."""

    trust_chain_pem = forms.CharField(
        label="Trust chain (PEM)",
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "font-monospace"}),
        help_text="The CA certificates that sign Thredd's client certificates, each from "
        "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----. Clients' EHI endpoints "
        "trust exactly these.",
    )

    def clean_trust_chain_pem(self) -> str:
        pem = self.cleaned_data["trust_chain_pem"]
        trust_chain_parse(pem)  # raises ValidationError with what is wrong
        return pem
