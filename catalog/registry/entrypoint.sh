#!/bin/sh
# The official registry image's entrypoint contract: a config file argument means
# `registry serve FILE`; serve, garbage-collect, help or an option go to registry.
set -e
case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac
exec "$@"
