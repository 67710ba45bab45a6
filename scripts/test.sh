#!/usr/bin/env bash
# Runs every test of the project: unit, property and integration tests of all modules (the
# conformance tests start Go peers, containerd-shim-runc-v2, containerd and runc for real), then
# builds the example project against the freshly installed artifacts, and builds and runs the
# README's quick start, cut from README.md, as a new project.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh
# shellcheck source=jdk.sh
source scripts/jdk.sh

mvn -B -ntp install "$@"
mvn -B -ntp -f examples/greeter/pom.xml verify
bash scripts/test-readme.sh
