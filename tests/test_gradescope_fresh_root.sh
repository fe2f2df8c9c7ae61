#!/usr/bin/env bash
# make test-gradescope: Gradescope's autograder zip in a fresh Debian 12 root, as Gradescope
# would run it in a new image, with nothing of this machine's inside.
#   1. mmdebstrap builds a minimal bookworm root holding only the packages setup.sh takes
#      from the image (tools/gradescope/packages.txt: a compiler, make, cmake, OpenBLAS,
#      zlib, bubblewrap, gnuplot with Boost's iostreams, jq, unzip): no xtensor, no
#      Fashion-MNIST, no other library the kit builds with. The zip must bring the rest.
#      The root is cached as a tarball in the build folder (BUILD_DIR/gradescope-root-
#      <hash of the package list>.tar), so a rerun skips the bootstrap (about a minute).
#   2. A fresh copy of that root gets `make gradescope`'s zip in /autograder/source.
#   3. The root is entered through new mount, PID and network namespaces and pivot_root
#      (not chroot: the kernel refuses new user namespaces to a chrooted process, and
#      bubblewrap, the grader's sandbox, needs one); no network inside. First check:
#      bubblewrap starts there.
#   4. Inside: setup.sh as Gradescope runs it (its default check, `nnkit-grade validate`),
#      then run_autograder for the reference solution's files (the manifest's total, read
#      from the zip's manifest) and for the blank handout's (0), reusing setup.sh's build;
#      results.json says bubblewrap graded them.
#   5. The same root entered with a plain chroot, where bubblewrap cannot start (as in a
#      container whose seccomp profile refuses namespaces): run_autograder grades the
#      solution with a comment in each file (so it compiles afresh, in that sandbox) and the
#      blank handout again, and results.json must say the fallback sandbox graded them.
#      results.json is read with tools/gradescope/check_results.cmake. Last, no file named
#      like Fashion-MNIST's test labels, and none of the reference solution, hidden tests
#      or kit, is readable by an unprivileged uid like the one the sandbox runs student
#      code as (grader/src/sandbox.hpp: sandbox_uid_for): the fallback sandbox hides
#      nothing that permissions do not.
# Prints PASS/FAIL lines and the wall time of setup.sh and of each run_autograder; exits
# non-zero on any FAIL. Needs root (namespaces, mounts, mmdebstrap) and Debian's mirror.
# Takes about as long as setup.sh's build and validate plus two gradings: README.md,
# "Tests", has the time measured.
#
# usage: tests/test_gradescope_fresh_root.sh [BUILD_DIR]   (default: build; the root's cache)
# Environment:
#   NNKIT_FRESH_ROOT_MIRROR   the Debian mirror (default http://deb.debian.org/debian)
#   NNKIT_FRESH_ROOT_ENTRY    pivot_root (default) or chroot: how steps 3 and 4 enter the
#                             root; with chroot, setup.sh's validate too runs in the fallback
#                             sandbox (step 5 runs either way)
#   NNKIT_FRESH_ROOT_BUDGET   "CPUS MEGABYTES", e.g. "0.5 768" (Gradescope's default
#                             container): step 4's run_autograder runs in a cgroup limited
#                             like that (cgroup v2, or v1's cpu, cpuacct and memory
#                             controllers), and its CPU time and peak memory are printed, for
#                             the reference solution, a copy with a comment in each file
#                             (compiled afresh) and a copy whose CNN has another dropout rate
#                             (its 60 epochs run in full: nothing to replay). Off by default.
#   NNKIT_FRESH_ROOT_BUDGET_TOOL  a program run as `TOOL CPUS MEGABYTES COMMAND...` that
#                             applies the budget instead of this script's own cgroup (e.g. a
#                             course's own wrapper, to compare figures); it prints its own.
#   JOBS                      setup.sh's build jobs (default: all cores)
#   NNKIT_SETUP_CHECK         setup.sh's check (default validate; none skips it, for a
#                             quicker run when only the gradings below matter)
# Developer option, default empty — never for CI:
#   NNKIT_FRESH_ROOT_EXTRA_PACKAGES  more Debian packages for the root, separated by spaces.
#     While setup.sh still apt-installs the kit's libraries and data/setup.sh Debian's
#     dataset-fashion-mnist (no network inside), a root with them lets the rest be tried:
#     NNKIT_FRESH_ROOT_EXTRA_PACKAGES="$(grep -v '^#' tools/packages-build.txt | xargs)"
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$repo/build}
case "$build_dir" in /*) ;; *) build_dir=$PWD/$build_dir ;; esac
mirror=${NNKIT_FRESH_ROOT_MIRROR:-http://deb.debian.org/debian}
entry=${NNKIT_FRESH_ROOT_ENTRY:-pivot_root}
budget=${NNKIT_FRESH_ROOT_BUDGET:-}
extra=${NNKIT_FRESH_ROOT_EXTRA_PACKAGES:-}
say() { echo "test_gradescope_fresh_root: $*"; }
die() { say "$*" >&2; exit 2; }

# What Gradescope's images have anyway, and nothing the zip should bring itself: the list
# setup.sh installs from (tools/gradescope/packages.txt), so the root has all of it and
# setup.sh needs no network.
mapfile -t packages < <(grep -v '^\s*#' "$repo/tools/gradescope/packages.txt" | awk 'NF { print $1 }')
[ "${#packages[@]}" -gt 0 ] || die "no packages in $repo/tools/gradescope/packages.txt"
# shellcheck disable=SC2206  # a list of package names
packages+=($extra)

case "$entry" in pivot_root | chroot) ;; *) die "NNKIT_FRESH_ROOT_ENTRY=$entry: expected pivot_root or chroot" ;; esac
budget_cpus='' budget_mb=''
if [ -n "$budget" ]; then
  read -r budget_cpus budget_mb rest <<< "$budget"
  [[ "$budget_cpus" =~ ^[0-9]+(\.[0-9]+)?$ && "$budget_mb" =~ ^[0-9]+$ && -z "$rest" ]] \
    || die "NNKIT_FRESH_ROOT_BUDGET=\"$budget\": expected \"CPUS MEGABYTES\", e.g. \"0.5 768\""
fi
[ "$(id -u)" -eq 0 ] || die "needs root (mount namespaces, pivot_root, mmdebstrap); run it as root"
for tool in mmdebstrap unshare pivot_root jq cmake unzip; do
  command -v "$tool" > /dev/null || die "$tool is missing: make deps installs it (tools/packages-kit-tests.txt)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/nnkit-test-fresh-root.XXXXXX")
cgroups=()
# shellcheck disable=SC2317  # run by the trap
cleanup() {
  # Every mount was made in a private mount namespace that ended with its last process:
  # none is left on this machine's side, and the root is plain files.
  local group
  for group in "${cgroups[@]}"; do rmdir "$group" 2> /dev/null; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
exec 3>&1
failures=0
check() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
finish() { echo "$failures failed"; [ "$failures" -eq 0 ]; exit; }

# --- 1. the root, built once per package list -----------------------------------------
mkdir -p "$build_dir" || die "cannot make the build folder $build_dir"
key=$( (echo "bookworm minbase"; printf '%s\n' "${packages[@]}") | sha256sum | cut -c1-16)
cache=$build_dir/gradescope-root-$key.tar
if [ -s "$cache" ]; then
  say "the root: $cache (cached; delete it to bootstrap again)"
else
  say "bootstrapping a Debian 12 root from $mirror: ${packages[*]}"
  start=$(date +%s)
  # stdin from /dev/null: without a tty on stdin mmdebstrap would read sources from it;
  # --format: it would take a name not ending in .tar for a folder
  if ! mmdebstrap --quiet --variant=minbase --format=tar --include="$(IFS=,; echo "${packages[*]}")" \
         bookworm "$cache.tmp" "$mirror" < /dev/null > "$work/mmdebstrap.log" 2>&1; then
    tail -20 "$work/mmdebstrap.log"; rm -f "$cache.tmp"
    die "mmdebstrap could not build the root (above); is $mirror reachable? (NNKIT_FRESH_ROOT_MIRROR)"
  fi
  # one cached root per machine: the ones of older package lists go
  rm -f "$build_dir"/gradescope-root-*.tar
  mv "$cache.tmp" "$cache"
  say "the root: $cache ($(du -h "$cache" | cut -f1), $(($(date +%s) - start)) s)"
fi

# --- 2. a fresh copy, with the zip in /autograder/source --------------------------------
"$repo/tools/make_gradescope.sh" "$work/autograder.zip" || die "tools/make_gradescope.sh failed (above)"
root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$cache" || die "cannot unpack $cache: delete it and rerun"
chmod 755 "$root"
ag=$root/autograder
mkdir -p "$ag/source" "$ag/submission" "$ag/results"
unzip -q "$work/autograder.zip" -d "$ag/source" || die "cannot unzip $work/autograder.zip into the root"
zip_manifest=$ag/source/assignment/manifest.json
mapfile -t files < <(jq -r '.parts[].file' "$zip_manifest")
[ "${#files[@]}" -gt 0 ] || die "no parts in the zip's assignment/manifest.json"
# the full marks, in hundredths as check_results.cmake prints them
total=$(jq -r '[.items[].points] | add * 100 | round' "$zip_manifest")
{ [[ "$total" =~ ^[0-9]+$ ]] && [ "$total" -gt 0 ]; } || die "the zip's manifest has no points: $total"

# --- 3. entering the root --------------------------------------------------------------
# in_root COMMAND...: COMMAND as root inside the root, in new mount, PID and network
# namespaces: /proc fresh for the new PID namespace, /dev and /sys this machine's (the
# grader reads its container's cgroup files there), the environment Gradescope's would be.
# With pivot_root the root becomes the mount namespace's root and this machine's root is
# detached from it; with chroot it stays the namespace's root, so bubblewrap cannot start.
# shellcheck disable=SC2016  # expanded by the shell that enters
enter='
set -e
r=$1 entry=$2; shift 2
mount --bind "$r" "$r"
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount --rbind /sys "$r/sys"
mount -o remount,bind,ro "$r/sys" 2> /dev/null || true
cd "$r"
clean_env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8"
if [ "$entry" = chroot ]; then
  exec chroot . /usr/bin/env -i $clean_env /bin/bash -c "cd / && exec \"\$@\"" in_root "$@"
fi
mkdir -p .old
pivot_root . .old
cd /
exec /usr/bin/env -i $clean_env /bin/bash -c "umount -l /.old && rmdir /.old && exec \"\$@\"" in_root "$@"
'
in_root_command=(unshare --mount --pid --net --fork --propagation private -- bash -c "$enter" enter "$root")
in_root() { "${in_root_command[@]}" "$entry" "$@"; }
in_chroot() { "${in_root_command[@]}" chroot "$@"; }

# in_budget COMMAND...: COMMAND (a program, not a function) in a cgroup of $budget_cpus CPUs and $budget_mb MB without
# swap, as Gradescope's container limits it; prints wall, CPU and peak memory after.
budget_runs=0
in_budget() {
  if [ -n "${NNKIT_FRESH_ROOT_BUDGET_TOOL:-}" ]; then
    # its figures (a line on stderr starting with its name) to the test's output too
    "$NNKIT_FRESH_ROOT_BUDGET_TOOL" "$budget_cpus" "$budget_mb" "$@" \
      2> >(tee >(grep "^$(basename "$NNKIT_FRESH_ROOT_BUDGET_TOOL")" >&3) >&2)
    return
  fi
  budget_runs=$((budget_runs + 1))   # a group of its own per run: the last one's is not empty yet
  local cg=/sys/fs/cgroup name=nnkit-fresh-root-$$-$budget_runs groups=() start status cpu peak ooms
  local quota bytes=$((budget_mb << 20))
  quota=$(awk -v c="$budget_cpus" 'BEGIN { printf "%d", c * 100000 }')
  if [ -f "$cg/cgroup.controllers" ]; then   # cgroup v2
    for c in cpu memory; do
      grep -qw "$c" "$cg/cgroup.controllers" || die "cgroup v2 without the $c controller: cannot apply NNKIT_FRESH_ROOT_BUDGET"
      grep -qw "$c" "$cg/cgroup.subtree_control" || echo "+$c" > "$cg/cgroup.subtree_control" \
        || die "cannot enable the $c controller in $cg/cgroup.subtree_control"
    done
    mkdir "$cg/$name" || die "cannot make the cgroup $cg/$name"
    groups=("$cg/$name"); cgroups+=("$cg/$name")
    { echo "$quota 100000" > "$cg/$name/cpu.max" && echo "$bytes" > "$cg/$name/memory.max"; } \
      || die "cannot limit the cgroup $cg/$name"
    [ ! -f "$cg/$name/memory.swap.max" ] || echo 0 > "$cg/$name/memory.swap.max"
  else                                       # cgroup v1: one group per controller
    local c dir
    for c in cpu cpuacct memory; do
      dir=$(realpath -e "$cg/$c" 2> /dev/null) || die "no cgroup v2 and no v1 $c controller at $cg/$c: cannot apply NNKIT_FRESH_ROOT_BUDGET"
      [[ " ${groups[*]} " == *" $dir/$name "* ]] && continue   # cpu and cpuacct may be one
      mkdir "$dir/$name" || die "cannot make the cgroup $dir/$name"
      groups+=("$dir/$name"); cgroups+=("$dir/$name")
    done
    { echo 100000 > "$cg/cpu/$name/cpu.cfs_period_us" && echo "$quota" > "$cg/cpu/$name/cpu.cfs_quota_us" \
      && echo "$bytes" > "$cg/memory/$name/memory.limit_in_bytes"; } || die "cannot limit the cgroups $cg/*/$name"
    # memory plus swap, where the kernel accounts swap
    [ ! -f "$cg/memory/$name/memory.memsw.limit_in_bytes" ] || echo "$bytes" > "$cg/memory/$name/memory.memsw.limit_in_bytes"
  fi
  start=$(date +%s.%N)
  bash -c 'n=$1; shift; for g in "${@:1:n}"; do echo $$ > "$g/cgroup.procs" || exit 125; done; shift "$n"; exec "$@"' \
    in_budget "${#groups[@]}" "${groups[@]}" "$@"
  status=$?
  if [ -f "$cg/cgroup.controllers" ]; then
    cpu=$(awk '$1 == "usage_usec" { printf "%.1f", $2 / 1e6 }' "$cg/$name/cpu.stat")
    peak=$(awk '{ printf "%.0f MB", $1 / 1048576 }' "$cg/$name/memory.peak" 2> /dev/null || echo "unknown (memory.peak needs Linux 5.19)")
    ooms=$(awk '$1 == "oom_kill" { print $2 }' "$cg/$name/memory.events")
  else
    cpu=$(awk '{ printf "%.1f", $1 / 1e9 }' "$cg/cpuacct/$name/cpuacct.usage")
    peak=$(awk '{ printf "%.0f MB", $1 / 1048576 }' "$cg/memory/$name/memory.max_usage_in_bytes")
    ooms=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory/$name/memory.oom_control")
    ooms="${ooms:-unknown}, limit hit $(cat "$cg/memory/$name/memory.failcnt") times"
  fi
  # to the test's own output (fd 3), not the command's log
  say "budget $budget_cpus CPU, $budget_mb MB: wall $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }') s, CPU $cpu s, peak $peak, OOM kills $ooms" >&3
  return "$status"
}

