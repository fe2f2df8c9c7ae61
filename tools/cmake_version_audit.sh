#!/usr/bin/env bash
# tools/cmake_version_audit.sh MIN_VERSION [ROOT] — does the project use anything of CMake
# newer than MIN_VERSION? CMake MIN_VERSION itself need not be installed: the check reads
# the documentation of the installed CMake (<prefix>/share/cmake-X.Y/Help, and the
# modules' own docs in Modules/*.cmake; package cmake-data), whose `.. versionadded::` and
# `.. versionchanged::` markers date every command, option keyword, generator expression,
# variable, property, module and command-line option.
#
# It reads every CMake file under ROOT (default: this repository) — CMakeLists.txt,
# *.cmake, *.cmake.in; not build*/, dist/, out/, .git/ — and collects
#   - every command invoked (but not the functions and macros the project defines), and
#     every keyword argument (an unquoted WORD in capitals) given to a built-in command;
#   - every generator expression $<NAME...>;
#   - every policy named (CMP0140 in cmake_policy(SET ...)), dated by Help/policy;
#   - every CMake variable named (CMAKE_*, ${X} parts generalised, and documented names
#     such as PROJECT_SOURCE_DIR or LINUX), every property set or read, with its scope;
#   - every module include()d or find_package()d from CMake's own Modules/, and the names
#     its documentation defines (input variables, result variables, imported targets)
#     that the project uses;
# and in the shell scripts and Makefiles (*.sh, Makefile, *.mk, *.yml[.in], files with a
# sh/bash shebang) every option given to `ctest`, to `cmake` (general, --build) and every
# `cmake -E` command (also ${CMAKE_COMMAND} -E in CMake files).
#
# How a versionadded marker is tied to what it dates (the docs have no other structure):
#   - first thing after a page's title: the whole command / variable / property / module;
#   - indented under a definition-list term (``KEYWORD <args>``): the term's keyword(s);
#   - under a `.. genex::` or `.. option::` directive: that expression or option (added
#     when the marker comes first in its body, otherwise a change to review);
#   - a marker with a body: the ``KEYWORD``s in double backticks in that body;
#   - a marker with no body right after a signature block or a section title: the
#     signature's first keyword (the sub-command, e.g. list(TRANSFORM)) or the title.
#   versionchanged markers are tied the same way and reported as warnings to review.
#   A change reviewed by hand and listed in ROOT/tools/cmake_version_audit.reviewed (with
#   why it does not matter) is counted but no longer printed.
#   `.. include::` lines of a page (find_path's FIND_XXX.txt) are read in place.
#
# Prints `file:line: error: ...` for each use of something added after MIN_VERSION,
# `file:line: warning: ...` for each versionchanged after it on something used, and
# checks that every cmake_minimum_required says VERSION MIN_VERSION (and that every
# file calling project() has one). Exit status 1 on any error, 2 on bad usage.
# Environment: CMAKE_HELP_DIR to point at another Help folder (its ../Modules is read).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ! $1 =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]]; then
  echo "usage: $0 MIN_VERSION [ROOT]   (e.g. $0 3.22)" >&2
  exit 2
fi
min=$1
root=$(cd "${2:-$(dirname "$0")/..}" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -z ${CMAKE_HELP_DIR:-} ]]; then
  command -v cmake > /dev/null || { echo "cmake_version_audit: no cmake on PATH" >&2; exit 2; }
  echo 'message("${CMAKE_ROOT}")' > "$work/root.cmake"
  CMAKE_HELP_DIR=$(cmake -P "$work/root.cmake" 2>&1)/Help
fi
help=$CMAKE_HELP_DIR
modules_dir=$help/../Modules
for needed in "$help/command/block.rst" "$help/manual/cmake-generator-expressions.7.rst" \
              "$help/manual/cmake.1.rst" "$help/manual/ctest.1.rst" "$modules_dir/FindZLIB.cmake"; do
  [[ -f $needed ]] || { echo "cmake_version_audit: $needed is missing (Debian: package cmake-data)" >&2; exit 2; }
done

