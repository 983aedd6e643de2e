#!/bin/sh
# Installs Azurite for the Azure tests exactly as package-lock.json pins it (npm ci), unless
# node_modules already holds an install made from this very lock file. The walarchive-azure build
# runs it in generate-test-resources; run it by hand with: sh walarchive-azure/src/test/azurite/install.sh
set -eu
cd "$(dirname "$0")"
bin=node_modules/.bin/azurite-blob
# a copy of the lock file an install was made from, written only after npm ci succeeded
stamp=node_modules/.walarchive-installed-from-package-lock.json
if [ -x "$bin" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "walarchive-azure: npm is missing; the Azure tests run Azurite from npm. Install Node.js 20+ and npm (Debian: apt-get install nodejs npm), or run dev/test, which installs them" >&2
  exit 1
fi
echo "walarchive-azure: installing Azurite with npm ci (pinned by src/test/azurite/package-lock.json) for the Azure tests"
for attempt in 1 2; do
  rm -rf node_modules
  if npm ci --no-audit --no-fund --loglevel=error && [ -x "$bin" ]; then
    cp package-lock.json "$stamp"
    exit 0
  fi
  [ "$attempt" = 1 ] && echo "walarchive-azure: npm ci did not install Azurite; retrying once from scratch" >&2
done
echo "walarchive-azure: npm ci failed twice in $(pwd); check the network to the npm registry (npm config get registry)" >&2
exit 1
