#!/usr/bin/env bash
# Says plainly that a make target is planned but not built yet, and fails.
echo "make $1: not built yet; it arrives with $2." >&2
exit 2