bwrap_says=$(in_root bwrap --unshare-all --ro-bind / / true 2>&1)
status=$?
if [ "$entry" = pivot_root ]; then
  check "bubblewrap starts inside the root (entered with pivot_root)" "$status"
  if [ "$status" -ne 0 ]; then
    echo "$bwrap_says"
    say "the grader's sandbox cannot start here, so nothing can be graded; check that this machine" \
        "allows user namespaces (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)" \
        "and that this test is not itself run in a chroot"
    finish
  fi
else
  say "NOTE: entered with chroot; bubblewrap there: exit status $status: ${bwrap_says:-no message}"
fi

# --- 4. setup.sh, then two submissions ---------------------------------------------------
start=$(date +%s)
in_root env ${JOBS:+JOBS="$JOBS"} ${NNKIT_SETUP_CHECK:+NNKIT_SETUP_CHECK="$NNKIT_SETUP_CHECK"} bash -c 'cd /autograder/source && bash ./setup.sh' > "$work/setup.log" 2>&1
status=$?
setup_seconds=$(($(date +%s) - start))
[ "$status" -ne 0 ] || tail -3 "$work/setup.log"
check "setup.sh builds nnkit-grade and validates the kit in the fresh root ($setup_seconds s)" "$status"
if [ "$status" -ne 0 ]; then
  tail -40 "$work/setup.log"
  if grep -qiE 'bwrap|bubblewrap|namespace' "$work/setup.log"; then
    say "setup.sh failed because the grader's sandbox (bubblewrap) cannot start in this root" \
        "(entry: $entry)"
  elif grep -qiE 'apt-get|Temporary failure resolving|dataset-fashion-mnist|installing' "$work/setup.log"; then
    say "setup.sh needs a package the root does not have, and there is no network inside: the" \
        "zip must bring it (or, for development only, NNKIT_FRESH_ROOT_EXTRA_PACKAGES)"
  fi
  finish
