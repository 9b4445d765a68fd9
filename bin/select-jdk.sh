# Sourced by ./mvnw and ./edgeward: exports JAVA_HOME pointing at a JDK whose major version is >= 21.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1; }
pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(java_major "$JAVA_HOME"); [ "${v:-0}" -ge 21 ] 2>/dev/null && { echo "$JAVA_HOME"; return; }
  fi
  best=""; bestv=0
  for d in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$d/bin/javac" ] || continue
    v=$(java_major "$d"); [ "${v:-0}" -gt "$bestv" ] 2>/dev/null && { best="$d"; bestv="$v"; }
  done
  if [ "$bestv" -ge 21 ]; then echo "$best"; return; fi
  if command -v javac >/dev/null 2>&1; then
    d=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")"); v=$(java_major "$d")
    [ "${v:-0}" -ge 21 ] 2>/dev/null && { echo "$d"; return; }
  fi
  return 1
}
if ! JAVA_HOME="$(pick_jdk)"; then
  echo "Edgeward needs a JDK 21 or newer; none found (checked \$JAVA_HOME and /usr/lib/jvm). Install one, e.g. apt-get install openjdk-21-jdk." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
