#!/bin/sh
# As in the official image: when the kernel has IPv6 and /etc/nginx/conf.d/default.conf is
# still the packaged file (known here by its MD5 checksum, which the image build verifies), add
# `listen [::]:80;` to it. Every case that leaves the file alone says why.
set -e
me=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }
conf=/etc/nginx/conf.d/default.conf
packaged_md5=25c02145e4a2e1d2bc6da5d585cddd32

if [ ! -f /proc/net/if_inet6 ]; then
    say "$me: info: ipv6 not available"
    exit 0
fi
if [ ! -f "$conf" ]; then
    say "$me: info: $conf is not a file or does not exist"
    exit 0
fi
if ! touch "$conf" 2>/dev/null; then
    say "$me: info: can not modify $conf (read-only file system?)"
    exit 0
fi
if grep -q 'listen  \[::\]:80;' "$conf"; then  # a restarted container
    say "$me: info: IPv6 listen already enabled"
    exit 0
fi
if [ ! -f /etc/os-release ]; then
    say "$me: info: can not guess the operating system"
    exit 0
fi
say "$me: info: Getting the checksum of $conf"
if [ "$(md5sum "$conf" | cut -d' ' -f1)" != "$packaged_md5" ]; then
    say "$me: info: $conf differs from the packaged version"
    exit 0
fi
sed -i 's/^    listen       80;$/&\n    listen  [::]:80;/' "$conf"
say "$me: info: Enabled listen on IPv6 in $conf"
