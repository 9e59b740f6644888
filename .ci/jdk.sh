# Sourced by ./tessera and .ci/run: exports JAVA_HOME pointing at a JDK 25 or newer, or exits.
jdk_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }
find_jdk25() {
  local c
  for c in "${TESSERA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*25* /opt/java/* /usr/lib/jvm/*; do
    [[ -n "$c" && -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    local v; v="$(jdk_major "$c")"
    if [[ -n "$v" && "$v" -ge 25 ]]; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME="$(find_jdk25)"; then
  echo "tessera: no JDK 25 found. Install Temurin 25 (Debian/Adoptium package 'temurin-25-jdk') or set JAVA_HOME to a JDK 25." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
