#!/bin/sh
# As in the official image: with NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE set, replace
# `worker_processes auto;` in /etc/nginx/nginx.conf (auto counts the host's CPUs) by the number
# of CPUs the container may really use: the fewest of the online CPUs, the cgroup's cpuset and
# its CPU quota (docker run --cpus, --cpuset-cpus). The old line stays, commented out, and the
# old file as nginx.conf.bak.
set -eu
me=$(basename "$0")
conf=/etc/nginx/nginx.conf

[ -n "${NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE:-}" ] || exit 0
touch "$conf" 2>/dev/null || { echo "$me: error: can not modify $conf (read-only file system?)" >&2; exit 0; }

# count_cpus LIST: how many CPUs a list such as 0-3,6 names
count_cpus() {
    echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1; next } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}

# quota QUOTA PERIOD: CPUs a CFS quota allows, rounded up; nothing when unlimited
quota() {
    case "$1" in max|-1|"") return 0 ;; esac
    [ "${2:-0}" -gt 0 ] 2>/dev/null || return 0
    echo $(( ($1 + $2 - 1) / $2 ))
}

# cgroup_dir FSTYPE [CONTROLLER]: this process's directory in that cgroup hierarchy
cgroup_dir() {
    mount=$(awk -v type="$1" -v want="${2:-}" '{
        for (i = 7; $i != "-"; i++) ;
        if ($(i + 1) != type) next
        if (want != "" && index("," $NF ",", "," want ",") == 0) next
        print $5; exit }' /proc/self/mountinfo)
    [ -n "$mount" ] || return 0
    if [ "$1" = cgroup2 ]; then
        path=$(sed -n 's/^0:://p' /proc/self/cgroup)
    else
        path=$(awk -F: -v want="$2" 'index("," $2 ",", "," want ",") { print $3; exit }' /proc/self/cgroup)
    fi
    # With a cgroup namespace (Docker's default) the mount is the container's own cgroup.
    if [ -n "$path" ] && [ -d "$mount$path" ]; then echo "$mount$path"; else echo "$mount"; fi
}

candidates=$(getconf _NPROCESSORS_ONLN)
dir=$(cgroup_dir cgroup2)
if [ -n "$dir" ]; then
    [ -r "$dir/cpuset.cpus.effective" ] && candidates="$candidates $(count_cpus "$(cat "$dir/cpuset.cpus.effective")")"
    [ -r "$dir/cpu.max" ] && candidates="$candidates $(quota $(cat "$dir/cpu.max"))"
fi
dir=$(cgroup_dir cgroup cpuset)
[ -n "$dir" ] && [ -r "$dir/cpuset.effective_cpus" ] && candidates="$candidates $(count_cpus "$(cat "$dir/cpuset.effective_cpus")")"
dir=$(cgroup_dir cgroup cpu)
[ -n "$dir" ] && [ -r "$dir/cpu.cfs_quota_us" ] && candidates="$candidates $(quota "$(cat "$dir/cpu.cfs_quota_us")" "$(cat "$dir/cpu.cfs_period_us")")"

ncpu=$(for n in $candidates; do [ "$n" -gt 0 ] && echo "$n"; done | sort -n | head -n 1)
[ -n "$ncpu" ] || exit 0

sed -i.bak -E "s/^(worker_processes)(.*)\$/# Commented out by $me on $(date)\n#\1\2\n\1 $ncpu;/" "$conf"
