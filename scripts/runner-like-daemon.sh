#!/usr/bin/env bash
# A daemon set up the way a GitHub runner has one, to try `make test-live` on this machine: the
# engine bundle's dockerd on the default socket /var/run/docker.sock and data root
# /var/lib/docker, the containerd image store on, the suite's catalog registry (started by
# `make engine-up`) as its Docker Hub mirror, and the bundle's buildx and compose where a
# runner's packages put CLI plugins.
#
# A runner is a VM: its network and its process table are its own. So the daemon and the tests
# run in a network namespace of this script's, whose one interface is eth0, and a PID namespace
# of its own; otherwise pages that list interfaces, iptables rules or processes (`ps -C dockerd`)
# would see the suite's other engines on this host.
#
#   scripts/runner-like-daemon.sh up         start it (pulls need the suite's engine up, for the mirror)
#   scripts/runner-like-daemon.sh run CMD..  run CMD where the runner's jobs run: its network,
#                                            processes and /usr/bin (the bundle's docker CLI)
#   scripts/runner-like-daemon.sh down       stop it; remove its data and network
#
# It refuses to start when something already answers on /var/run/docker.sock: that is someone's
# daemon, not this script's.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version=$(awk '$1 == "docker.io" {print $2}' "$here/engine/packages.txt")
bundle=/opt/docproof/engine-$version
state=/var/lib/docproof/runner-like
mirror=10.0.2.2:5999
netns=docproof-runner-like
# 10.0.2-11.0/24 are the engine slots' networks: this one is apart from them.
host_end=rl-host host_ip=10.0.99.1 inside_ip=10.0.99.2

# nsenter, not `ip netns exec`: that mounts a fresh /sys, which hides the cgroup mounts dockerd needs.
in_net() { nsenter --net="/run/netns/$netns" -- "$@"; }
# Where the runner's jobs run: its network, processes, /run and /usr (the bundle's docker CLI).
inside() { nsenter --target "$(cat "$state/init.pid")" --net --mount --pid -- env --chdir "$PWD" "$@"; }

network_up() {
  ip netns add "$netns"
  ip link add "$host_end" type veth peer name rl-inside netns "$netns"
  ip addr add "$host_ip/24" dev "$host_end"
  ip link set "$host_end" up
  in_net ip link set rl-inside name eth0
  in_net ip addr add "$inside_ip/24" dev eth0
  in_net ip link set eth0 up
  in_net ip link set lo up
  in_net ip route add default via "$host_ip"
  echo 1 > /proc/sys/net/ipv4/ip_forward
  # Egress for builds (package mirrors), as a runner has.
  iptables -t nat -A POSTROUTING -s 10.0.99.0/24 ! -o "$host_end" -j MASQUERADE
  iptables -A FORWARD -i "$host_end" -j ACCEPT
  iptables -A FORWARD -o "$host_end" -j ACCEPT
}

network_down() {
  while iptables -t nat -C POSTROUTING -s 10.0.99.0/24 ! -o "$host_end" -j MASQUERADE 2>/dev/null; do
    iptables -t nat -D POSTROUTING -s 10.0.99.0/24 ! -o "$host_end" -j MASQUERADE
  done
  for direction in -i -o; do
    while iptables -C FORWARD "$direction" "$host_end" -j ACCEPT 2>/dev/null; do
      iptables -D FORWARD "$direction" "$host_end" -j ACCEPT
    done
  done
  if ip link show "$host_end" >/dev/null 2>&1; then ip link del "$host_end"; fi
  if [ -e "/run/netns/$netns" ]; then ip netns del "$netns"; fi
}

