# Sourced by the tests that build the student archive as a student would (test_clang.sh,
# test_arm64.sh): the archive `make handout-dist` packs, unpacked, with the reference
# solution's part files in assignment/ (the files the manifest's parts name).

# student_archive_with_solution ROOT DEST: ROOT is the kit; DEST (emptied first) becomes
# the unpacked archive. Needs jq (make deps), as make handout-dist does.
student_archive_with_solution() {
  local root=$1 dest=$2 file
  command -v jq > /dev/null || { echo "$(basename "$0"): jq is needed to read the manifest; fix: make deps" >&2; return 2; }
  rm -rf "$dest"
  mkdir -p "$dest"
  "$root/tools/make_handout_dist.sh" "$dest.tar.gz" > /dev/null || return 1
  tar -C "$dest" --strip-components=1 -xzf "$dest.tar.gz" || return 1
  rm -f "$dest.tar.gz"
  while read -r file; do
    cp "$root/solution/$file" "$dest/assignment/$file" || return 1
  done < <(jq -r '.parts[].file' "$root/assignment/manifest.json")
}
