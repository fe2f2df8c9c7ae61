#!/usr/bin/env bash
# make_handout.sh SOLUTION_DIR HANDOUT_DIR [MANIFEST] — writes the student handout from the
# solution. MANIFEST (default: the assignment/manifest.json or manifest.json beside
# SOLUTION_DIR) fills the README's @PARTS_TABLE@ line, so the parts, files, points and
# thresholds a student reads are the manifest's.
#
# solution/ is the single source. Copied as they are: the scaffold, the build
# files, the golden .json that programs and public tests read. Rewritten:
#  - in .cpp/.hpp files every student region
#        // 1.3 NumpyANN::_relu_grad          <- the line before names the item
#        // >>> YOUR CODE HERE >>>
#        ...reference code...
#        // <<< END OF YOUR CODE <<<
#    keeps its markers and gets, instead of the code, a stub that compiles without a
#    warning and fails:
#        (void)z;  // unused until your code replaces this stub
#        throw std::logic_error("not implemented: 1.3 NumpyANN::_relu_grad");
#    (the (void) line marks the function's parameters that only the region used).
#  - in theory.md every answer between <!-- >>> ANSWER >>> --> and <!-- <<< END OF ANSWER <<< -->
#    is dropped;
#  - HANDOUT_README.md becomes README.md, its @PARTS_TABLE@ line replaced by the manifest's
#    parts (number, file, title, points, test-accuracy threshold), its @JUDGEMENT_WORDS@
#    line by the judgement words and when each applies, and a first line saying so.
# Left out: the golden-value scripts (golden/*.py hold a full reference implementation).
# A region whose item line is missing, or markers that do not pair up, stop the run.
set -euo pipefail

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $0 SOLUTION_DIR HANDOUT_DIR [MANIFEST]" >&2
  exit 2
fi
solution=$(cd "$1" && pwd)
handout=$2
manifest=${3:-}
if [ -z "$manifest" ]; then
  for candidate in "$solution/../assignment/manifest.json" "$solution/../manifest.json"; do
    if [ -f "$candidate" ]; then manifest=$candidate; break; fi
  done
fi
if [ -z "$manifest" ] || [ ! -f "$manifest" ]; then
  echo "make_handout: no manifest for $1 (looked for assignment/manifest.json and manifest.json beside it); pass it as the third argument" >&2
  exit 2
fi
command -v jq > /dev/null || { echo "make_handout: jq is needed to read $manifest; run 'make deps'" >&2; exit 2; }

