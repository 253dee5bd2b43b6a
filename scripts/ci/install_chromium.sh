#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the browser tests, unless
# /usr/bin/chromium is already there. Needs root (CI and the dev machines run
# as root); prints what it did and exits non-zero when the install fails.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    echo "install_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null
echo "install_chromium: installed $(/usr/bin/chromium --version)"
