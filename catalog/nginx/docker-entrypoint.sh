#!/bin/sh
# The official nginx image's entrypoint contract: when the command is nginx, run the
# configuration scripts in /docker-entrypoint.d/ in version order (*.sh executed, *.envsh
# sourced, when executable), saying so on stdout unless NGINX_ENTRYPOINT_QUIET_LOGS is set;
# then exec the command.
set -e

say() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"
}

case "$1" in
nginx|nginx-debug)
    scripts=$(find /docker-entrypoint.d/ -follow -type f -print 2>/dev/null | sort -V)
    if [ -z "$scripts" ]; then
        say "$0: No files found in /docker-entrypoint.d/, skipping configuration"
    else
        say "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        say "$0: Looking for shell scripts in /docker-entrypoint.d/"
        for f in $scripts; do
            if [ "${f%.envsh}" != "$f" ] && [ -x "$f" ]; then
                say "$0: Sourcing $f"
                . "$f"
            elif [ "${f%.sh}" != "$f" ] && [ -x "$f" ]; then
                say "$0: Launching $f"
                "$f"
            elif [ "${f%.sh}" != "$f" ] || [ "${f%.envsh}" != "$f" ]; then
                say "$0: Ignoring $f, not executable"
            else
                say "$0: Ignoring $f"
            fi
        done
        say "$0: Configuration complete; ready for start up"
    fi
    ;;
esac

exec "$@"
