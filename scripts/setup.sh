#!/usr/bin/env bash
# Installs what the build and the tests need and is missing: Debian packages (as root) and a
# JDK 25. Idempotent and quick when everything is present. Prints, on its last line of stdout,
# nothing; callers source scripts/jdk.sh for JAVA_HOME.
set -euo pipefail

packages=(containerd runc golang-go golang-github-containerd-ttrpc-dev
          golang-github-containerd-containerd-dev busybox-static maven bsdutils)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run 'sudo apt-get install ${missing[*]}' (tests that need them will skip)" >&2
  fi
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=jdk.sh
source "$here/jdk.sh"
echo "setup: JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1) at $JAVA_HOME" >&2
