#!/usr/bin/env bash
# Every requirement a hidden case checks was stated where the student works: each hidden
# case of a manifest names, in "announced_by", the public cases of its item that show the
# same kind of requirement, or sentences of the generated handout that state it
# (docs/adapt-the-assignment.md, "announced_by"). For each manifest and its handout:
#   - every hidden case has an announcement;
#   - every public case it names exists, is public and belongs to the same item;
#   - every sentence it quotes is in the handout's file, word for word (comment markers,
#     indentation and line breaks aside: a sentence may run over several comment lines).
# Then the checks are shown to bite: a copy of the manifest with one word of a sentence
# changed, one naming a hidden case, and one with an announcement dropped, each fail.
# usage: test_announcements.sh [MANIFEST HANDOUT_DIR]...  (default: the assignment's and
# every example's)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v jq > /dev/null || { echo "test_announcements: jq is needed to read the manifests (make deps)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # description, condition-exit-status
  if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}

# A file as one line: each line without its indentation and // or /// marker, joined by
# spaces, runs of blanks squeezed.
flatten() {
  awk '{ sub(/^[ \t]*(\/\/\/?[ \t]?)?/, ""); printf "%s ", $0 }' "$1" | tr -s ' \t' ' '
}

# Prints one line per problem of MANIFEST against HANDOUT_DIR; prints nothing when sound.
problems() {
  local manifest=$1 handout=$2
  jq -r '.items[] | .cases[] | select(.suite == "hidden")
         | select(.announced_by == null or .announced_by == [])
         | "\(.id): no \"announced_by\" (name the public case or the handout sentence that states what it checks)"' \
    "$manifest"
  jq -r '.items[] | . as $item | .cases[] | select(.suite == "hidden") | .id as $id
         | [.announced_by // empty] | flatten[] | select(type == "string") as $named
         | ($item.cases | map(select(.id == $named)) | first) as $case
         | if $case == null then "\($id): announced by \"\($named)\", which is no case of item \($item.number)"
           elif $case.suite != "public" then "\($id): announced by \"\($named)\", a \($case.suite) case; name a public one"
           else empty end' "$manifest"
  local id file sentence
  while IFS=$'\t' read -r id file sentence; do
    if [ ! -f "$handout/$file" ]; then
      echo "$id: quotes $file, which the handout ($handout) does not have"
    elif ! flatten "$handout/$file" | grep -qF -- "$(echo "$sentence" | tr -s ' \t' ' ')"; then
      echo "$id: quotes \"$sentence\", which $file of the handout does not say (change the sentence in the solution, run make handout, or quote it as it is)"
    fi
  done < <(jq -r '.items[].cases[] | select(.suite == "hidden") | .id as $id
                  | [.announced_by // empty] | flatten[] | select(type == "object")
                  | [$id, .file, .sentence] | @tsv' "$manifest")
}

if [ "$#" -eq 0 ]; then
  set -- "$repo/assignment/manifest.json" "$repo/handout"
  for example in "$repo"/examples/*; do
    [ -f "$example/manifest.json" ] && set -- "$@" "$example/manifest.json" "$example/handout"
  done
fi

first_manifest=$1 first_handout=$2
while [ "$#" -ge 2 ]; do
  manifest=$1 handout=$2; shift 2
  name=${manifest#"$repo"/}
  hidden=$(jq '[.items[].cases[] | select(.suite == "hidden")] | length' "$manifest")
  found=$(problems "$manifest" "$handout")
  [ -z "$found" ] || echo "$found"
  check "$name: each of its $hidden hidden cases is announced by public cases of its item or sentences of the handout" \
    $([ -z "$found" ]; echo $?)
done

# The checks bite: each broken copy of the first manifest shows the problem it plants.
quoted=$(jq -r '[.items[].cases[] | select(.suite == "hidden") | .id as $id
                 | [.announced_by // empty] | flatten[] | select(type == "object") | $id] | first // empty' "$first_manifest")
if [ -n "$quoted" ]; then
  jq --arg id "$quoted" '(.items[].cases[] | select(.id == $id) | .announced_by)
    |= ([.] | flatten | map(if type == "object" then .sentence |= sub(" "; " never ") else . end))' \
    "$first_manifest" > "$work/changed_sentence.json"
  problems "$work/changed_sentence.json" "$first_handout" | grep -q "^$quoted: quotes \""
  check "a sentence the handout does not hold word for word is found ($quoted)" $?
fi
named=$(jq -r '[.items[].cases[] | select(.suite == "hidden") | .id] | first // empty' "$first_manifest")
if [ -n "$named" ]; then
  jq --arg id "$named" '(.items[].cases[] | select(.id == $id) | .announced_by) |= [$id]' \
    "$first_manifest" > "$work/names_hidden.json"
  problems "$work/names_hidden.json" "$first_handout" | grep -qF "$named: announced by \"$named\", a hidden case"
  check "an announcement by a hidden case is found ($named)" $?
  jq --arg id "$named" '(.items[].cases[] | select(.id == $id)) |= del(.announced_by)' \
    "$first_manifest" > "$work/unannounced.json"
  problems "$work/unannounced.json" "$first_handout" | grep -qF "$named: no \"announced_by\""
  check "a hidden case without an announcement is found ($named)" $?
fi

echo "$failures failed"
[ "$failures" -eq 0 ]
