#!/bin/sh
# As in the official image: every *.template under /etc/nginx/templates becomes the file of the
# same relative path, without the suffix, in /etc/nginx/conf.d, with ${VAR} of each defined
# environment variable substituted (envsubst; undefined ones are left as written). Files named
# *.stream-template go to /etc/nginx/stream-conf.d instead, and nginx.conf gets a stream block
# including them unless it has one. Settings: NGINX_ENVSUBST_TEMPLATE_DIR, _TEMPLATE_SUFFIX,
# _OUTPUT_DIR, _STREAM_TEMPLATE_SUFFIX, _STREAM_OUTPUT_DIR, NGINX_ENVSUBST_FILTER (a regular
# expression that the names of substituted variables must match).
set -e
me=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
stream_suffix="${NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX:-.stream-template}"
stream_output_dir="${NGINX_ENVSUBST_STREAM_OUTPUT_DIR:-/etc/nginx/stream-conf.d}"
conf=/etc/nginx/nginx.conf

[ -d "$template_dir" ] || exit 0

# The shell-format argument of envsubst: ${NAME} for each environment variable (that matches
# the filter), so that ${...} naming anything else is left as written.
variables=$(awk 'BEGIN { re = ENVIRON["NGINX_ENVSUBST_FILTER"]; for (name in ENVIRON) if (name ~ re) printf "${%s} ", name }')

# render SUFFIX OUTPUT_DIR: each template with that suffix, into that directory
render() {
    find "$template_dir" -follow -type f -name "*$1" -print | while read -r template; do
        relative="${template#"$template_dir/"}"
        output="$2/${relative%"$1"}"
        mkdir -p "$(dirname "$output")"
        say "$me: Running envsubst on $template to $output"
        envsubst "$variables" < "$template" > "$output"
    done
}

if [ ! -w "$output_dir" ]; then
    say "$me: ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi
render "$suffix" "$output_dir"

[ -n "$(find "$template_dir" -follow -type f -name "*$stream_suffix" -print | head -n 1)" ] || exit 0
mkdir -p "$stream_output_dir"
if [ ! -w "$stream_output_dir" ]; then
    say "$me: ERROR: $template_dir exists, but $stream_output_dir is not writable"
    exit 0
fi
if grep -q -E '^\s*stream\s*\{' "$conf"; then
    say "$me: $conf contains a stream block; include $stream_output_dir/*.conf to enable stream templates"
else
    if ! touch "$conf" 2>/dev/null; then
        say "$me: info: can not modify $conf (read-only file system?)"
        exit 0
    fi
    say "$me: Appending stream block to $conf to include $stream_output_dir/*.conf"
    # The official image's nginx has the stream module built in; Debian's loads it.
    if ! nginx -V 2>&1 | grep -q -- '--with-stream '  && ! grep -q 'ngx_stream_module\.so' "$conf"; then
        sed -i '1i load_module modules/ngx_stream_module.so;' "$conf"
    fi
    printf '# added by "%s" on "%s"\nstream {\n  include %s/*.conf;\n}\n' "$me" "$(date)" "$stream_output_dir" >> "$conf"
fi
render "$stream_suffix" "$stream_output_dir"
