"""Run a private strongSwan charon (charon-systemd in the foreground) for a test.

Each charon gets its own STRONGSWAN_CONF, vici socket and log under a temporary directory, so
several run side by side (one per network namespace) without touching the system's. The kernel
has no ESP here, so IPsec runs in user space (kernel-libipsec on a TUN device); kernel-netlink
is loaded only for addresses and routes.
"""

import os
import shutil
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
            "      ike = 2\n    }\n  }\n}\n"
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
