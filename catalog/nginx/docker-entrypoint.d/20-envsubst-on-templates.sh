#!/bin/sh
# As in the official image: every *.template under /etc/nginx/templates becomes the file of the
# same relative path without .template in /etc/nginx/conf.d, with ${VAR} of defined environment
# variables substituted (envsubst). Settings: NGINX_ENVSUBST_TEMPLATE_DIR, _SUFFIX,
# NGINX_ENVSUBST_OUTPUT_DIR, NGINX_ENVSUBST_FILTER (a regex on variable names).
set -e
me=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    say "$me: ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi
defined=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative="${template#"$template_dir/"}"
    output="$output_dir/${relative%"$suffix"}"
    mkdir -p "$(dirname "$output")"
    say "$me: Running envsubst on $template to $output"
    envsubst "$defined" < "$template" > "$output"
done
