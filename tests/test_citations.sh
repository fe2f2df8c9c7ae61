#!/usr/bin/env bash
# Files send their readers only to files they have:
#   1. no file of the repository cites the team's notes outside it;
#   2. no file of the student archive (make handout-dist) cites a file the archive lacks:
#      every path-like name of a source, script, document or data file in it
#      (numpy_ann.hpp, docs/numerics.md, golden/make_x.py, seeding.json) names a file that
#      is in the archive, and every folder it names (hidden_tests/, solution/golden/) is a
#      folder of the archive.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # description, condition-exit-status
  if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}

# 1. The notes' names, spelt in pieces so that this file does not match itself.
notes='ASSIGN''MENT\.md|DES''IGN\.md|STY''LE\.md|\.\./sha''red'
outside=$(cd "$repo" && git grep -nE "$notes" -- . ':!tests/test_citations.sh' 2>/dev/null)
[ -z "$outside" ] || echo "$outside"
check "no file of the repository cites the team's notes outside it" $([ -z "$outside" ]; echo $?)

# 2. The student archive.
# Without an archive there is nothing to check: that is a failure, never a pass.
if ! "$repo/tools/make_handout_dist.sh" "$work/archive.tar.gz" > /dev/null ||
   ! tar -C "$work" -xzf "$work/archive.tar.gz"; then
  echo "FAIL: make handout-dist wrote no archive (its error is above)"
  exit 1
fi
archive=$work/nnkit-assignment
(cd "$archive" && find . -type f | sed 's|^\./||') > "$work/files.txt"
sed 's|.*/||' "$work/files.txt" | sort -u > "$work/basenames.txt"
# Named but not the archive's to have: what the build generates, and other projects' files
# cited as the source of a semantics (PyTorch's, NumPy's) or a system header, and a VS Code
# extension's id (.devcontainer/).
external=" assignment_manifest.hpp torch/_tensor_str.py ATen/native/Normalization.cpp \
cpu/batch_norm_kernel.cpp autograd/engine.hpp mt19937.h cblas.h gnuplot-iostream.h ms-vscode.cmake "
missing=""
while IFS= read -r file; do
  case "$file" in *.gz|*.png|*.idx*) continue ;; esac
  grep -Iq . "$archive/$file" || continue   # binary
  # names ending in a source/doc/script extension, not part of a URL and not a system
  # header in angle brackets (#include <...>, __has_include(<...>): the compiler's business,
  # and the archive builds)
  names=$(grep -vE '^\s*#\s*include\s*<' "$archive/$file" \
          | grep -oE '(^|[^A-Za-z0-9_/.:<-])[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\.(md|cpp|hpp|h|py|sh|cmake|json|txt|mk)\b' \
          | sed -E 's/^[^A-Za-z0-9_.-]//' | sort -u)
  for name in $names; do
    case "$external" in *" $name "*) continue ;; esac
    case "$name" in
      */*) [ -e "$archive/$name" ] || [ -e "$archive/$(dirname "$file")/$name" ] \
             || grep -qE "(^|/)${name//./\\.}\$" "$work/files.txt" \
             || grep -qE "(^|/)$(echo "$name" | awk -F/ '{ print $(NF-1) "/" $NF }' | sed 's/\./\\./g')\$" "$work/files.txt" \
             || missing+="$file: $name"$'\n' ;;
      *) grep -qxF "$name" "$work/basenames.txt" || missing+="$file: $name"$'\n' ;;
    esac
  done
done < "$work/files.txt"
# Folders: a name ending in "/" as a word of its own (hidden_tests/, `solution/golden/`),
# not a URL, an operator or a sed command, must be a folder of the archive or end one
# (golden/ is assignment/golden), or one the build makes.
made_by_build=" build build-debug "
(cd "$archive" && find . -mindepth 1 -type d | sed 's|^\./||') > "$work/folders.txt"
while IFS= read -r file; do
  case "$file" in *.gz|*.png|*.idx*) continue ;; esac
  grep -Iq . "$archive/$file" || continue
  folders=$(grep -vE '^\s*#\s*include\s*<' "$archive/$file" \
            | grep -oE "(^|[[:space:]\`'\"(])[A-Za-z_][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*/([[:space:]\`'\"),;:]|\$)" \
            | sed -E "s/^[[:space:]\`'\"(]//; s|/[^/]*\$||" | sort -u)
  for folder in $folders; do
    case "$made_by_build" in *" $folder "*) continue ;; esac
    grep -qE "(^|/)${folder//./\\.}\$" "$work/folders.txt" || missing+="$file: $folder/"$'\n'
  done
done < "$work/files.txt"
[ -z "$missing" ] || printf 'cited but not in the archive:\n%s' "$missing"
check "no file of the student archive cites a file the archive lacks" $([ -z "$missing" ]; echo $?)

echo "$((2 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
