#!/usr/bin/env sh
# One-time set-up that `deno task reproduce` and `deno task test` run first: the Debian packages freqlens
# uses (a real font for figures, Chromium for the report's browser test, Fashion-MNIST, oneDNN for fast
# convolutions on the wasm backend) and the locked npm dependencies. Installs only what is missing; quiet
# when nothing is.
set -u
missing=""
for pkg in fonts-dejavu-core chromium dataset-fashion-mnist libdnnl2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  if [ "$sudo" = "none" ]; then
    echo "setup: please install the Debian packages:$missing (apt-get install$missing)" >&2
  else
    echo "setup: installing Debian packages:$missing" >&2
    $sudo apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null 2>&1 ||
      echo "setup: could not install$missing" >&2
  fi
fi
deno install --frozen --quiet || { echo "setup: deno install --frozen failed" >&2; exit 1; }
