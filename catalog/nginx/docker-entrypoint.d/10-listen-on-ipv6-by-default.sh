#!/bin/sh
# As in the official image: when the kernel has IPv6 and default.conf is the packaged one,
# make it also listen on [::]:80.
set -e
me=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }
conf=etc/nginx/conf.d/default.conf

if [ ! -f "/proc/net/if_inet6" ]; then
    say "$me: info: ipv6 not available"
    exit 0
fi
if [ ! -f "/$conf" ]; then
    say "$me: info: /$conf is not a file or does not exist"
    exit 0
fi
touch "/$conf" 2>/dev/null || { say "$me: info: can not modify /$conf (read-only file system?)"; exit 0; }
say "$me: info: Getting the checksum of /$conf"
if [ "$(sha256sum "/$conf" | cut -d' ' -f1)" != "$(cat /usr/share/docproof/default.conf.sha256)" ]; then
    say "$me: info: /$conf differs from the packaged version"
    exit 0
fi
sed -i -E 's,listen       80;,listen       80;\n    listen  [::]:80;,' "/$conf"
say "$me: info: Enabled listen on IPv6 in /$conf"
