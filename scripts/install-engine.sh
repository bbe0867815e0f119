#!/usr/bin/env bash
# Installs the engine the suite runs: Debian sid's Docker packages at the versions pinned in
# engine/packages.txt, unpacked with `dpkg -x` into /opt/docproof/engine-<docker.io version>.
# Nothing is installed into the machine's package database and no package of the machine moves:
# apt only downloads, through an index of its own under /var/lib/docproof/apt.
# It never installs a version other than the pinned one: when sid no longer has it, it stops and
# says which version sid has now.
# Idempotent: an already unpacked bundle returns at once.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pins="$root/engine/packages.txt"
names=() versions=()
while read -r name version _; do
  case "$name" in ''|'#'*) continue ;; esac
  names+=("$name") versions+=("$version")
done < "$pins"

engine_version=""
for i in "${!names[@]}"; do [ "${names[$i]}" = docker.io ] && engine_version=${versions[$i]}; done
if [ -z "$engine_version" ]; then
  echo "install-engine: $pins pins no docker.io version" >&2
  exit 1
fi
dest=/opt/docproof/engine-$engine_version
if [ -f "$dest/.complete" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-engine: run as root (it writes $dest)" >&2
  exit 1
fi
for tool in apt-get dpkg patchelf; do
  command -v "$tool" >/dev/null || { echo "install-engine: needs $tool (make setup installs it)" >&2; exit 1; }
done

state=/var/lib/docproof/apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
  > "$state/sources.list"
apt=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache" -o APT::Architectures=amd64
     -o Debug::NoLocking=1)
echo "install-engine: reading Debian sid's package index" >&2
apt-get "${apt[@]}" update -qq

gone=()
for i in "${!names[@]}"; do
  if [ -z "$(apt-cache "${apt[@]}" show "${names[$i]}=${versions[$i]}" 2>/dev/null)" ]; then
    now=$(apt-cache "${apt[@]}" policy "${names[$i]}" | sed -n 's/^ *Candidate: //p')
    gone+=("${names[$i]} ${versions[$i]} (sid has ${now:-no such package} now)")
  fi
done
if [ ${#gone[@]} -gt 0 ]; then
  {
    echo "install-engine: Debian sid no longer has the pinned engine packages:"
    printf '  %s\n' "${gone[@]}"
    echo "To move to the versions sid has now, set them in engine/packages.txt, run \`make test\`,"
    echo "and re-prove the pages whose output shows a version (\`make update-output PAGE=docs/...\`)."
    echo "Nothing was installed."
  } >&2
  exit 1
fi

staging=$(mktemp -d /opt/docproof-staging.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$staging"' EXIT
specs=()
for i in "${!names[@]}"; do specs+=("${names[$i]}=${versions[$i]}"); done
echo "install-engine: downloading ${specs[*]}" >&2
(cd "$staging" && apt-get "${apt[@]}" download -qq "${specs[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
mkdir "$staging/tree"
for name in "${names[@]}"; do
  deb=$(ls "$staging"/"${name}"_*.deb)
  dpkg -x "$deb" "$staging/tree"
done

tree=$staging/tree
# The private C library, for runc only: everything else runs on the machine's own.
mkdir -p "$tree/glibc"
mv "$tree/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$tree/usr/lib/x86_64-linux-gnu/libc.so.6" "$tree/glibc/"
rm -f "$tree/usr/bin/docker-compose"  # docker-ce has only the plugin; pages teach `docker compose`
rm -rf "$tree/usr/lib/x86_64-linux-gnu" "$tree/usr/lib64" "$tree/usr/share/doc" "$tree/usr/share/man" \
       "$tree/usr/share/lintian" "$tree/etc/init.d" "$tree/usr/lib/systemd" "$tree/usr/lib/udev" "$tree/usr/lib/sysusers.d"
patchelf --set-interpreter "$dest/glibc/ld-linux-x86-64.so.2" --set-rpath "$dest/glibc" "$tree/usr/sbin/runc"

mkdir -p /opt/docproof
rm -rf "$dest"
mv "$tree" "$dest"
for binary in usr/bin/docker usr/sbin/dockerd usr/bin/containerd usr/sbin/runc \
              usr/libexec/docker/cli-plugins/docker-buildx usr/libexec/docker/cli-plugins/docker-compose; do
  if ! "$dest/$binary" --version >/dev/null 2>&1 && ! "$dest/$binary" version >/dev/null 2>&1; then
    echo "install-engine: $dest/$binary does not run on this machine:" >&2
    "$dest/$binary" --version >&2 || true
    rm -rf "$dest"
    exit 1
  fi
done
touch "$dest/.complete"
echo "install-engine: Docker Engine $engine_version is in $dest" >&2
