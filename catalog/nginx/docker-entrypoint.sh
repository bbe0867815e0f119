#!/bin/sh
# The official nginx image's entrypoint contract, written for the stand-in: when the command is
# nginx or nginx-debug and /docker-entrypoint.d/ holds files, run its scripts in version order
# (*.sh executed, *.envsh sourced, each only when executable), saying so on stdout unless
# NGINX_ENTRYPOINT_QUIET_LOGS is set; then exec the command. The scripts run in a subshell:
# what an .envsh exports reaches the scripts after it, not nginx.
set -e

say() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"
}

case "$1" in
nginx|nginx-debug)
    if [ -z "$(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print 2>/dev/null | head -n 1)" ]; then
        say "$0: No files found in /docker-entrypoint.d/, skipping configuration"
    else
        say "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        say "$0: Looking for shell scripts in /docker-entrypoint.d/"
        find /docker-entrypoint.d/ -follow -type f -print | sort -V | {
            while read -r script; do
                case "$script" in
                *.envsh|*.sh)
                    if [ ! -x "$script" ]; then
                        say "$0: Ignoring $script, not executable"
                    elif [ "${script%.envsh}" != "$script" ]; then
                        say "$0: Sourcing $script"
                        . "$script"
                    else
                        say "$0: Launching $script"
                        "$script"
                    fi
                    ;;
                *)
                    say "$0: Ignoring $script"
                    ;;
                esac
            done
        }
        say "$0: Configuration complete; ready for start up"
    fi
    ;;
esac

exec "$@"