fi
cp "$ag/source/run_autograder" "$ag/run_autograder"   # Gradescope copies it there

# grade NAME FOLDER [in_budget|in_chroot]: FOLDER's part files (a folder beside the zip's
# files, outside the root) as the submission; through step 4's entry, or within the budget,
# or through a plain chroot (step 5)
grade() {
  local name=$1 folder=$2 wrap=${3:-in_root} file start status
  rm -rf "$ag/submission" "$ag/results" && mkdir -p "$ag/submission" "$ag/results"
  for file in "${files[@]}"; do cp "$folder/$file" "$ag/submission/"; done
  start=$(date +%s)
  if [ "$wrap" = in_budget ]; then
    in_budget "${in_root_command[@]}" "$entry" bash -c 'cd /autograder && ./run_autograder' > "$work/run-$name.log" 2>&1
  else
    "$wrap" bash -c 'cd /autograder && ./run_autograder' > "$work/run-$name.log" 2>&1
  fi
  status=$?
  check "run_autograder grades the $name ($(($(date +%s) - start)) s)" "$status"
  line=$(cmake -DRESULTS="$ag/results/results.json" -P "$repo/tools/gradescope/check_results.cmake" 2>&1)
  echo "results.json ($name): $line"
}
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\2/p" <<< "$2"; }
# expect_score NAME SCORE: the last grade's score, in hundredths, and the manifest's maximum
expect_score() {
  check "the $1 scores $(($2 / 100)) of $((total / 100)) (in hundredths: $(field score "$line"))" \
    "$([ "$(field score "$line")" = "$2" ] && [ "$(field max "$line")" = "$total" ]; echo $?)"
  [ "$(field score "$line")" = "$2" ] || tail -30 "$work/run-$1.log"
}
# expect_sandbox KIND: which sandbox the last grade's results.json says ran
expect_sandbox() {
  check "results.json says the $1 sandbox graded it" "$([ "$(field sandbox "$line")" = "$1" ]; echo $?)"
}
sandbox_here=bubblewrap
[ "$entry" = pivot_root ] || sandbox_here=fallback

