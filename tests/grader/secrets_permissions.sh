#!/bin/sh
# secrets_permissions.sh close STATE FOLDER...  — closes each existing FOLDER to every uid but
#                                                 its owner's (chmod go-rwx), writing the
#                                                 modes it had into STATE first;
# secrets_permissions.sh reopen STATE           — gives each folder in STATE its mode back.
#
# The fallback sandbox has no mount namespace: only permissions keep the grader's secrets
# from the code it runs (docs/architecture.md), and it refuses to run while a hidden folder
# is open. Its tests close them, as a machine that grades in the fallback must, and give the
# modes back when they end (ctest's FIXTURES_CLEANUP), so that a developer's checkout and
# the dataset's folder do not stay closed to their other users.
set -eu
action=$1 state=$2
shift 2
case "$action" in
  close)
    [ -s "$state" ] && { echo "secrets_permissions.sh: $state exists (an earlier run stopped): reopening first"; sh "$0" reopen "$state"; }
    : > "$state.tmp"
    for folder in "$@"; do
      [ -d "$folder" ] || continue
      printf '%s %s\n' "$(stat -c %a "$folder")" "$folder" >> "$state.tmp"
    done
    mv "$state.tmp" "$state"
    while read -r mode folder; do
      chmod go-rwx "$folder"
      echo "closed $folder (was $mode)"
    done < "$state"
    ;;
  reopen)
    [ -f "$state" ] || { echo "secrets_permissions.sh: no $state: nothing to reopen"; exit 0; }
    while read -r mode folder; do
      chmod "$mode" "$folder"
      echo "reopened $folder ($mode)"
    done < "$state"
    rm -f "$state"
    ;;
  *) echo "usage: secrets_permissions.sh close|reopen STATE [FOLDER...]" >&2; exit 2 ;;
esac
