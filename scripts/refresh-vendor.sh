#!/usr/bin/env bash
# Regenerate web/static/vendor/ from the versions pinned in web/vendor-src/package.json
# (and its package-lock.json): the prebuilt browser bundles of bpmn-js and dmn-js, their
# CSS and icon fonts, and their licenses. The app serves these files itself; no CDN.
#
#   scripts/refresh-vendor.sh
#
# To upgrade: edit the pinned versions in web/vendor-src/package.json, run
# `npm install` in web/vendor-src to update package-lock.json, then run this script
# and update the versions in web/static/vendor/README.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/web/vendor-src"
out="$root/web/static/vendor"

(cd "$src" && npm ci --no-audit --no-fund --ignore-scripts)

nm="$src/node_modules"

version_of() {
  node -p "require(process.argv[1]).version" "$nm/$1/package.json"
}

copy() { # copy <from> <to>, creating the target directory
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2"
}

# --- bpmn-js ---------------------------------------------------------------------------
b="$nm/bpmn-js"
rm -rf "$out/bpmn-js"
copy "$b/dist/bpmn-navigated-viewer.production.min.js" "$out/bpmn-js/bpmn-navigated-viewer.production.min.js"
copy "$b/dist/bpmn-modeler.production.min.js" "$out/bpmn-js/bpmn-modeler.production.min.js"
copy "$b/dist/assets/diagram-js.css" "$out/bpmn-js/assets/diagram-js.css"
copy "$b/dist/assets/bpmn-js.css" "$out/bpmn-js/assets/bpmn-js.css"
# bpmn.css refers to ../font/bpmn.{eot,woff2,woff,ttf,svg}; the -embedded variant is redundant.
copy "$b/dist/assets/bpmn-font/css/bpmn.css" "$out/bpmn-js/assets/bpmn-font/css/bpmn.css"
copy "$b/dist/assets/bpmn-font/css/bpmn-codes.css" "$out/bpmn-js/assets/bpmn-font/css/bpmn-codes.css"
mkdir -p "$out/bpmn-js/assets/bpmn-font/font"
cp "$b"/dist/assets/bpmn-font/font/* "$out/bpmn-js/assets/bpmn-font/font/"
copy "$b/LICENSE" "$out/bpmn-js/LICENSE"

# --- dmn-js ----------------------------------------------------------------------------
d="$nm/dmn-js"
rm -rf "$out/dmn-js"
copy "$d/dist/dmn-modeler.production.min.js" "$out/dmn-js/dmn-modeler.production.min.js"
if [[ -f "$d/dist/dmn-viewer.production.min.js" ]]; then
  copy "$d/dist/dmn-viewer.production.min.js" "$out/dmn-js/dmn-viewer.production.min.js"
fi
mkdir -p "$out/dmn-js/assets"
cp "$d"/dist/assets/*.css "$out/dmn-js/assets/"
copy "$d/dist/assets/dmn-font/css/dmn.css" "$out/dmn-js/assets/dmn-font/css/dmn.css"
copy "$d/dist/assets/dmn-font/css/dmn-codes.css" "$out/dmn-js/assets/dmn-font/css/dmn-codes.css"
mkdir -p "$out/dmn-js/assets/dmn-font/font"
cp "$d"/dist/assets/dmn-font/font/* "$out/dmn-js/assets/dmn-font/font/"
copy "$d/LICENSE" "$out/dmn-js/LICENSE"

# No source maps are copied; the bundles must not point browsers at missing .map files.
if grep -rl 'sourceMappingURL' "$out" >&2; then
  echo "the files above refer to source maps that are not vendored" >&2
  exit 1
fi

# Every url(...) in the copied CSS must resolve to a copied file.
status=0
while IFS= read -r css; do
  while IFS= read -r ref; do
    path="${ref%%[?#]*}"
    if [[ ! -f "$(dirname "$css")/$path" ]]; then
      echo "missing asset: $css -> $ref" >&2
      status=1
    fi
  done < <(grep -oE "url\(['\"]?[^'\")]+" "$css" | sed -E "s/^url\(['\"]?//" | grep -vE '^(data:|https?:|#)' || true)
done < <(find "$out" -name '*.css')
[[ $status -eq 0 ]] || exit 1

echo "vendored bpmn-js $(version_of bpmn-js), dmn-js $(version_of dmn-js) into ${out#"$root"/}"
du -sh "$out"
