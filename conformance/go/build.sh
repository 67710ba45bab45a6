#!/usr/bin/env bash
# Builds the Go interop peer (interop-server and interop-client) with the system's Go and
# Debian's Go ttrpc 1.1.1 sources, in GOPATH mode and without network access.
#
# Usage: build.sh [--test] OUTPUT_DIR
# Writes OUTPUT_DIR/interop-server and OUTPUT_DIR/interop-client; the Go build cache goes to
# OUTPUT_DIR/gocache. With --test, first runs go vet and the Go tests (message encodings pinned
# to test.proto, every case Go client against Go server). Exit status: 0 built, 2 usage,
# 3 Go toolchain or ttrpc sources missing, anything else a failed vet, test or build.
# Set GO to use another go binary, GOCODE for another source tree of Go libraries (default
# /usr/share/gocode, where Debian's golang-*-dev packages install).
set -euo pipefail

run_tests=false
if [[ ${1:-} == --test ]]; then
  run_tests=true
  shift
fi
if (($# != 1)); then
  echo "usage: $0 [--test] OUTPUT_DIR" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
go_bin=${GO:-go}
gocode=${GOCODE:-/usr/share/gocode}

if ! command -v "$go_bin" >/dev/null 2>&1; then
  echo "build.sh: no Go toolchain ('$go_bin' not found); install golang-go" >&2
  exit 3
fi
for pkg in github.com/containerd/ttrpc github.com/gogo/protobuf/proto google.golang.org/grpc/status; do
  if [[ ! -d "$gocode/src/$pkg" ]]; then
    echo "build.sh: Go sources of $pkg missing under $gocode/src;" \
      "install golang-github-containerd-ttrpc-dev" >&2
    exit 3
  fi
done

export GO111MODULE=off
export GOPATH="$here:$gocode"
export GOCACHE="$out/gocache"
export GOPROXY=off
export GOFLAGS=
export CGO_ENABLED=0

if $run_tests; then
  "$go_bin" vet ttrpcinterop/...
  "$go_bin" test -count=1 ttrpcinterop/...
fi
"$go_bin" build -o "$out/interop-server" ttrpcinterop/cmd/interop-server
"$go_bin" build -o "$out/interop-client" ttrpcinterop/cmd/interop-client
echo "build.sh: built $out/interop-server and $out/interop-client with $("$go_bin" version)" >&2
