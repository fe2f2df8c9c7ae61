#!/usr/bin/env bash
# make_handout.sh SOLUTION_DIR HANDOUT_DIR — writes the student handout from the solution.
#
# solution/ is the single source (DESIGN.md). Copied as they are: the scaffold, the build
# files, the golden .json that programs and public tests read. Rewritten:
#  - in .cpp/.hpp files every student region
#        // 1.3 NumpyANN::_relu_grad          <- the line before names the item
#        // >>> YOUR CODE HERE >>>
#        ...reference code...
#        // <<< END OF YOUR CODE <<<
#    keeps its markers and gets, instead of the code, a stub that compiles and fails:
#        throw std::logic_error("not implemented: 1.3 NumpyANN::_relu_grad");
#  - in theory.md every answer between <!-- >>> ANSWER >>> --> and <!-- <<< END OF ANSWER <<< -->
#    is dropped;
#  - HANDOUT_README.md becomes README.md.
# Left out: the golden-value scripts (golden/*.py hold a full reference implementation).
# A region whose item line is missing, or markers that do not pair up, stop the run.
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 SOLUTION_DIR HANDOUT_DIR" >&2
  exit 2
fi
solution=$(cd "$1" && pwd)
handout=$2

stub_code() {  # FILE -> stdout
  awk -v file="$1" '
    function fail(message) { printf "make_handout: %s:%d: %s\n", file, NR, message > "/dev/stderr"; failed = 1; exit 1 }
    /\/\/ >>> YOUR CODE HERE >>>/ {
      if (inside) fail("a region opens inside another (missing // <<< END OF YOUR CODE <<<)")
      if (match(previous, /\/\/ [0-9]+\.[0-9]+ [^ ]+/) == 0)
        fail("the line before // >>> YOUR CODE HERE >>> must name the item, e.g. // 1.3 NumpyANN::_relu_grad")
      item = substr(previous, RSTART + 3, RLENGTH - 3)
      indent = $0; sub(/[^ ].*$/, "", indent)
      print
      printf "%sthrow std::logic_error(\"not implemented: %s\");\n", indent, item
      inside = 1; next
    }
    /\/\/ <<< END OF YOUR CODE <<</ {
      if (!inside) fail("// <<< END OF YOUR CODE <<< without an opening marker")
      inside = 0; print; previous = $0; next
    }
    { if (!inside) print; previous = $0 }
    END {
      if (failed) exit 1
      if (inside) { printf "make_handout: %s: a region is not closed\n", file > "/dev/stderr"; exit 1 }
    }' "$1"
}

strip_answers() {  # FILE -> stdout
  awk -v file="$1" '
    /<!-- >>> ANSWER >>> -->/ { if (inside) { print "make_handout: " file ": nested ANSWER" > "/dev/stderr"; exit 1 } inside = 1; next }
    /<!-- <<< END OF ANSWER <<< -->/ { inside = 0; next }
    { if (!inside) print }
    END { if (inside) { print "make_handout: " file ": an ANSWER block is not closed" > "/dev/stderr"; exit 1 } }' "$1"
}

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT

(cd "$solution" && find . -type f ! -path './golden/*.py' ! -name '*.pyc' | LC_ALL=C sort) |
while read -r relative; do
  relative=${relative#./}
  source_file="$solution/$relative"
  target="$staging/$relative"
  case "$relative" in
    HANDOUT_README.md) target="$staging/README.md" ;;
  esac
  mkdir -p "$(dirname "$target")"
  case "$relative" in
    *.cpp|*.hpp)
      if grep -q '// >>> YOUR CODE HERE >>>' "$source_file" && ! grep -q '#include <stdexcept>' "$source_file"; then
        echo "make_handout: $relative has student regions but does not #include <stdexcept> (the stubs throw std::logic_error)" >&2
        exit 1
      fi
      stub_code "$source_file" > "$target" ;;
    theory.md) strip_answers "$source_file" > "$target" ;;
    *) cp "$source_file" "$target" ;;
  esac
done

rm -rf "$handout"
mkdir -p "$(dirname "$handout")"
cp -r "$staging" "$handout"
chmod -R u+rwX,go+rX "$handout"
