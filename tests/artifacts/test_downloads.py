"""Downloads: attachments the browser must not cache, recorded, and only for the organisation."""

import io
import zipfile

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from connectivity.choices import RequestStatus
from connectivity.models import Artifact, ArtifactDownload, ConnectivityRequest, Tunnel
from connectivity.selectors.files import request_files
from connectivity.services import workflow
from tests.conftest import verified_staff_login

from .conftest import approve, render_all, stored_files, three_vpns


@pytest.fixture
def rendered(approved_request):
    """A request of three VPNs, approved and every file rendered."""
    connectivity_request = approved_request(sites=three_vpns())
    render_all(connectivity_request)
    return connectivity_request


def _url(name: str, connectivity_request, **kwargs) -> str:
    return reverse(name, kwargs={"reference": connectivity_request.reference, **kwargs})


def _artifact(connectivity_request, target: str) -> Artifact:
    return connectivity_request.artifacts.get(target=target)


def _zip_names(response) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist())


def _assert_attachment(response, file_name: str, content_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{file_name}"'
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == content_type


def test_a_file_downloads_as_a_recorded_attachment(client, client_user, rendered):
    artifact = _artifact(rendered, "asa")
    client.force_login(client_user)

    response = client.get(_url("artifact-download", rendered, artifact_id=artifact.pk))

    _assert_attachment(response, artifact.file_name, "text/plain; charset=utf-8")
    assert response.content.decode() == stored_files(artifact)[artifact.file_name]
    (download,) = ArtifactDownload.objects.all()
    assert (download.artifact, download.request, download.user) == (artifact, rendered, client_user)
    assert download.file_name == artifact.file_name


def test_a_device_with_several_files_downloads_as_a_zip(client, client_user, rendered):
    artifact = _artifact(rendered, "ipsec_conf")
    client.force_login(client_user)

    response = client.get(_url("artifact-download", rendered, artifact_id=artifact.pk))

    _assert_attachment(response, artifact.file_name, "application/zip")
    assert _zip_names(response) == sorted(stored_files(artifact))


def test_all_ready_files_download_as_one_zip(client, client_user, rendered):
    client.force_login(client_user)

    response = client.get(_url("artifact-zip", rendered))

    _assert_attachment(response, f"{rendered.reference}-configuration.zip", "application/zip")
    expected = sorted(name for a in rendered.artifacts.all() for name in stored_files(a))
    assert _zip_names(response) == expected
    assert len(expected) == 4  # ASA, FortiGate, ipsec.conf + ipsec.secrets
    (download,) = ArtifactDownload.objects.all()
    assert download.artifact is None
    assert download.file_name == f"{rendered.reference}-configuration.zip"


def test_another_device_is_rendered_on_demand_and_not_stored(client, client_user, rendered):
    artifact = _artifact(rendered, "asa")
    client.force_login(client_user)

    response = client.get(
        _url("artifact-device", rendered, vpn_id=artifact.vpn_id), {"target": "swanctl"}
    )

    file_name = artifact.file_name.replace("-cisco-asa.txt", "-swanctl.conf")
    _assert_attachment(response, file_name, "text/plain; charset=utf-8")
    text = response.content.decode()
    assert "connections {" in text
    for tunnel in Tunnel.objects.filter(vpn=artifact.vpn):
        assert tunnel.psk in text
    assert rendered.artifacts.count() == 3
    assert ArtifactDownload.objects.get().file_name == file_name


@pytest.mark.parametrize("target", ["asa", "tgw_terraform", "thredd_swanctl", "nonsense"])
def test_another_device_must_be_another_device_for_a_vpn(client, client_user, rendered, target):
    """The client's own device has its file; TGW, Thredd's side and unknown keys are no devices."""
    artifact = _artifact(rendered, "asa")
    client.force_login(client_user)

    response = client.get(
        _url("artifact-device", rendered, vpn_id=artifact.vpn_id), {"target": target}
    )

    assert response.status_code == 404
    assert not ArtifactDownload.objects.exists()


def test_another_organisation_gets_404_everywhere(client, other_client_user, rendered):
    artifact = _artifact(rendered, "asa")
    client.force_login(other_client_user)

    for url in [
        _url("artifact-download", rendered, artifact_id=artifact.pk),
        _url("artifact-zip", rendered),
        _url("artifact-progress", rendered),
        _url("artifact-device", rendered, vpn_id=artifact.vpn_id) + "?target=swanctl",
    ]:
        assert client.get(url).status_code == 404, url
    assert not ArtifactDownload.objects.exists()


def test_a_file_of_another_request_is_404_under_this_reference(
    client, client_user, rendered, approved_request
):
    """An artifact id is looked up within the request of the URL, never on its own."""
    mine_too = approved_request()
    client.force_login(client_user)

    other = _artifact(rendered, "asa")
    response = client.get(_url("artifact-download", mine_too, artifact_id=other.pk))

    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, rendered):
    artifact = _artifact(rendered, "asa")

    response = client.get(_url("artifact-download", rendered, artifact_id=artifact.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_may_download_any_organisations_file(client, thredd_engineer, rendered):
    verified_staff_login(client, thredd_engineer)

    response = client.get(_url("artifact-zip", rendered))

    assert response.status_code == 200
    assert ArtifactDownload.objects.get().user == thredd_engineer


def test_nothing_downloads_before_a_file_is_ready(client, client_user, approved_request):
    connectivity_request = approved_request()
    artifact = connectivity_request.artifacts.get()
    client.force_login(client_user)

    assert (
        client.get(
            _url("artifact-download", connectivity_request, artifact_id=artifact.pk)
        ).status_code
        == 404
    )
    assert client.get(_url("artifact-zip", connectivity_request)).status_code == 404


def test_nothing_downloads_from_a_request_not_approved(client, client_user, rendered):
    ConnectivityRequest.objects.filter(pk=rendered.pk).update(status=RequestStatus.REJECTED)
    artifact = _artifact(rendered, "asa")
    client.force_login(client_user)

    response = client.get(_url("artifact-download", rendered, artifact_id=artifact.pk))

    assert response.status_code == 404
    assert not ArtifactDownload.objects.exists()


class TestProgress:
    def test_polls_while_files_are_being_prepared(self, client, client_user, approved_request):
        connectivity_request = approved_request(sites=three_vpns())
        client.force_login(client_user)
        url = _url("artifact-progress", connectivity_request)

        html = client.get(url).content.decode()

        assert "0 of 3 files ready" in html
        assert f'hx-get="{url}"' in html
        assert 'hx-trigger="every 2s"' in html
        assert "<script" not in html

    def test_stops_polling_and_offers_downloads_when_all_are_ready(
        self, client, client_user, rendered
    ):
        client.force_login(client_user)

        response = client.get(_url("artifact-progress", rendered))

        html = response.content.decode()
        assert "3 of 3 files ready" in html
        assert "hx-trigger" not in html
        assert response["Cache-Control"] == "no-store"
        for artifact in rendered.artifacts.all():
            assert _url("artifact-download", rendered, artifact_id=artifact.pk) in html
        assert _url("artifact-zip", rendered) in html

    def test_a_failed_file_shows_its_reason_and_retry_to_engineers_only(
        self, client, client_user, thredd_engineer, rendered
    ):
        artifact = _artifact(rendered, "asa")
        Artifact.objects.filter(pk=artifact.pk).update(
            status="failed", failure_reason="Thredd's uat settings have no range for EHI"
        )
        retry = _url("artifact-retry", rendered, artifact_id=artifact.pk)

        client.force_login(client_user)
        html = client.get(_url("artifact-progress", rendered)).content.decode()
        assert "2 of 3 files ready" in html
        assert "no range for EHI" not in html
        assert retry not in html
        assert client.post(retry).status_code == 403

        verified_staff_login(client, thredd_engineer)
        review = client.get(reverse("review-detail", args=[rendered.reference])).content.decode()
        assert "settings have no range for EHI" in review
        assert retry in review
        response = client.post(retry)
        assert response["Location"] == reverse("review-detail", args=[rendered.reference])
        artifact.refresh_from_db()
        assert artifact.status == "pending"


def _section(connectivity_request, user) -> str:
    """Render the "Configuration files" section as a page including it would."""
    return render_to_string(
        "connectivity/includes/artifacts.html",
        {"files": request_files(request=connectivity_request, user=user)},
        request=RequestFactory().get("/"),
    )


def test_the_section_lists_other_devices_for_each_vpn(client_user, rendered):
    html = _section(rendered, client_user)

    assert "Download for another device" in html
    for vpn_id in rendered.artifacts.values_list("vpn_id", flat=True):
        assert _url("artifact-device", rendered, vpn_id=vpn_id) in html
    assert 'value="swanctl"' in html


def test_an_amendment_lists_the_superseded_files_which_stay_downloadable(
    client, approved_request, client_user, thredd_engineer
):
    active = approved_request()
    (old,) = render_all(active)
    workflow.request_transition("activate", request=active, actor=thredd_engineer)
    amendment = workflow.request_transition("start_amendment", request=active, actor=client_user)
    ConnectivityRequest.objects.filter(pk=amendment.pk).update(status=RequestStatus.IN_REVIEW)
    amendment = approve(amendment, thredd_engineer)
    (new,) = render_all(amendment)
    workflow.request_transition("activate", request=amendment, actor=thredd_engineer)
    active.refresh_from_db()

    html = _section(amendment, client_user)
    assert "Earlier versions (superseded)" in html
    old_url = _url("artifact-download", active, artifact_id=old.pk)
    assert old_url in html
    assert _url("artifact-download", amendment, artifact_id=new.pk) in html
    assert active.superseded_at is not None
    assert "superseded by the files of" in _section(active, client_user)

    client.force_login(client_user)
    response = client.get(old_url)
    assert response.status_code == 200
    assert response.content.decode() == stored_files(old)[old.file_name]
