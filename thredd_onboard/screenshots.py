"""Screenshot the portal's main pages at 1280 px and 375 px wide, into var/screenshots/.

`make screenshots` calls this, so anyone can look at the portal without walking a journey.
It starts the portal exactly as `make run` does (`thredd_onboard.run`: the embedded
PostgreSQL unless DATABASE_URL, migrations, the demo data) on a free port, reads the demo
sign-ins it prints, and walks the main pages in Debian's Chromium: the demo client starts a
UAT IPsec request, answers it, sends it and opens its colleagues; the demo engineer signs
in with the demo authenticator's code and opens the review queue, the request, the audit
log and the invitation. Each run adds that one request to the demo data.
"""

import base64
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect, sync_playwright

from thredd_onboard.embedded import BASE_DIR

OUTPUT = BASE_DIR / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1280, 375)
# Each screenshot's file name and the URL name of the page it shows, in the order walked.
PAGES = {
    "sign-in": "login",
    "before-you-start": "before-you-start",
    "request-start": "request-start",
    "task-list": "request-tasks",
    "contacts": "request-contacts",
    "site-add": "site-add",
    "site": "site-edit",
    "check-answers": "request-check",
    "confirmation": "request-confirmation",
    "request": "request-detail",
    "request-list": "request-list",
    "colleagues": "colleague-list",
    "sign-in-code": "mfa-verify",
    "review-queue": "review-queue",
    "review": "review-detail",
    "audit-log": "audit-log",
    "invite": "client-invite",
}


def shoot(page: Page, name: str) -> None:
    """Save the page as it is now at every width: var/screenshots/<name>-<width>.png."""
    if name not in PAGES:
        raise KeyError(f"add {name} to PAGES, with the URL name of its page")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=OUTPUT / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


@dataclass(frozen=True)
class Demo:
    """The demo sign-ins, as `make run` prints them."""

    password: str
    client: str
    engineer: str
    engineer_key: str

    @classmethod
    def read(cls, printed: str) -> "Demo":
        return cls(
            password=re.search(r"password for all: (\S+)\)", printed)[1],
            client=re.search(r"Client (?:admin|user) +(\S+)", printed)[1],
            engineer=re.search(r"Thredd engineer +(\S+)", printed)[1],
            engineer_key=re.search(r"oathtool --totp -b (\S+)", printed)[1],
        )


def sign_in(page: Page, base_url: str, email: str, demo: Demo) -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.password)
    page.get_by_role("button", name="Sign in").click()


def client_journey(page: Page, base_url: str, demo: Demo) -> str:
    """Start, answer and send a request as the demo client; return its reference."""
    page.goto(f"{base_url}/sign-in/")
    shoot(page, "sign-in")
    sign_in(page, base_url, demo.client, demo)
    page.wait_for_url(f"{base_url}/requests/")
    page.get_by_role("link", name="Start a new request").click()
    shoot(page, "before-you-start")
    page.get_by_role("link", name="Start now").click()
    shoot(page, "request-start")
    page.get_by_label("UAT", exact=True).check()
    page.get_by_label("IPsec site-to-site VPN", exact=True).check()
    page.get_by_label("EHI", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    shoot(page, "task-list")
    page.get_by_role("link", name="Contacts").click()
    page.get_by_label("Full name").fill("Ada Ops")
    page.get_by_label("Email address").fill("ada.ops@acme-payments.example")
    page.get_by_label("Phone number").fill("+44 20 7946 0000")
    shoot(page, "contacts")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Add a site").click()
    shoot(page, "site-add")
    page.locator("#id_name").fill("London DC1")
    page.get_by_role("button", name="Add the site").click()
    expect(page.get_by_role("heading", name="Site: London DC1")).to_be_visible()
    page.locator("#id_vpn-0-peer_ip").fill("81.2.69.160")
    page.locator("#id_vpn-0-device_vendor").select_option("cisco")
    expect(page.locator("#id_vpn-0-device_platform optgroup")).to_have_count(0)
    page.locator("#id_vpn-0-device_platform").select_option("asa_vti")
    page.locator("#id_vpn-0-device_software").fill("9.16")
    page.locator("#id_subnet-0-cidr").fill("10.20.30.0/24")
    page.locator("#id_subnet-0-purpose").select_option("ehi")
    shoot(page, "site")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Check your answers and send").click()
    shoot(page, "check-answers")
    page.get_by_role("button", name="Send connectivity request").click()
    reference = page.get_by_test_id("reference").inner_text()
    shoot(page, "confirmation")
    page.goto(f"{base_url}/requests/{reference}/")
    shoot(page, "request")
    page.get_by_role("link", name="Your requests").click()
    shoot(page, "request-list")
    colleagues = page.get_by_role("link", name="Your colleagues")
    if colleagues.count():  # the demo client administers its organisation's people
        colleagues.click()
        shoot(page, "colleagues")
    return reference


def engineer_pages(page: Page, base_url: str, demo: Demo, reference: str) -> None:
    """Sign in as the demo engineer with the authenticator's code; open the staff pages."""
    sign_in(page, base_url, demo.engineer, demo)
    code = page.get_by_label("Code from your authenticator app")
    shoot(page, "sign-in-code")
    code.fill(f"{TOTP(base64.b32decode(demo.engineer_key)).token():06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/review/")
    shoot(page, "review-queue")
    page.goto(f"{base_url}/review/{reference}/")
    shoot(page, "review")
    page.get_by_role("link", name="Audit log").first.click()
    shoot(page, "audit-log")
    page.get_by_role("link", name="Invite a client user").first.click()
    shoot(page, "invite")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def portal_start(port: int) -> tuple[subprocess.Popen, Demo]:
    """Start the portal as `make run` does, on `port`; return it and the demo sign-ins it
    printed, once it serves."""
    portal = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "thredd_onboard.run", "--port", str(port), "--no-reload"],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed = ""
    for line in portal.stdout:
        print(line, end="", flush=True)
        printed += line
        if "The portal is at" in line:
            break
    else:
        portal.wait()
        raise SystemExit("The portal did not start: see the messages above.")
    # Keep printing what it says, so its pipe never fills up.
    threading.Thread(target=lambda: [print(line, end="") for line in portal.stdout]).start()
    deadline = time.monotonic() + 60
    while not _answers(f"http://127.0.0.1:{port}/health/"):
        if portal.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("The portal did not answer: see the messages above.")
        time.sleep(0.3)
    return portal, Demo.read(printed)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
            return True
    except OSError:
        return False


def main() -> int:
    """Start the portal, walk and screenshot it, and stop it (Ctrl-C, as a person would)."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    portal, demo = portal_start(port)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            reference = client_journey(browser.new_context().new_page(), base_url, demo)
            engineer_pages(browser.new_context().new_page(), base_url, demo, reference)
            browser.close()
    finally:
        portal.send_signal(signal.SIGINT)  # run.py then stops the server and the database
        portal.wait(timeout=60)
    written = sorted(OUTPUT.glob("*.png"))
    print(f"{len(written)} screenshots of {reference} in {OUTPUT.relative_to(BASE_DIR)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
