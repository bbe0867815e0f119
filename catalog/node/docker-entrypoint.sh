#!/bin/sh
# The official node image's entrypoint contract: arguments that are an option (-e ...), a file
# that is not executable (app.js) or not a command are given to node; anything else runs as is.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1" || true)" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
    set -- node "$@"
fi
exec "$@"
