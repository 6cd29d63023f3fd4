#!/usr/bin/env bash
# Chromium for the `netpipe report` test: it loads the generated page from a file: URL in a real
# headless browser, reads the DOM after the page's script ran and takes a screenshot.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; then
  echo "chromium: $(chromium --version | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
chromium --version | head -1