up() {
  [ -x "$bundle/usr/sbin/dockerd" ] || { echo "runner-like-daemon: no engine bundle in $bundle (run scripts/install-engine.sh)" >&2; exit 1; }
  if [ -S /var/run/docker.sock ] && curl -fs --unix-socket /var/run/docker.sock http://d/_ping >/dev/null; then
    echo "runner-like-daemon: a daemon already answers on /var/run/docker.sock; not starting another" >&2
    exit 1
  fi
  # The daemon starts without its mirror; pulls need it (a runner's daemon pulls from Docker Hub).
  curl -fs "http://$mirror/v2/" >/dev/null || echo "runner-like-daemon: the catalog registry does not answer at $mirror yet: pulls fail until make engine-up" >&2
  mkdir -p "$state/etc/docker"
  cat > "$state/etc/docker/daemon.json" <<EOF
{
  "features": {"containerd-snapshotter": true},
  "registry-mirrors": ["http://$mirror"],
  "insecure-registries": ["$mirror"]
}
EOF
  network_up
  # dockerd in mount and PID namespaces of their own, where the bundle covers /usr/bin, /usr/sbin
  # and /usr/libexec (slave: the host's mounts still reach it), so its processes and CLI plugins
  # are where a runner's packages put them (`ps` shows /usr/bin/containerd-shim-runc-v2), `ps`
  # lists this daemon's processes only, and /run is its own (socket, pid files: nothing of an
  # earlier run is left there). PID 1 is the bundle's docker-init, which reaps orphans.
  local_docker=""
  if [ -e /usr/local/bin/docker ]; then local_docker="mount --bind $bundle/usr/bin/docker /usr/local/bin/docker"; fi
  in_net setsid unshare --mount --propagation slave --pid --fork --mount-proc -- sh -c "
    set -e
    for d in /usr/bin /usr/sbin /usr/libexec; do mount -t overlay overlay -o lowerdir=$bundle\$d:\$d \$d; done
    $local_docker
    mount -t overlay overlay -o lowerdir=$state/etc:/etc /etc
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
    mkdir -p /run/lock
    /usr/sbin/dockerd &
    exec /usr/bin/docker-init -- sleep infinity" \
    > "$state/dockerd.log" 2>&1 < /dev/null &
  # Its PID 1, as this host numbers it: the first process down from the one just started whose
  # PID namespace is not ours (nsenter, setsid and unshare may each fork on the way).
  init="" process=$! own_pids=$(readlink /proc/self/ns/pid)
  for _ in $(seq 50); do
    if [ "$(readlink "/proc/$process/ns/pid" 2>/dev/null)" != "$own_pids" ]; then init=$process; break; fi
    child=$(awk '{print $1}' "/proc/$process/task/$process/children" 2>/dev/null || true)
    if [ -n "$child" ]; then process=$child; else sleep 0.1; fi
  done
  [ -n "$init" ] || { echo "runner-like-daemon: its machine did not start; its log:" >&2; tail -20 "$state/dockerd.log" >&2; exit 1; }
  echo "$init" > "$state/init.pid"
  for _ in $(seq 100); do
    if inside curl -fs --unix-socket /var/run/docker.sock http://d/_ping >/dev/null; then
      echo "runner-like-daemon: up; run the tests with: $0 run make test-live"
      return
    fi
    sleep 0.2
  done
  echo "runner-like-daemon: dockerd did not answer within 20 s; its log:" >&2
  tail -20 "$state/dockerd.log" >&2
  exit 1
}

down() {
  if [ -f "$state/init.pid" ]; then
    init=$(cat "$state/init.pid")
    # dockerd first, so that it stops its containers; then PID 1, which ends the namespace.
    daemon=$(pgrep -P "$init" -x dockerd || true)
    if [ -n "$daemon" ]; then
      kill "$daemon"
      for _ in $(seq 150); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$daemon" 2>/dev/null; then echo "runner-like-daemon: dockerd $daemon did not stop in 30 s" >&2; exit 1; fi
    fi
    kill -KILL "$init" 2>/dev/null || true  # it may have ended already
    for _ in $(seq 50); do kill -0 "$init" 2>/dev/null || break; sleep 0.1; done
  fi
  network_down
  # What this daemon made: its data root's contents (the folder may be a mount point elsewhere).
  if [ -d /var/lib/docker ]; then find /var/lib/docker -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi
  rm -rf "$state"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  run) shift
       [ -f "$state/init.pid" ] || { echo "runner-like-daemon: not up (run: $0 up)" >&2; exit 1; }
       inside "$@" ;;
  *) echo "usage: $0 up|run CMD...|down" >&2; exit 2 ;;
esac