# Copies of the solution, outside the root: with a comment in the first region of each file
# (its substance, not its bytes: it compiles, as a student's own files do, instead of reusing
# the builds validate cached for the solution's exact files; its CNN is still replayed), and
# with another dropout rate in the CNN (a network that differs from the reference's: its
# full run cannot be replayed).
edited=$work/solution-edited dropout=$work/solution-dropout
mkdir -p "$edited" "$dropout"
for file in "${files[@]}"; do
  awk '{ print } !done && /\/\/ >>> YOUR CODE HERE >>>/ { print "  // my own solution"; done = 1 }' \
    "$ag/source/solution/$file" > "$edited/$file"
  sed 's/nn::Dropout(0\.3)/nn::Dropout(0.25)/' "$ag/source/solution/$file" > "$dropout/$file"
done
cmp -s "$ag/source/solution/pytorch_cnn.cpp" "$dropout/pytorch_cnn.cpp" \
  && die "solution/pytorch_cnn.cpp has no nn::Dropout(0.3) to change: update this test"

grade "reference solution" "$ag/source/solution" ${budget:+in_budget}
expect_score "reference solution" "$total"
check "every test has a visibility" \
  "$([ -n "$(field tests "$line")" ] && [ "$(field visible_field "$line")" = "$(field tests "$line")" ]; echo $?)"
