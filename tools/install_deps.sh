#!/usr/bin/env bash
# Installs the Debian packages listed in the given files, idempotently: only what is
# missing, `apt-get update` once before the first install. As root it uses apt-get,
# otherwise sudo; with neither it stops and names the packages and the command to run.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 PACKAGE_LIST_FILE..." >&2
  exit 2
fi

wanted=$(grep -hv '^\s*#' "$@" | awk 'NF { print $1 }')
# This machine's own instance of a package: with multiarch (arm64 -dev packages for a
# cross-build, say) a bare name may match two, and dpkg-query then prints both statuses.
# Architecture-independent packages are ":all". A name that already says its architecture
# ("libopenblas-dev:arm64") is taken as it is.
native=$(dpkg --print-architecture)
status_of() {
  case "$1" in
    *:*) dpkg-query -W -f='${Status}' "$1" 2>/dev/null ;;
    *) dpkg-query -W -f='${Status}' "$1:$native" 2>/dev/null || dpkg-query -W -f='${Status}' "$1:all" 2>/dev/null ;;
  esac
}
missing=()
for package in $wanted; do
  status=$(status_of "$package" || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all $(echo "$wanted" | wc -w) packages from $* are installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: this needs root. Run as root, or ask an administrator to run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