# The project's files, relative to ROOT.
cd "$root"
find . \( -type d \( -name 'build*' -o -name dist -o -name out -o -name .git \) -prune \) -o \
     -type f \( -name CMakeLists.txt -o -name '*.cmake' -o -name '*.cmake.in' \) -print \
  | sed 's|^\./||' | sort > "$work/cmake_files"
find . \( -type d \( -name 'build*' -o -name dist -o -name out -o -name .git -o -name node_modules \) -prune \) -o \
     -type f -print | sed 's|^\./||' | sort | while read -r f; do
  case $f in
    */cmake_version_audit.sh) ;;   # this script names options in its own code
    *.sh | Makefile | */Makefile | *.mk | *.yml | *.yml.in | *.yaml) echo "$f" ;;
    *.*) ;;
    *) head -c 64 "$f" 2>/dev/null | head -n 1 | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
  esac
done > "$work/script_files" || true
[[ -s $work/cmake_files ]] || { echo "cmake_version_audit: no CMake file under $root" >&2; exit 2; }

# ---------------------------------------------------------------------------------------
# 1. The CMake files, as a stream of commands and arguments (CMake's own lexical rules:
#    line and bracket comments, quoted, bracket and unquoted arguments, nested parens):
#      C <TAB> file <TAB> line <TAB> command
#      A <TAB> file <TAB> line <TAB> command <TAB> index <TAB> quoted(0|1) <TAB> argument
while read -r f; do
  awk -v file="$f" '
    { text = text $0 "\n" }
    END {
      n = length(text); i = 1; line = 1; depth = 0; cmd = ""
      while (i <= n) {
        c = substr(text, i, 1)
        if (c == "\n") { line++; i++; continue }
        if (c == " " || c == "\t" || c == "\r") { i++; continue }
        if (c == "#") { i = skip_comment(i); continue }
        if (depth == 0) {
          if (match(substr(text, i, 200), /^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
            word = substr(text, i, RLENGTH); sub(/[ \t]*\($/, "", word)
            cmd = tolower(word); cmdline = line; nargs = 0
            printf "C\t%s\t%d\t%s\n", file, line, cmd
            i += RLENGTH; depth = 1; continue
          }
          i++; continue
        }
        if (c == "(") { depth++; i++; continue }
        if (c == ")") { depth--; i++; continue }
        start_line = line
        if (c == "\"") {
          j = i + 1; arg = ""
          while (j <= n) {
            d = substr(text, j, 1)
            if (d == "\\") { arg = arg substr(text, j, 2); if (substr(text, j + 1, 1) == "\n") line++; j += 2; continue }
            if (d == "\"") break
            if (d == "\n") line++
            arg = arg d; j++
          }
          emit(arg, 1, start_line); i = j + 1; continue
        }
        if (c == "[" && match(substr(text, i, 64), /^\[=*\[/)) {
          close_br = "]" substr(text, i + 1, RLENGTH - 2) "]"
          rest = substr(text, i + RLENGTH); k = index(rest, close_br)
          if (k == 0) k = length(rest) + 1
          arg = substr(rest, 1, k - 1); emit(arg, 1, start_line)
          line += gsub(/\n/, "\n", arg); i += RLENGTH + k - 1 + length(close_br); continue
        }
        # unquoted (and legacy unquoted: a="b c" keeps its quotes)
        j = i; arg = ""
        while (j <= n) {
          d = substr(text, j, 1)
          if (d == "\\") { arg = arg substr(text, j, 2); j += 2; continue }
          if (d == "\"") {
            k = j + 1
            while (k <= n && substr(text, k, 1) != "\"") { if (substr(text, k, 1) == "\\") k++; k++ }
            seg = substr(text, j, k - j + 1); line += gsub(/\n/, "\n", seg); arg = arg seg; j = k + 1; continue
          }
          if (d ~ /[ \t\r\n()#]/) break
          arg = arg d; j++
        }
        emit(arg, 0, start_line); i = j
      }
    }
    function skip_comment(p,    rest, close_br, k) {
      if (match(substr(text, p + 1, 64), /^\[=*\[/)) {
        close_br = "]" substr(text, p + 2, RLENGTH - 2) "]"
        rest = substr(text, p + 1); k = index(rest, close_br)
        if (k == 0) k = length(rest)
        rest = substr(rest, 1, k); line += gsub(/\n/, "\n", rest)
        return p + k + length(close_br)
      }
      while (p <= n && substr(text, p, 1) != "\n") p++
      return p
    }
    function emit(a, q, l) {
      gsub(/\t/, " ", a); gsub(/\n/, " ", a)
      printf "A\t%s\t%d\t%s\t%d\t%d\t%s\n", file, l, cmd, ++nargs, q, a
    }' "$f"
done < "$work/cmake_files" > "$work/tokens"

# ---------------------------------------------------------------------------------------
# 2. What the project uses:  kind <TAB> scope <TAB> name <TAB> file:line
#    kinds: cmd, kw (scope = command), genex, var, prop (scope = TARGET|TEST|...),
#    module, modname (a name a module documents; matched later), minreq
awk -F'\t' '
  function flush(   i, k, scope, first, a, name) {
    if (cur == "") return
    if (cur == "function" || cur == "macro") { prev_defined[tolower(arg[1])] = 1 }
    # properties, by the shape of each command
    scope = ""; first = 0
    if (cur == "set_property")          { scope = arg[1] }
    else if (cur == "get_property")     { scope = arg[2] }
    else if (cur == "define_property")  { scope = arg[1] }
    if (scope != "") {
      for (i = 1; i < na; i++) if (arg[i] == "PROPERTY" && !q[i]) prop(scope, arg[i + 1], ln[i + 1])
    }
    if (cur == "set_target_properties") scope = "TARGET"
    else if (cur == "set_tests_properties") scope = "TEST"
    else if (cur == "set_source_files_properties") scope = "SOURCE"
    else if (cur == "set_directory_properties") scope = "DIRECTORY"
    else scope = ""
    if (scope != "") {
      for (i = 1; i <= na; i++) if (arg[i] == "PROPERTIES" && !q[i]) { first = i + 1; break }
      if (first) for (i = first; i <= na; i += 2) prop(scope, arg[i], ln[i])
    }
    if (cur == "get_target_property") prop("TARGET", arg[3], ln[3])
    if (cur == "get_test_property") prop("TEST", arg[2], ln[2])
    if (cur == "get_source_file_property") prop("SOURCE", arg[na], ln[na])
    if (cur == "get_directory_property" && arg[2] != "DEFINITION") prop("DIRECTORY", arg[na], ln[na])
    if (cur == "get_cmake_property") prop("GLOBAL", arg[2], ln[2])
    # modules
    if (cur == "include" && arg[1] ~ /^[A-Za-z0-9_]+$/) print "module\tinclude\t" arg[1] "\t" where
    if (cur == "find_package" && arg[1] ~ /^[A-Za-z0-9_]+$/) {
      config = 0
      for (i = 2; i <= na; i++) if (arg[i] == "CONFIG" || arg[i] == "NO_MODULE") config = 1
      if (!config) print "module\tfind\t" arg[1] "\t" where
    }
    if (cur == "cmake_minimum_required") {
      v = ""; for (i = 1; i < na; i++) if (arg[i] == "VERSION") v = arg[i + 1]
      print "minreq\t-\t" v "\t" where
    }
    if (cur == "project") print "project\t-\t-\t" where
    cur = ""; na = 0
  }
  function prop(scope, name, l) {
    if (name == "") return
    gsub(/\$\{[^}]*\}/, "<>", name)
    print "prop\t" scope "\t" name "\t" FILE ":" l
  }
  $1 == "C" { flush(); cur = $4; FILE = $2; where = $2 ":" $3; print "cmd\t-\t" $4 "\t" where; next }
  $1 == "A" {
    na++; arg[na] = $7; q[na] = $6; ln[na] = $3
    a = $7
    if (!$6 && a ~ /^[A-Z][A-Z0-9_]*$/) print "kw\t" $4 "\t" a "\t" $2 ":" $3
    if (a ~ /^CMP[0-9][0-9][0-9][0-9]$/) print "policy\t-\t" a "\t" $2 ":" $3
    # generator expressions
    s = a
    while (match(s, /\$<[A-Za-z_][A-Za-z0-9_]*/)) {
      g = substr(s, RSTART + 2, RLENGTH - 2); print "genex\t-\t" g "\t" $2 ":" $3
      if (g == "TARGET_PROPERTY") {
        t = substr(s, RSTART + RLENGTH)
        if (match(t, /^:[^>]*/)) { t = substr(t, 2, RLENGTH - 1); n = split(t, part, ","); p = part[n]
          gsub(/\$\{[^}]*\}/, "<>", p); print "prop\tTARGET\t" p "\t" $2 ":" $3 }
        t = ""
      }
      s = substr(s, RSTART + RLENGTH)
    }
    # variables and other names: identifiers, ${...} references generalised to <>
    s = a
    if (s ~ /\$CACHE\{/) print "name\t-\tCACHE\t" $2 ":" $3   # $CACHE{VAR}: 3.13
    gsub(/\$(ENV|CACHE)\{/, "${", s)
    while (match(s, /[A-Za-z_][A-Za-z0-9_]*((\$\{[^}]*\})+[A-Za-z0-9_]*)*(::[A-Za-z0-9_<>${}]+)?/)) {
      v = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
      gsub(/\$\{[^}]*\}/, "<>", v)
      if (v ~ /[A-Z]/ && v != "CACHE" && v != "ENV") print "name\t-\t" v "\t" $2 ":" $3
    }
    next
  }
  END {
    flush()
    for (d in prev_defined) print "defined\t-\t" d "\t-"
  }' "$work/tokens" | sort -u > "$work/uses"
# ${CMAKE_COMMAND} -E <command> in CMake files
awk -F'\t' '$1 == "A" { n = $2 ":" $3; if (prev_cmd == "${CMAKE_COMMAND}" && $7 == "-E") e = 1
  else if (e) { print "opt\tE\t" $7 "\t" n; e = 0 } prev_cmd = $7 }' "$work/tokens" >> "$work/uses"

# Shell scripts and Makefiles: ctest and cmake invocations on logical lines.
while read -r f; do
  awk -v file="$f" '
    { if (cont) { buf = buf " " $0 } else { buf = $0; start = FNR }
      if (buf ~ /\\$/) { sub(/\\$/, "", buf); cont = 1; next }
      cont = 0; line = buf
      sub(/^[ \t]*#.*/, "", line)
      n = split(line, w, /[ \t]+/)
      for (i = 1; i <= n; i++) {
        t = w[i]; gsub(/^[@"'"'"'({]+|["'"'"')}]+$/, "", t)
        if (t == "ctest" || t ~ /\/ctest$/) tool = "ctest"
        else if (t == "cmake" || t ~ /\/cmake$/ || t == "$(CMAKE_COMMAND)" || t == "${CMAKE_COMMAND}") tool = "cmake"
        else continue
        scope = (tool == "ctest") ? "ctest" : "cmake"
        for (j = i + 1; j <= n; j++) {
          a = w[j]; gsub(/^["'"'"']|["'"'"']$/, "", a)
          if (a ~ /^(;|\||\|\||&&|&|>|2>|>>|2>&1|\)|\}|do|then)$/ || a ~ /^[0-9]*>/) break
          if (tool == "cmake" && a == "-E") { if (j < n) print "opt\tE\t" w[j + 1] "\t" file ":" start; break }
          if (tool == "cmake" && a == "--build") scope = "build"
          if (a ~ /^-/ && a != "-") print "opt\t" scope "\t" a "\t" file ":" start
        }
      }
    }' "$f"
done < "$work/script_files" >> "$work/uses"

# ---------------------------------------------------------------------------------------
# 3. The documentation, as  kind <TAB> scope <TAB> name <TAB> version <TAB> added|changed <TAB> doc:line
#    (name "" = the whole command, variable, property or module).
# The modules the project uses: their rst, cut from the .cmake file.
awk -F'\t' '$1 == "module" { print $2 "\t" $3 }' "$work/uses" | sort -u | while IFS=$'\t' read -r how name; do
  file=$modules_dir/$name.cmake
  [[ $how == find ]] && file=$modules_dir/Find$name.cmake
  [[ -f $file ]] || continue
  module=$(basename "$file" .cmake)
  sed -n '/^#\[=*\[\.rst:/,/^#\]=*\]/p' "$file" | sed '1d;$d' > "$work/module_$module.rst"
  printf '%s\t%s\n' "$module" "$work/module_$module.rst"
done > "$work/module_docs"

# rst_index KIND SCOPE FILE: the generic tie-up described at the top of this script.
index_pages() {  # reads lines "kind scope file" on stdin
  while read -r kind scope file; do
    awk -v kind="$kind" -v scope="$scope" -v doc="${file#"$help"/}" '
      function indent(s) { match(s, /^ */); return RLENGTH }
      function spans(s, out,   n, w) {  # first words of ``...`` spans in s that are keywords
        n = 0
        while (match(s, /``[^`]+``/)) {
          w = substr(s, RSTART + 2, RLENGTH - 4); s = substr(s, RSTART + RLENGTH)
          sub(/[ (\[=].*/, "", w)
          if (kind == "cmd" && w !~ /^[A-Z][A-Z0-9_]*$/) continue   # ``Windows``: a word, not a keyword
          if (w ~ /^[A-Z][A-Za-z0-9_]*(::[A-Za-z0-9_<>]+)?$/ || w ~ /^[A-Z][A-Z0-9_]*(<[a-zA-Z_]+>[A-Z0-9_]*)+$/) out[++n] = w
        }
        return n
      }
      { add($0, FNR) }
      function add(s, l,   inc, line, k, dir) {  # .. include:: FILE (e.g. FIND_XXX.txt) read in place
        if (s ~ /^\.\. include:: /) {
          inc = s; sub(/^\.\. include:: */, "", inc); dir = FILENAME; sub(/[^\/]*$/, "", dir)
          k = 0; d = doc; sub(/[^\/]*$/, "", d)
          while ((getline line < (dir inc)) > 0) { k++; N++; L[N] = line; P[N] = d inc ":" k }
          close(dir inc); return
        }
        N++; L[N] = s; P[N] = doc ":" l
      }
      END {
        content = 0; title = ""
        for (i = 1; i <= N; i++) {
          s = L[i]
          if (title == "" && s ~ /[^ ]/ && s !~ /^\.\. /) { title = s; continue }
          if (s ~ /^ *\.\. version(added|changed):: /) {
            v = s; sub(/.*:: */, "", v); sub(/[ \t].*/, "", v)
            type = (s ~ /versionadded/) ? "added" : "changed"
            I = indent(s)
            if (!content && I == 0) { print kind "\t" scope "\t\t" v "\t" type "\t" P[i]; content = 1; continue }
            content = 1
            # a) under a definition-list term
            owners = 0; delete o
            if (I > 0) {
              for (k = i - 1; k > 0; k--) if (L[k] ~ /[^ ]/ && indent(L[k]) < I) break
              if (k > 0 && L[k] ~ /^ *``/) owners = spans(L[k], o)
            }
            # b) the keywords in its body
            if (!owners) {
              body = ""
              for (k = i + 1; k <= N; k++) { if (L[k] ~ /[^ ]/ && indent(L[k]) <= I) break; body = body " " L[k] }
              owners = spans(body, o)
            }
            # c) the signature block or section title just before it
            if (!owners && I == 0) {
              for (k = i - 1; k > 0 && L[k] !~ /[^ ]/; k--) ;
              if (k > 0 && L[k] ~ /^(\^+|-+|=+|~+)$/) {
                h = L[k - 1]; if (h ~ /^[A-Z][A-Z0-9_]*$/) { owners = 1; o[1] = h }
                else {  # a section such as "File Sets": the keywords its first code block introduces
                  delete before; for (b = 1; b < k - 1; b++) { t = L[b]; gsub(/[^A-Z0-9_]+/, " ", t); nb = split(t, bw, " "); for (x = 1; x <= nb; x++) before[bw[x]] = 1 }
                  for (b = i + 1; b <= N && (L[b] !~ /[^ ]/ || L[b] ~ /^\.\. code-block/ || L[b] ~ /::$/); b++) ;
                  for (; b <= N && (L[b] !~ /[^ ]/ || indent(L[b]) > 0); b++) {
                    t = L[b]; gsub(/[^A-Z0-9_]+/, " ", t); nb = split(t, bw, " ")
                    for (x = 1; x <= nb; x++) if (bw[x] ~ /^[A-Z][A-Z0-9_]+$/ && !(bw[x] in before) && !(bw[x] in got)) { got[bw[x]] = 1; o[++owners] = bw[x] }
                  }
                  delete got
                }
              } else if (k > 0 && indent(L[k]) > 0) {
                for (; k > 0 && (L[k] !~ /[^ ]/ || indent(L[k]) > 0); k--)
                  if (match(L[k], /^ +[a-z_]+\( *[A-Z][A-Z0-9_]*/)) {
                    w = L[k]; sub(/^ +[a-z_]+\( */, "", w); sub(/[^A-Z0-9_].*/, "", w); o[++owners] = w
                  }
              }
            }
            if (kind == "var" || kind == "prop" || kind == "policy") { print kind "\t" scope "\t\t" v "\tchanged\t" P[i]; continue }
            if (!owners) { if (type == "changed" || kind != "cmd") print kind "\t" scope "\t\t" v "\tchanged\t" P[i]; continue }
            for (k = 1; k <= owners; k++) {
              if (kind == "module" && o[k] !~ /_|::/) continue   # ``ON``, ``OFF``: values, not names
              print (kind == "cmd" ? "kw" : "modname") "\t" scope "\t" o[k] "\t" v "\t" type "\t" P[i]
            }
            continue
          }
          if (s ~ /[^ ]/ && s !~ /^(=+|-+|\^+|~+)$/ && s !~ /^\.\. (_|cmake-module|index|only|include|contents)/) content = 1
        }
        if (kind == "var" || kind == "prop") print kind "\t" scope "\t\t0\tadded\t" doc
      }' "$file"
  done
}
{
  for f in "$help"/command/*.rst; do echo "cmd $(basename "$f" .rst) $f"; done
  for f in "$help"/policy/CMP*.rst; do echo "policy $(basename "$f" .rst) $f"; done
  for f in "$help"/variable/*.rst; do echo "var $(sed -n 1p "$f" | tr -d ' ') $f"; done
  for d in tgt:TARGET test:TEST sf:SOURCE dir:DIRECTORY gbl:GLOBAL cache:CACHE inst:INSTALL; do
    for f in "$help"/prop_${d%%:*}/*.rst; do echo "prop ${d#*:}:$(sed -n 1p "$f" | tr -d ' ') $f"; done
  done
  while IFS=$'\t' read -r module file; do echo "module $module $file"; done < "$work/module_docs"
} | index_pages > "$work/docs"
# Module terms (``NAME`` definition-list entries) with no marker are still names the
# module defines: listed with version 0 so that the match below knows them.
while IFS=$'\t' read -r module file; do
  { grep -E '^``[A-Za-z]' "$file" || true; } | sed 's/``\([^` ]*\).*/\1/' | while read -r term; do
    printf 'modname\t%s\t%s\t0\tadded\t-\n' "$module" "$term"
  done
done < "$work/module_docs" >> "$work/docs"

# Directive-owned entries: generator expressions and the command-line manuals.
directive_index() {  # KIND DIRECTIVE FILE [SECTION_SCOPES]
  awk -v kind="$1" -v directive="$2" -v doc="${3#"$help"/}" -v fixed_scope="${4:-}" '
    function indent(s) { match(s, /^ */); return RLENGTH }
    { L[NR] = $0 }
    END {
      scope = fixed_scope
      for (i = 1; i <= NR; i++) {
        s = L[i]
        if (kind == "opt" && fixed_scope == "" && L[i + 1] ~ /^=+$/) {
          scope = (s == "Build a Project") ? "build" : (s == "Run a Command-Line Tool") ? "E" : "cmake"
        }
        if (s ~ ("^ *\\.\\. " directive "::")) {
          d = s; sub(/^ *\.\. [a-z]+:: */, "", d)
          if (!(in_group && first_only)) { n = 0; delete names }
          if (kind == "genex") { sub(/^\$</, "", d); sub(/[^A-Za-z0-9_].*/, "", d); names[++n] = d }
          else { m = split(d, alt, /, /); for (k = 1; k <= m; k++) { w = alt[k]; sub(/[ =\[].*/, "", w); names[++n] = w } }
          for (k = 1; k <= n; k++) print kind "\t" scope "\t" names[k] "\t0\tadded\t" doc ":" i   # known
          first_only = 1; in_group = 1; dindent = indent(s); continue
        }
        if (s !~ /[^ ]/) continue
        in_group = 0
        if (s ~ /^ *\.\. version(added|changed):: / && n) {
          v = s; sub(/.*:: */, "", v); sub(/[ \t].*/, "", v)
          type = (s ~ /versionadded/ && first_only) ? "added" : "changed"
          for (k = 1; k <= n; k++) print kind "\t" scope "\t" names[k] "\t" v "\t" type "\t" doc ":" i
        }
        first_only = 0
        if (indent(s) <= dindent && s !~ /^ *\.\. /) n = 0
      }
    }' "$3"
}
{
  directive_index genex genex "$help/manual/cmake-generator-expressions.7.rst"
  directive_index opt option "$help/manual/cmake.1.rst"
  directive_index opt option "$help/manual/OPTIONS_BUILD.txt" cmake
  directive_index opt option "$help/manual/ctest.1.rst" ctest
  directive_index opt option "$help/manual/OPTIONS_HELP.txt" cmake
  directive_index opt option "$help/manual/OPTIONS_HELP.txt" ctest
} >> "$work/docs"

# ---------------------------------------------------------------------------------------
# 4. Uses against the docs.
awk -F'\t' -v min="$min" -v reviewed_file="tools/cmake_version_audit.reviewed" -v reviewed_path="$root/tools/cmake_version_audit.reviewed" '
  BEGIN {  # "<what> changed in CMake <version>  # why it does not matter", one a line
    while ((getline r < reviewed_path) > 0) { sub(/[ \t]*#.*/, "", r); if (r != "") reviewed[r] = 1 }
  }
  function vgt(a, b,   x, y, i) {  # a > b, as versions
    split(a, x, "."); split(b, y, ".")
    for (i = 1; i <= 3; i++) { if (x[i] + 0 > y[i] + 0) return 1; if (x[i] + 0 < y[i] + 0) return 0 }
    return 0
  }
  function pat(p) { gsub(/[.+?^$|(){}\[\]\\]/, "\\\\&", p); gsub(/<[^>]*>/, "[A-Za-z0-9_<>]+", p); return "^" p "$" }
  function report(where, type, what, v, doc) {
    key = where SUBSEP what SUBSEP v SUBSEP type
    if (key in seen) return
    seen[key] = 1
    if (type == "added") { errors++; printf "%s: error: %s added in CMake %s (> %s) [%s]\n", where, what, v, min, doc }
    else if ((what " changed in CMake " v) in reviewed) reviewed_uses++
    else { warnings++; printf "%s: warning: %s changed in CMake %s (> %s): review by hand, then list it in %s [%s]\n", where, what, v, min, reviewed_file, doc }
  }
  FILENAME == ARGV[1] {  # docs
    if (!vgt($4, min)) { if ($1 == "modname" || $1 == "var" || $1 == "prop" || $1 == "opt") known[$1, $2, $3] = 1; next }
    k = $1 SUBSEP $2 SUBSEP $3
    entry[k] = entry[k] (entry[k] == "" ? "" : "\n") $4 "\t" $5 "\t" $6
    if ($1 == "var" || $1 == "prop") { known[$1, $2, $3] = 1 }
    if ($1 == "modname") known["modname", $2, $3] = 1
    next
  }
  FILENAME == ARGV[2] {  # modules documented (module_docs)
    module_doc[$1] = 1; next
  }
  FILENAME == ARGV[3] {  # commands documented
    documented[$1] = 1; next
  }
  FILENAME == ARGV[4] && $1 == "defined" { defined[$3] = 1; next }
  FILENAME == ARGV[4] {
    n_uses++; U[n_uses] = $0
    if ($1 == "module") { used_module[($2 == "find" ? "Find" : "") $3] = 1 }
    next
  }
  function check(k, where, what,   m, i, f) {
    if (!(k in entry)) return
    m = split(entry[k], e, "\n")
    for (i = 1; i <= m; i++) { split(e[i], f, "\t"); report(where, f[2], what, f[1], f[3]) }
  }
  END {
    # variable and property names, and patterns for the templated ones
    for (k in known) { split(k, p, SUBSEP); if (p[2] ~ /</) patterns[p[1], p[2], pat(p[2])] = p[2] }
    for (u = 1; u <= n_uses; u++) {
      split(U[u], f, "\t"); kind = f[1]; scope = f[2]; name = f[3]; where = f[4]
      if (kind == "cmd") {
        if (name in defined) continue
        if (!(name in documented)) { warnings++; printf "%s: warning: command %s() is not in CMake %s docs nor defined by the project\n", where, name, "installed"; continue }
        check("cmd" SUBSEP name SUBSEP "", where, "command " name "()")
      } else if (kind == "kw") {
        if (name in defined || !(scope in documented)) continue
        check("kw" SUBSEP scope SUBSEP name, where, scope "(" name ")")
      } else if (kind == "policy") {
        check("policy" SUBSEP name SUBSEP "", where, "policy " name)
      } else if (kind == "genex") {
        check("genex" SUBSEP "" SUBSEP name, where, "generator expression $<" name ">")
      } else if (kind == "opt") {
        o = name; sub(/=.*/, "", o)
        what = (scope == "E") ? "cmake -E " : scope " option "
        if (!(("opt" SUBSEP scope SUBSEP o) in known) && o ~ /^-[A-Za-z]/) {  # -DVAR=..., -j4
          for (l = length(o) - 1; l >= 2; l--) if (("opt" SUBSEP scope SUBSEP substr(o, 1, l)) in known) { o = substr(o, 1, l); break }
        }
        if (!(("opt" SUBSEP scope SUBSEP o) in known)) {
          warnings++; printf "%s: warning: %s%s is not in the installed CMake\047s docs: check by hand\n", where, what, o; continue }
        check("opt" SUBSEP scope SUBSEP o, where, what o)
      } else if (kind == "prop") {
        pk = scope ":" name
        if (("prop" SUBSEP pk SUBSEP "") in entry) { check("prop" SUBSEP pk SUBSEP "", where, tolower(scope) " property " name); continue }
        for (pp in patterns) { split(pp, p, SUBSEP)
          if (p[1] == "prop" && index(p[2], scope ":") == 1 && pk ~ p[3]) check("prop" SUBSEP p[2] SUBSEP "", where, tolower(scope) " property " name " (" p[2] ")") }
      } else if (kind == "name") {
        if (("var" SUBSEP name SUBSEP "") in entry || ("var" SUBSEP name SUBSEP "") in known) {
          check("var" SUBSEP name SUBSEP "", where, "variable " name)
        } else if (name ~ /^CMAKE_/) {
          for (pp in patterns) { split(pp, p, SUBSEP)
            if (p[1] == "var" && name ~ p[3]) check("var" SUBSEP p[2] SUBSEP "", where, "variable " name " (" p[2] ")") }
        }
        for (mod in used_module) {
          if (("modname" SUBSEP mod SUBSEP name) in entry) check("modname" SUBSEP mod SUBSEP name, where, "module " mod ": " name)
        }
      } else if (kind == "module") {
        mod = (scope == "find" ? "Find" : "") name
        if (mod in module_doc) check("module" SUBSEP mod SUBSEP "", where, "module " mod)
      } else if (kind == "minreq") {
        if (name != min && name !~ ("^" min "\\.\\.\\.")) { errors++; printf "%s: error: cmake_minimum_required(VERSION %s), expected %s\n", where, name, min }
        has_min[substr(where, 1, index(where, ":") - 1)] = 1
      } else if (kind == "project") {
        proj[substr(where, 1, index(where, ":") - 1)] = where
      }
    }
    for (pf in proj) if (!(pf in has_min)) { errors++; printf "%s: error: project() in a file without cmake_minimum_required(VERSION %s)\n", proj[pf], min }
    printf "cmake_version_audit: %d error(s), %d warning(s), %d use(s) of reviewed changes against CMake %s\n", errors, warnings, reviewed_uses, min > "/dev/stderr"
    exit errors > 0
  }' "$work/docs" "$work/module_docs" <(for f in "$help"/command/*.rst; do basename "$f" .rst; done) "$work/uses" \
  | sed "s|$help/|Help/|g; s|\[$work/module_\([A-Za-z0-9_]*\)\.rst|[Modules/\1.cmake|g" | sort -t: -k1,1 -k2,2n
