#!/usr/bin/env bash
# Installs the engine the suite runs: Debian sid's Docker packages at the versions pinned in
# engine/packages.txt, unpacked with `dpkg -x` into /opt/docproof/engine-<docker.io version>.
# Nothing is installed into the machine's package database and no package of the machine moves:
# apt only downloads, through an index of its own under /var/lib/docproof/apt.
# It never installs a version other than the pinned one: when sid no longer has it, it stops and
# says which version sid has now.
# Pins marked `rootless` in the third column are Docker's rootless extras (rootlesskit, slirp4netns
# and its library) and go, with the dockerd-rootless scripts of the engine's docker.io package, into
# a second folder, /opt/docproof/rootless-<digest of the pins>: a machine whose engine bundle is
# already unpacked gets them without touching that bundle, and a pin that moves makes a new folder.
# Idempotent: already unpacked bundles return at once.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pins="$root/engine/packages.txt"
names=() versions=() extras=()
while read -r name version group _; do
  case "$name" in ''|'#'*) continue ;; esac
  case "${group:-}" in
    ''|'#'*) names+=("$name") versions+=("$version") ;;
    rootless) extras+=("$name=$version") ;;
    *) echo "install-engine: $pins: unknown group '$group' for $name (known: rootless)" >&2; exit 1 ;;
  esac
done < "$pins"

engine_version=""
for i in "${!names[@]}"; do [ "${names[$i]}" = docker.io ] && engine_version=${versions[$i]}; done
if [ -z "$engine_version" ]; then
  echo "install-engine: $pins pins no docker.io version" >&2
  exit 1
fi
dest=/opt/docproof/engine-$engine_version
# The same digest as docproof/machine.py's rootless_dir(): the pins without comments or spacing.
digest=$(sed 's/#.*//' "$pins" | awk 'NF { $1 = $1; print }' | sha256sum | cut -c1-12)
extras_dest=/opt/docproof/rootless-$digest
if [ -f "$dest/.complete" ] && [ -f "$extras_dest/.complete" ]; then
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
for spec in "${extras[@]}" $(for i in "${!names[@]}"; do echo "${names[$i]}=${versions[$i]}"; done); do
  if [ -z "$(apt-cache "${apt[@]}" show "$spec" 2>/dev/null)" ]; then
    now=$(apt-cache "${apt[@]}" policy "${spec%%=*}" | sed -n 's/^ *Candidate: //p')
    gone+=("${spec%%=*} ${spec#*=} (sid has ${now:-no such package} now)")
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

install_engine() {
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
}

# Docker's rootless extras as Docker's docker-ce-rootless-extras package puts them, in /usr/bin:
# rootlesskit, dockerd-rootless.sh and dockerd-rootless-setuptool.sh (Debian keeps the two scripts
# in /usr/share/docker.io/contrib), with slirp4netns beside them. slirp4netns needs glibc 2.38 and
# libslirp 4.9: like runc, it gets the pinned loader and libc, and the library, in the folder.
install_rootless() {
  local tree=$staging/rootless
  mkdir -p "$tree/debs"
  local libc=""
  for i in "${!names[@]}"; do [ "${names[$i]}" = libc6 ] && libc="libc6=${versions[$i]}"; done
  echo "install-engine: downloading ${extras[*]} $libc" >&2
  (cd "$tree/debs" && apt-get "${apt[@]}" download -qq "${extras[@]}" "$libc" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
  mkdir "$tree/x"
  for deb in "$tree"/debs/*.deb; do dpkg -x "$deb" "$tree/x"; done
  mkdir -p "$tree/out/usr/bin" "$tree/out/glibc" "$tree/out/lib"
  local lib=$tree/x/usr/lib/x86_64-linux-gnu
  mv "$lib/ld-linux-x86-64.so.2" "$lib/libc.so.6" "$tree/out/glibc/"
  mv "$lib"/libslirp.so.0* "$tree/out/lib/"
  mv "$tree"/x/usr/bin/rootless* "$tree/x/usr/bin/slirp4netns" "$tree/out/usr/bin/"
  install -m 755 "$dest/usr/share/docker.io/contrib/dockerd-rootless.sh" \
                 "$dest/usr/share/docker.io/contrib/dockerd-rootless-setuptool.sh" "$tree/out/usr/bin/"
  patchelf --set-interpreter "$extras_dest/glibc/ld-linux-x86-64.so.2" --set-rpath "$extras_dest/glibc:$extras_dest/lib" \
    "$tree/out/usr/bin/slirp4netns"
  rm -rf "$extras_dest"
  mv "$tree/out" "$extras_dest"
  for binary in rootlesskit slirp4netns; do
    if ! "$extras_dest/usr/bin/$binary" --version >/dev/null 2>&1; then
      echo "install-engine: $extras_dest/usr/bin/$binary does not run on this machine:" >&2
      "$extras_dest/usr/bin/$binary" --version >&2 || true
      rm -rf "$extras_dest"
      exit 1
    fi
  done
  touch "$extras_dest/.complete"
  echo "install-engine: Docker's rootless extras are in $extras_dest" >&2
}

mkdir -p /opt/docproof
[ -f "$dest/.complete" ] || install_engine
[ -f "$extras_dest/.complete" ] || install_rootless
