#!/bin/sh
# The official redis image's entrypoint contract: options or a *.conf as first argument go to
# redis-server; redis-server started as root runs as the redis user (after taking ownership of
# the files in /data); protected mode is off unless the command or its config file sets it.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
    if [ "$(id -u)" = 0 ]; then
        find . \! -user redis -exec chown redis '{}' +
        exec gosu redis "$0" "$@"
    fi
    protected=
    for arg; do
        case "$arg" in
            --protected-mode) protected=yes ;;
            *.conf) if [ -f "$arg" ] && grep -Eqi '^[[:space:]]*protected-mode[[:space:]]' "$arg"; then protected=yes; fi ;;
        esac
    done
    if [ -z "$protected" ]; then
        set -- "$@" --protected-mode no
    fi
    umask 0077
fi

exec "$@"
