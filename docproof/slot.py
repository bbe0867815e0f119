"""Where one of the suite's engines lives: its names, addresses and folders on this machine.

Slot 0 is the engine the suite and CI use. Slots 1-9 are further, fully separate engines on the
same machine, so several authors can each run a chapter at once (DOCPROOF_ENGINE_SLOT=N); they
share only the catalog's registry storage, which pages never write. A Slot is a plain value:
reading the environment happens in `from_environment`, when a caller asks, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SLOT_ENV = "DOCPROOF_ENGINE_SLOT"
STATE_ENV = "DOCPROOF_STATE_DIR"
REGISTRY_PORT = 5999
HOSTNAME = "docker-host"  # the machine's host name, as a reader's machine has one


class SlotError(ValueError):
    """DOCPROOF_ENGINE_SLOT names no slot; the message quotes the value."""


@dataclass(frozen=True)
class Slot:
    number: int = 0
    state_dir: Path = Path("/var/lib/docproof")
    # An extra host of a page (docproof/hosts.py): a machine of its own beside the slot's, with
    # its own namespaces, data root, home and host name, sharing the slot's catalog registry.
    host: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Slot:
        text = environ.get(SLOT_ENV, "0") or "0"
        if not (text.isdigit() and int(text) < 10):
            raise SlotError(f"{SLOT_ENV} must be a number from 0 to 9, not {text!r}")
        return cls(int(text), Path(environ.get(STATE_ENV) or "/var/lib/docproof"))

    @property
    def suffix(self) -> str:
        """What the slot's names end with; an extra host's names add its own (`-5-node2`)."""
        base = f"-{self.number}" if self.number else ""
        return f"{base or '-0'}-{self.host}" if self.host else base

    @property
    def hostname(self) -> str:
        return self.host or HOSTNAME

    def extra_host(self, name: str | None) -> Slot:
        return Slot(self.number, self.state_dir, name)

    # The network the slot's hosts share when a page asks for extra hosts (docproof/hosts.py):
    # a bridge on this host, 10.1.N.0/24, apart from every slot's 10.0.(2+N).0/24.
    @property
    def lan_bridge(self) -> str:
        return f"dp-lan{self.number}"

    @property
    def lan_prefix(self) -> str:
        return f"10.1.{self.number}"

    # Inside, the machine looks like a VM on a NAT network: eth0 is 10.0.2.15, the gateway
    # 10.0.2.2. Each slot's host end needs a subnet of its own on the host.
    @property
    def netns(self) -> str:
        return f"docproof{self.suffix}"

    @property
    def netns_path(self) -> Path:
        return Path("/run/netns") / self.netns

    @property
    def veth_host(self) -> str:
        return f"dp-host{self.suffix}"

    @property
    def veth_ns(self) -> str:
        return f"dp-ns{self.suffix}"

    @property
    def subnet(self) -> str:
        return f"10.0.{2 + self.number}.0/24"

    @property
    def host_ip(self) -> str:
        return f"10.0.{2 + self.number}.2"

    @property
    def ns_ip(self) -> str:
        return f"10.0.{2 + self.number}.15"

    @property
    def registry_addr(self) -> str:  # an extra host pulls through its slot's registry
        return f"{self.host_ip}:{REGISTRY_PORT}"

    @property
    def run_dir(self) -> Path:
        return Path(f"/run/docproof{self.suffix}")

    @property
    def data_root(self) -> Path:
        return self.state_dir / f"docker{self.suffix}"

    @property
    def home_dir(self) -> Path:
        """/root on the machine: a folder on the host's disk, so a page's files sit on the kind
        of filesystem a reader's home is on (a tmpfs lists folders with other sizes)."""
        return self.state_dir / f"home{self.suffix}"

    @property
    def socket(self) -> Path:
        """The daemon listens on /var/run/docker.sock inside its machine, and here for the harness."""
        return self.state_dir / f"api{self.suffix}" / "docker.sock"

    @property
    def registry_storage(self) -> Path:
        return self.state_dir / "registry"  # shared by every slot

    @property
    def claim_lock(self) -> Path:
        # Not under run_dir: a lock on a file that someone deletes and recreates excludes nobody.
        return Path(f"/run/lock/docproof-engine{self.suffix}.lock")

    @property
    def site_cert(self) -> Path:  # the slot's, also on its extra hosts: one server answers for the site
        return self.extra_host(None).run_dir / "site.crt" if self.host else self.run_dir / "site.crt"

    @property
    def site_key(self) -> Path:
        return self.site_cert.with_suffix(".key")
