"""Run a private strongSwan charon (charon-systemd in the foreground) for a test.

Each charon gets its own STRONGSWAN_CONF, vici socket and log under a temporary directory, so
several run side by side (one per network namespace) without touching the system's. The kernel
has no ESP here, so IPsec runs in user space (kernel-libipsec on a TUN device); kernel-netlink
is loaded only for addresses and routes.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

CHARON = "/usr/sbin/charon-systemd"
SWANCTL = "/usr/sbin/swanctl"
PLUGINS = (
    "random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey kdf "
    "kernel-libipsec kernel-netlink socket-default vici updown"
)


def require_strongswan() -> None:
    """Fail (never skip) when strongSwan is missing: CI must install it."""
    missing = [path for path in (CHARON, SWANCTL) if not Path(path).exists()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: apt-get install strongswan-swanctl charon-systemd "
            "libcharon-extra-plugins"
        )


class Charon:
    """One charon process, optionally inside a network namespace."""

    def __init__(self, directory: Path, *, netns: str | None = None) -> None:
        self.directory = directory
        self.netns = netns
        directory.mkdir(parents=True, exist_ok=True)
        self.socket = directory / "charon.vici"
        self.log = directory / "charon.log"
        self.conf = directory / "strongswan.conf"
        self.conf.write_text(
            "charon-systemd {\n"
            f"  load = {PLUGINS}\n"
            "  install_routes = yes\n"
            f"  plugins {{\n    vici {{\n      socket = unix://{self.socket}\n    }}\n  }}\n"
            "  journal {\n    default = -1\n  }\n"
            f"  filelog {{\n    test {{\n      path = {self.log}\n      default = 1\n"
            "      ike = 2\n      flush_line = yes\n    }\n  }\n}\n"
            f"swanctl {{\n  load = pem pkcs1 x509 revocation constraints pubkey openssl random\n"
            f"  socket = unix://{self.socket}\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def _prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.netns] if self.netns else []

    def start(self) -> "Charon":
        env = {**os.environ, "STRONGSWAN_CONF": str(self.conf)}
        self.process = subprocess.Popen(
            [*self._prefix(), CHARON],
            env=env,
            stdout=(self.directory / "charon.out").open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"charon did not start:\n{self.output()}")
            time.sleep(0.1)
        return self

    def swanctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {**os.environ, "STRONGSWAN_CONF": str(self.conf)}
        result = subprocess.run(
            [*self._prefix(), SWANCTL, *args], env=env, capture_output=True, text=True, timeout=60
        )
        if check and result.returncode != 0:
            pytest.fail(f"swanctl {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def load(self, swanctl_conf: Path) -> subprocess.CompletedProcess:
        """Load connections and secrets from one swanctl.conf (what --load-all does)."""
        return self.swanctl("--load-all", "--noprompt", "--file", str(swanctl_conf))

    def output(self) -> str:
        out = self.directory / "charon.out"
        return (out.read_text() if out.exists() else "") + (
            self.log.read_text() if self.log.exists() else ""
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory / "tmp", ignore_errors=True)


# The legacy stack: starter parses ipsec.conf and hands each conn to charon over the stroke
# socket; charon's stroke plugin reads ipsec.secrets itself.
STARTER = "/usr/lib/ipsec/starter"
STROKE = "/usr/lib/ipsec/stroke"
LEGACY_CHARON = "/usr/lib/ipsec/charon"
STROKE_PLUGIN = "/usr/lib/ipsec/plugins/libstrongswan-stroke.so"
LEGACY_PLUGINS = (
    "random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey kdf "
    "kernel-libipsec kernel-netlink socket-default stroke updown"
)


def require_starter() -> None:
    """Fail (never skip) when the legacy starter/stroke stack is missing: CI must install it."""
    missing = [
        path for path in (STARTER, STROKE, LEGACY_CHARON, STROKE_PLUGIN) if not Path(path).exists()
    ]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: apt-get install strongswan-starter strongswan-charon "
            "libstrongswan-standard-plugins libcharon-extra-plugins"
        )


class Starter:
    """`ipsec start --nofork` with a private ipsec.conf, ipsec.secrets, stroke socket and log.

    starter keeps its pid files in /var/run and charon needs interfaces, so both run in their
    own mount, network and PID namespaces: a tmpfs hides the host's /run, a veth pair carries
    `local_ip` with a default route (what `left=%defaultroute` resolves against, and where
    `auto=start` sends its first packets, to nobody), and when starter (PID 1 there) exits the
    kernel ends whatever it leaves behind. Given `netns`, it runs in that (already wired)
    network namespace instead, with charon's routes installed, to bring real tunnels up.
    """

    def __init__(
        self,
        directory: Path,
        ipsec_conf: str,
        ipsec_secrets: str,
        local_ip: str,
        *,
        netns: str | None = None,
    ):
        self.netns = netns
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ipsec_conf = directory / "ipsec.conf"
        self.ipsec_secrets = directory / "ipsec.secrets"
        self.ipsec_conf.write_text(ipsec_conf)
        self.ipsec_secrets.write_text(ipsec_secrets)
        self.ipsec_secrets.chmod(0o600)
        self.local_ip = local_ip
        self.socket = directory / "charon.ctl"
        self.log = directory / "charon.log"
        self.out = directory / "starter.out"
        self.conf = directory / "strongswan.conf"
        self.conf.write_text(
            "charon {\n"
            f"  load = {LEGACY_PLUGINS}\n"
            f"  install_routes = {'yes' if netns else 'no'}\n"
            "  plugins {\n    stroke {\n"
            f"      socket = unix://{self.socket}\n"
            f"      secrets_file = {self.ipsec_secrets}\n"
            "    }\n  }\n"
            f"  filelog {{\n    test {{\n      path = {self.log}\n      default = 1\n"
            "      cfg = 2\n      flush_line = yes\n    }\n  }\n}\n"
            f"starter {{\n  config_file = {self.ipsec_conf}\n  load_warning = no\n}}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> "Starter":
        wiring = (
            ""
            if self.netns
            else "ip link set lo up; ip link add wan0 type veth peer name wan1; "
            f"ip addr add {self.local_ip}/24 dev wan0; ip link set wan1 up; ip link set wan0 up; "
            f"ip route add default via {self.local_ip.rsplit('.', 1)[0]}.1; "
        )
        setup = f'set -e; mount -t tmpfs tmpfs /run; {wiring}exec {STARTER} --nofork --conf "$1"'
        self.process = subprocess.Popen(
            [
                *(["ip", "netns", "exec", self.netns] if self.netns else []),
                "unshare",
                "--mount",
                *([] if self.netns else ["--net"]),
                "--pid",
                "--fork",
                "--mount-proc",
                "--propagation",
                "private",
                "--kill-child",
                "--",
                "sh",
                "-c",
                setup,
                "starter",
                str(self.ipsec_conf),
            ],
            env={**os.environ, "STRONGSWAN_CONF": str(self.conf)},
            stdout=self.out.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def conn_names(self) -> list[str]:
        return [
            line.split()[1]
            for line in self.ipsec_conf.read_text().splitlines()
            if line.startswith("conn ") and line.split()[1] != "%default"
        ]

    def wait_loaded(self, timeout: float = 15) -> None:
        """Wait until charon has answered starter's `add` of every conn in ipsec.conf.

        A conn is answered once charon logged "added configuration" for it, or any later stroke
        message arrived (starter sends one at a time and waits for each answer).
        """
        names = self.conn_names()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return  # starter refused the file (fatal parse error) or died: callers look
            log = self.log.read_text() if self.log.exists() else ""
            if all(self._answered(log, name) for name in names):
                return
            time.sleep(0.1)
        pytest.fail(f"charon did not answer every conn of {names} in {timeout} s:\n{self.output()}")

    @staticmethod
    def _answered(log: str, name: str) -> bool:
        if f"added configuration '{name}'" in log:
            return True
        received = log.find(f"received stroke: add connection '{name}'")
        return received >= 0 and "received stroke:" in log[received + 1 :]

    def stroke(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [STROKE, *args],
            env={**os.environ, "STRONGSWAN_CONF": str(self.conf)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            pytest.fail(f"stroke {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def output(self) -> str:
        """starter's own output (its ipsec.conf parse errors), then charon's log."""
        return (self.out.read_text() if self.out.exists() else "") + (
            self.log.read_text() if self.log.exists() else ""
        )

    def stop(self) -> None:
        """SIGTERM to starter (it stops charon), SIGKILL to the lot if that takes too long."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
