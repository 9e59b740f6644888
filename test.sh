#!/usr/bin/env bash
# Runs every test with a JDK 25 (found automatically). Tests that need ../shared skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")"
source .ci/jdk.sh
exec mvn -B -ntp test "$@"
