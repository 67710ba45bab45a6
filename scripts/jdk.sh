# Sourced: points JAVA_HOME at a JDK 25 (the build JDK) unless it already is one.
# Looks at $JAVA_HOME, then the JDKs under /usr/lib/jvm (Temurin and OpenJDK packages).
ttrpc_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'
}
if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/javac" || "$(ttrpc_java_major "$JAVA_HOME")" -lt 25 ]]; then
  JAVA_HOME=
  for candidate in /usr/lib/jvm/*; do
    if [[ -x "$candidate/bin/javac" && "$(ttrpc_java_major "$candidate")" -ge 25 ]]; then
      JAVA_HOME=$candidate
      break
    fi
  done
  if [[ -z "$JAVA_HOME" ]]; then
    echo "no JDK 25 found: install one (e.g. Temurin 25) under /usr/lib/jvm or set JAVA_HOME" >&2
    return 1 2>/dev/null || exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
