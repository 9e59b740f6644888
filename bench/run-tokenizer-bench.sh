#!/usr/bin/env bash
# Builds the bench module and runs the tokenizer benchmark (Tessera vs Hugging Face tokenizers vs jtokkit,
# interleaved round by round; MB/s best of the rounds, ratios the median of the per-round ratios).
# Usage: bench/run-tokenizer-bench.sh [--mb 1.0] [--rounds 5] [--only llama3,cl100k_base] [--shared DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/.ci/jdk.sh"
cd "$ROOT"
CP_FILE="$ROOT/bench/target/classpath.txt"
# one reactor run: the classpath file is written per module, the bench module (last) wins
mvn -q -B -ntp -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile="$CP_FILE" >/dev/null
exec "$JAVA_HOME/bin/java" -Xss4m -XX:+UseParallelGC -cp "$ROOT/bench/target/classes:$(cat "$CP_FILE")" \
  io.tessera.bench.tokenizer.TokenizerBench --shared "$ROOT/../shared" "$@"
