#!/usr/bin/env bash
# Installs the Debian packages listed in the given files, idempotently: only what is
# missing, `apt-get update` once before the first install. As root it uses apt-get,
# otherwise sudo; with neither it stops and names the packages and the command to run.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 PACKAGE_LIST_FILE..." >&2
  exit 2
fi

command -v dpkg-query > /dev/null || {
  echo "deps: no dpkg here: this installer is for Debian and Ubuntu (and WSL)." >&2
  echo "deps: install the packages listed in $* with your system's own tools (on macOS the" >&2
  echo "deps: student README's section \"macOS with Homebrew\" names them), then run CMake yourself." >&2
  exit 2
}
wanted=$(grep -hv '^\s*#' "$@" | awk 'NF { print $1 }')
native=$(dpkg --print-architecture)
# A name without ":arch" means this machine's architecture (or an architecture-independent
# package): where a foreign architecture is added (make test-arm64 adds arm64), dpkg-query
# lists one line per installed architecture, and only the native one counts here.
installed() {
  local lines
  lines=$(dpkg-query -W -f='${Status} ${Architecture}\n' "$1" 2>/dev/null || true)
  if [[ $1 == *:* ]]; then
    grep -q '^install ok installed ' <<< "$lines"
  else
    grep -qE "^install ok installed ($native|all)\$" <<< "$lines"
  fi
}
missing=()
for package in $wanted; do
  installed "$package" || missing+=("$package")
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
