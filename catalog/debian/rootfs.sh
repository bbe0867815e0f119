#!/bin/sh
# Builds the root file system of debian:trixie-slim into ./rootfs.tar (the build context).
# What the official slim image does (debuerreotype --slimify): minbase, no documentation,
# man pages or locales (only copyright files stay), no apt lists, and apt/dpkg configured so
# that later installs stay slim too. The host's extra CA certificates, if any, are placed in
# /usr/local/share/ca-certificates: inert until ca-certificates is installed, which then
# trusts them (package registries behind an intercepting proxy keep working).
set -eu
suite=trixie
mirror=http://deb.debian.org/debian
ctx=$(pwd)

mmdebstrap --quiet --variant=minbase --format=tar \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/groff/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --dpkgopt='path-exclude=/usr/share/linda/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="rm -f \"\$1/etc/apt/sources.list\"" \
  --customize-hook="cp '$ctx/apt/debian.sources' \"\$1/etc/apt/sources.list.d/debian.sources\"" \
  --customize-hook="cp '$ctx'/apt/docker-* \"\$1/etc/apt/apt.conf.d/\"" \
  --customize-hook="if ls '$ctx'/host-ca/*.crt >/dev/null 2>&1; then mkdir -p \"\$1/usr/local/share/ca-certificates\" && cp '$ctx'/host-ca/*.crt \"\$1/usr/local/share/ca-certificates/\"; fi" \
  --customize-hook="rm -rf \"\$1\"/var/lib/apt/lists/* \"\$1\"/var/cache/apt/*.bin \"\$1\"/var/cache/ldconfig/aux-cache \"\$1\"/var/log/apt/* \"\$1\"/var/log/dpkg.log \"\$1\"/var/log/bootstrap.log \"\$1\"/etc/machine-id" \
  --customize-hook="rm -f \"\$1/etc/hostname\" \"\$1/etc/resolv.conf\"; : > \"\$1/etc/hostname\"" \
  "$suite" "$ctx/rootfs.tar" "$mirror"