expect_sandbox "$sandbox_here"

if [ -n "$budget" ]; then
  grade "solution with a comment in each file" "$edited" in_budget
  expect_score "solution with a comment in each file" "$total"
  # Its score is below the total (3.1's outputs differ from the reference's, by design);
  # what matters here is that every case ran within the budget.
  grade "solution with dropout 0.25 in its CNN" "$dropout" in_budget
  check "the solution with dropout 0.25 is graded in full, within the grading budget" \
    "$(jq -e '.budget_ran_out == false and .grading_finished == true' "$ag/results/results.json" > /dev/null; echo $?)"
fi

grade "blank handout" "$ag/source/handout"
expect_score "blank handout" 0

# --- 5. a plain chroot: bubblewrap cannot start, the fallback sandbox grades -------------
say "NOTE: bubblewrap through a plain chroot: $(in_chroot bwrap --unshare-all --ro-bind / / true 2>&1 | head -1 || true)"
grade "solution with a comment in each file, through chroot" "$edited" in_chroot
expect_score "solution with a comment in each file, through chroot" "$total"
expect_sandbox fallback
grade "blank handout, through chroot" "$ag/source/handout" in_chroot
expect_score "blank handout, through chroot" 0
expect_sandbox fallback

# --- the held-out labels, out of the sandbox's reach -------------------------------------
# nnkit-grade runs student code as uid 3000000 + (its pid mod 1000000), without groups
# (grader/src/sandbox.hpp): any such uid is "others" to every file of the root. Looked
# for: files named like test labels, and Fashion-MNIST's original test labels whatever
# their name (the .gz by its SHA-256 from data/fashion-mnist.files, or unpacked: an idx1
# header of 10000 labels, 00 00 08 01 00 00 27 10).
uid=$((3000000 + $$ % 1000000))
read -r _ gz_size gz_sha < <(grep '^t10k-labels-idx1-ubyte.gz ' "$repo/data/fashion-mnist.files")
# shellcheck disable=SC2016  # run inside the root: FIND_ARGS... then the file tests
labels_script='
find / -xdev -type f "$@" \( -iname "t10k-labels*" -o -iname "y_test*" -o -iname "test[-_]labels*" \
  -o -iname "*[-_.]test[-_]labels*" -o -iname "labels[-_]test*" -o -size "${GZ_SIZE}c" -o -size 10008c \) \
  -print0 2> /dev/null |
