#!/usr/bin/env bash
# Install Debian's Chromium, its WebDriver and a font for the browser tests,
# unless /usr/bin/chromium and /usr/bin/chromedriver are already there.
# Needs root, as CI and the dev machines run. Exits non-zero when apt fails.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    echo "install_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null
echo "install_chromium: installed $(/usr/bin/chromium --version)"
