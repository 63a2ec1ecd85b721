#!/usr/bin/env bash
# Installs one prebuilt tool from a folder of binaries with a SHA256SUMS file (the project's
# ../shared/bin on CI machines), only when its checksum matches.
#   prebuilt.sh DIR NAME DEST
# Exit 0: DEST/NAME is that file now. Exit 1: the folder, the file or its checksum line is
# missing, or the checksum fails; nothing is copied and the caller falls back to building.
set -euo pipefail
dir=${1:?usage: prebuilt.sh DIR NAME DEST}
name=${2:?usage: prebuilt.sh DIR NAME DEST}
dest=${3:?usage: prebuilt.sh DIR NAME DEST}
dest=${dest%/}
[ -f "$dir/$name" ] && [ -f "$dir/SHA256SUMS" ] || exit 1
line=$(grep -E "^[0-9a-f]{64}  \*?$name\$" "$dir/SHA256SUMS" || true)
if [ -z "$line" ]; then
  echo "prebuilt: $dir/SHA256SUMS has no line for $name: not using it" >&2
  exit 1
fi
if ! (cd "$dir" && printf '%s\n' "$line" | sha256sum -c --status); then
  echo "prebuilt: !!! $dir/$name does not match its SHA256SUMS line: not using it" >&2
  exit 1
fi
mkdir -p "$dest"
tmp=$(mktemp "$dest/.$name.XXXXXX")
cp "$dir/$name" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$dest/$name"
echo "prebuilt: installed $name from $dir (checksum verified) to $dest/$name"