while IFS= read -r -d "" f; do
  shopt -s nocasematch
  case "${f##*/}" in t10k-labels* | y_test* | test[-_]labels* | *[-_.]test[-_]labels* | labels[-_]test*)
    echo "$f"; continue ;; esac
  if [ "$(sha256sum < "$f" 2> /dev/null | cut -c1-64)" = "$GZ_SHA" ] ||
     [ "$(head -c 8 "$f" 2> /dev/null | od -An -tx1 | tr -d " \n")" = 0000080100002710 ]; then
    echo "$f (the test labels by content)"
  fi
done'
in_root env GZ_SIZE="$gz_size" GZ_SHA="$gz_sha" bash -c "$labels_script" labels \
  > "$work/labels-all.txt"
in_root env GZ_SIZE="$gz_size" GZ_SHA="$gz_sha" setpriv --reuid="$uid" --regid="$uid" --clear-groups \
  bash -c "$labels_script" labels -readable > "$work/labels-readable.txt"
say "test labels in the root (as root sees them): $(wc -l < "$work/labels-all.txt")"
sed 's/^/  /' "$work/labels-all.txt"
check "no file of test labels is readable by the sandbox's uid ($uid)" \
  "$([ ! -s "$work/labels-readable.txt" ]; echo $?)"
sed 's/^/  readable: /' "$work/labels-readable.txt"
# The kit's other secrets: the reference solution, the hidden tests, the kit and its cache
# (setup.sh closes /autograder/source; bubblewrap would hide them anyway, the fallback
# sandbox cannot).
in_root setpriv --reuid="$uid" --regid="$uid" --clear-groups \
  find /autograder -type f -readable \( -path '*/solution/*' -o -path '*/hidden_tests/*' \
    -o -path '*/grader-kit/*' -o -path '*/cache/*' -o -path '*/assignment/*' \) \
  > "$work/secrets-readable.txt" 2> /dev/null
check "no file of the reference solution, hidden tests, assignment or kit is readable by the sandbox's uid" \
  "$([ ! -s "$work/secrets-readable.txt" ]; echo $?)"
head -5 "$work/secrets-readable.txt" | sed 's/^/  readable: /'

say "wall times: setup.sh $setup_seconds s; each run_autograder above"
finish
