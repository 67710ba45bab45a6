#!/usr/bin/env bash
# Builds and runs the README's quick start as a new user would: every fenced block preceded by
# "<!-- quickstart: PATH -->" is written to PATH in a fresh directory, run.sh is run there, and
# its output must equal the block marked "expected-output", with no warning of the build or the
# JVM and no SLF4J notice. Needs the artifacts in the local Maven repository (mvn install first).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readme="$root/README.md"
# shellcheck source=jdk.sh
source "$root/scripts/jdk.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project="$work/project"
mkdir -p "$project"

# Cut the marked blocks out of the README.
awk -v dir="$project" '
  /^<!-- quickstart: .* -->$/ { target = $3; next }
  target != "" && /^```/ && !inside { inside = 1; path = dir "/" target; n = split(path, parts, "/"); d = "";
    for (i = 2; i < n; i++) d = d "/" parts[i]; system("mkdir -p \"" d "\""); printf "" > path; next }
  inside && /^```$/ { inside = 0; close(path); target = ""; next }
  inside { print >> path }
' "$readme"

for file in pom.xml run.sh expected-output src/main/proto/hello/v1/greeter.proto \
    src/main/java/com/example/hello/GreeterServer.java src/main/java/com/example/hello/GreeterClient.java; do
  if [[ ! -s "$project/$file" ]]; then
    echo "README quick start: no block marked <!-- quickstart: $file -->" >&2
    exit 1
  fi
done

cd "$project"
# Maven 3.8/3.9's own Guava calls sun.misc.Unsafe, which JDK 24+ reports on every mvn run; that
# is Maven's, and the README tells users this same setting. Older JDKs reject the flag.
if [[ "$(ttrpc_java_major "$JAVA_HOME")" -ge 24 ]]; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
mv expected-output "$work/expected"
status=0
timeout 600 bash -euo pipefail run.sh >"$work/stdout" 2>"$work/stderr" || status=$?
if [[ $status -ne 0 ]]; then
  echo "README quick start failed (exit $status)" >&2
  cat "$work/stdout" "$work/stderr" >&2
  exit 1
fi
# protoc-jar reports its steps on stdout even under -q; the README says so.
# Maven's colour resets are stripped first.
sed 's/\x1b\[[0-9;]*m//g' "$work/stdout" | grep -Ev '^(protoc-jar: |libprotoc )' >"$work/output" || true
if ! diff -u "$work/expected" "$work/output"; then
  echo "README quick start: output differs from the README's expected output (above)" >&2
  cat "$work/stderr" >&2
  exit 1
fi
# Maven logs warnings on stdout, the JVM and SLF4J on stderr: any of them fails.
if grep -Ei 'warn|SLF4J|deprecated' "$work/stdout" "$work/stderr"; then
  echo "README quick start: warnings printed (above)" >&2
  exit 1
fi
echo "README quick start: built and ran, output as documented"
