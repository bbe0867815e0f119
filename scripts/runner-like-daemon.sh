#!/usr/bin/env bash
# A daemon set up the way a GitHub runner has one, to try `make test-live` on this machine:
# the engine bundle's dockerd on the host itself (default socket /var/run/docker.sock, data root
# /var/lib/docker, the host's network), the containerd image store on, the suite's catalog
# registry (started by `make engine-up`) as its Docker Hub mirror, and the bundle's buildx and
# compose where a runner's packages put CLI plugins.
#
#   scripts/runner-like-daemon.sh up     start it (pulls need the suite's engine up, for the mirror)
#   scripts/runner-like-daemon.sh env    print the PATH to run `make test-live` with
#   scripts/runner-like-daemon.sh down   stop it and remove its data, socket and plugin links
#
# It refuses to start when something already answers on /var/run/docker.sock: that is someone's
# daemon, not this script's.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version=$(awk '$1 == "docker.io" {print $2}' "$here/engine/packages.txt")
bundle=/opt/docproof/engine-$version
state=/run/docproof-runner-like
plugins=/usr/local/lib/docker/cli-plugins
mirror=10.0.2.2:5999

# The pages' docker CLI: the bundle's, ahead of the machine's own in /usr/local/bin.
bundle_path() { echo "$bundle/usr/bin:$PATH"; }

up() {
  [ -x "$bundle/usr/sbin/dockerd" ] || { echo "runner-like-daemon: no engine bundle in $bundle (run scripts/install-engine.sh)" >&2; exit 1; }
  if [ -S /var/run/docker.sock ] && curl -fs --unix-socket /var/run/docker.sock http://d/_ping >/dev/null; then
    echo "runner-like-daemon: a daemon already answers on /var/run/docker.sock; not starting another" >&2
    exit 1
  fi
  # The daemon starts without its mirror; pulls need it (a runner's daemon pulls from Docker Hub).
  curl -fs "http://$mirror/v2/" >/dev/null || echo "runner-like-daemon: the catalog registry does not answer at $mirror yet: pulls fail until make engine-up" >&2
  mkdir -p "$state" "$plugins"
  for plugin in docker-buildx docker-compose; do
    if [ ! -e "$plugins/$plugin" ]; then
      ln -s "$bundle/usr/libexec/docker/cli-plugins/$plugin" "$plugins/$plugin"
      echo "$plugins/$plugin" >> "$state/links"
    fi
  done
  cat > "$state/daemon.json" <<EOF
{
  "features": {"containerd-snapshotter": true},
  "registry-mirrors": ["http://$mirror"],
  "insecure-registries": ["$mirror"]
}
EOF
  # dockerd in a mount namespace of its own where the bundle covers /usr/bin, /usr/sbin and
  # /usr/libexec (slave: the host's mounts still reach it), so its processes run from the paths a
  # runner's packages use (`ps` shows /usr/bin/containerd-shim-runc-v2, /usr/sbin/docker-proxy).
  setsid unshare --mount --propagation slave -- sh -c "
    for d in /usr/bin /usr/sbin /usr/libexec; do mount -t overlay overlay -o lowerdir=$bundle\$d:\$d \$d; done
    exec dockerd --config-file $state/daemon.json --pidfile $state/dockerd.pid" \
    > "$state/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 100); do
    if curl -fs --unix-socket /var/run/docker.sock http://d/_ping >/dev/null; then
      echo "runner-like-daemon: up; run: PATH=$(bundle_path) make test-live"
      return
    fi
    sleep 0.2
  done
  echo "runner-like-daemon: dockerd did not answer within 20 s; its log:" >&2
  tail -20 "$state/dockerd.log" >&2
  exit 1
}

down() {
  if [ -f "$state/dockerd.pid" ]; then
    pid=$(cat "$state/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then echo "runner-like-daemon: dockerd $pid did not stop in 30 s" >&2; exit 1; fi
  fi
  if [ -f "$state/links" ]; then xargs -r rm -f < "$state/links"; fi
  # What this daemon made: its data root's contents (the folder may be a mount point elsewhere).
  if [ -d /var/lib/docker ]; then find /var/lib/docker -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi
  rm -rf "$state" /var/run/docker.sock
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) echo "PATH=$(bundle_path)" ;;
  *) echo "usage: $0 up|env|down" >&2; exit 2 ;;
esac
