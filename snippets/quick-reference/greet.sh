#!/bin/sh
# The image's entrypoint: "serve" starts a web server, anything else is greeted.
if [ "$1" = serve ]; then
  echo "serving /app/site on port 8080"
  exec httpd -f -p 8080 -h /app/site
fi
echo "${GREETING}, $*! (user $(id -un), in $(pwd))"