stub_code() {  # FILE -> stdout
  # The whole file is read first: a stub also marks as used, with (void)name;, each
  # parameter of its function that nothing outside the region uses. The reference code used
  # them; the stub does not, and without the mark the blank handout would compile with one
  # -Wunused-parameter warning per such parameter — noise that would hide the student's own
  # warnings (a parameter their code forgets to use is worth a warning).
  awk -v file="$1" '
    function fail(line, message) { printf "make_handout: %s:%d: %s\n", file, line, message > "/dev/stderr"; failed = 1; exit 1 }
    # text without its // comment and string literals, so that names there do not count
    function code_of(text) { gsub(/"([^"\\]|\\.)*"/, "\"\"", text); sub(/\/\/.*$/, "", text); return text }
    function uses(text, name) { return match(code_of(text), "(^|[^A-Za-z0-9_])" name "([^A-Za-z0-9_]|$)") > 0 }
    # The parameters of the function whose body holds lines[open]: its definition starts at
    # the last line before that begins in column 0 with a name; the parameter list is the
    # first parenthesis of it. Sets params[1..n] (named ones only) and body_start, body_end.
    function parameters(open,    start, signature, i, depth, c, list, n, pieces, piece, name, count) {
      for (start = open - 1; start > 0; start--) {
        if (lines[start] ~ /^[A-Za-z_]/ && lines[start] !~ /^(namespace|using|template)([^A-Za-z0-9_]|$)/) break
      }
      if (start == 0) fail(open, "a student region outside a function definition")
      signature = ""
      for (i = start; i < open; i++) { signature = signature " " code_of(lines[i]); if (lines[i] ~ /\{[ \t]*$/) break }
      body_start = i + 1
      for (body_end = open; body_end <= total && lines[body_end] !~ /^\}/; body_end++) {}
      i = index(signature, "(")
      if (i == 0) fail(start, "cannot find the parameter list of the function around this region")
      depth = 0; list = ""
      for (; i <= length(signature); i++) {
        c = substr(signature, i, 1)
        if (c ~ /[(<\[{]/) depth++
        if (c ~ /[)>\]}]/) depth--
        if (depth == 1 && c == ",") c = "\001"
        list = list c
        if (depth == 0) break
      }
      list = substr(list, 2, length(list) - 2)
      count = 0
      n = split(list, pieces, "\001")
      for (i = 1; i <= n; i++) {
        piece = pieces[i]
        sub(/=.*$/, "", piece); sub(/[ \t]+$/, "", piece)
        # the last word, when something before it makes it a name ("int x", not "int")
        if (match(piece, /[A-Za-z_][A-Za-z0-9_]*$/) == 0) continue
        name = substr(piece, RSTART)
        if (substr(piece, 1, RSTART - 1) !~ /[A-Za-z0-9_>&*][ \t&*]*$/ || name == "void") continue
        params[++count] = name
      }
      return count
    }
    { lines[NR] = $0 }
    END {
      total = NR
      for (line = 1; line <= total; line++) {
        text = lines[line]
        if (text ~ /\/\/ >>> YOUR CODE HERE >>>/) {
          if (inside) fail(line, "a region opens inside another (missing // <<< END OF YOUR CODE <<<)")
          if (match(previous, /\/\/ [0-9]+\.[0-9]+ [^ ]+/) == 0)
            fail(line, "the line before // >>> YOUR CODE HERE >>> must name the item, e.g. // 1.3 NumpyANN::_relu_grad")
          item = substr(previous, RSTART + 3, RLENGTH - 3)
          indent = text; sub(/[^ ].*$/, "", indent)
          for (closing = line + 1; closing <= total && lines[closing] !~ /\/\/ <<< END OF YOUR CODE <<</; closing++) {}
          split("", params)
          count = parameters(line)
          unused = ""
          for (p = 1; p <= count; p++) {
            used = 0
            for (body = body_start; body < body_end && !used; body++) {
              if (body < line || body > closing) used = uses(lines[body], params[p])
            }
            if (!used) unused = unused "(void)" params[p] "; "
          }
          print text
          if (unused != "") {
            sub(/ $/, "", unused)
            note = "// unused until your code replaces this stub"
            if (length(indent unused "  " note) <= 100) print indent unused "  " note
            else print indent note "\n" indent unused
          }
          printf "%sthrow std::logic_error(\"not implemented: %s\");\n", indent, item
          inside = 1; continue
        }
        if (text ~ /\/\/ <<< END OF YOUR CODE <<</) {
          if (!inside) fail(line, "// <<< END OF YOUR CODE <<< without an opening marker")
          inside = 0; print text; previous = text; continue
        }
        if (!inside) print text
        previous = text
      }
      if (failed) exit 1
      if (inside) { printf "make_handout: %s: a region is not closed\n", file > "/dev/stderr"; exit 1 }
    }' "$1"
}

# The student README: the solution's HANDOUT_README.md with @PARTS_TABLE@ replaced by a
# table of the manifest's parts.
readme() {  # FILE -> stdout
  local table
  table=$(jq -r '
    . as $m
    | "| part | file you hand in | what | points | test accuracy to reach |",
      "|---|---|---|---|---|",
      ($m.parts[] | . as $p
        | "| \($p.number) | `\($p.file)` | \($p.title) | \([$m.items[] | select(.part == $p.name) | .points] | add) | \($p.test_accuracy_threshold) |"),
      "| | | total | \($m.total_points) | |"' "$manifest") \
    || { echo "make_handout: cannot read the parts of $manifest" >&2; exit 1; }
  local words
  words=$(jq -r '.judgements[] | "- `\(.word)`: \(.when)"' "$manifest") \
    || { echo "make_handout: cannot read the judgements of $manifest" >&2; exit 1; }
  echo "<!-- Generated by the kit's \`make handout\` from the solution's README and the assignment's manifest: do not edit. -->"
  awk -v table="$table" -v words="$words" '
    /^@PARTS_TABLE@$/ { print table; next }
    /^@JUDGEMENT_WORDS@$/ { print words; next }
    { print }' "$1"
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
    HANDOUT_README.md) readme "$source_file" > "$target" ;;
    *) cp "$source_file" "$target" ;;
  esac
done

rm -rf "$handout"
mkdir -p "$(dirname "$handout")"
cp -r "$staging" "$handout"
chmod -R u+rwX,go+rX "$handout"
