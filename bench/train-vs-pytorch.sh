#!/usr/bin/env bash
# Training tokens/s of one llama shape in Tessera and in PyTorch (CPU, float32, same threads), in one run.
# PyTorch is only the anchor: Debian's python3-torch with OpenBLAS (apt-get install python3-torch libopenblas0-pthread), run by /usr/bin/python3.
# Usage: bench/train-vs-pytorch.sh [--dim 256 --layers 6 --heads 8 --kv-heads 4 --ffn 688 --vocab 4096
#                                   --seq 256 --batch 8 --threads 2 --warmup 3 --steps 10]
# Prints the machine, the load average, both JSON lines and the ratio Tessera / PyTorch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/.ci/jdk.sh"
cd "$ROOT"
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c 'import torch' 2>/dev/null || { echo "PyTorch not found for $PY: apt-get install -y python3-torch" >&2; exit 1; }
# Debian's torch does its matrix products through the system BLAS; with only the reference BLAS (libblas3) it runs
# ~35x below an optimised one, and the anchor would mean nothing
GFLOPS=$("$PY" -c 'import torch, time
torch.set_num_threads(1); a = torch.randn(1024, 1024); b = torch.randn(1024, 1024); a @ b
t = time.time(); [a @ b for _ in range(3)]; print(int(3 * 2 * 1024**3 / (time.time() - t) / 1e9))')
echo "pytorch: one-thread 1024x1024 matmul at $GFLOPS GFLOP/s"
if (( GFLOPS < 20 )); then
  echo "PyTorch is on an unoptimised BLAS ($GFLOPS GFLOP/s): apt-get install -y libopenblas0-pthread for a fair anchor" >&2
  exit 1
fi
CP_FILE="$ROOT/bench/target/classpath.txt"
mvn -q -B -ntp -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile="$CP_FILE" >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "args: $*"
T=$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xss4m -XX:+UseParallelGC -Xmx6g \
  -cp "$ROOT/bench/target/classes:$(cat "$CP_FILE")" io.tessera.bench.TrainBench "$@" 2>/dev/null)
echo "$T"
P=$(env -u OMP_NUM_THREADS "$PY" "$ROOT/bench/train_pytorch.py" "$@")
echo "$P"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$T" "$P" <<'PYEOF'
import json, sys
t, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"params tessera {t['params']} pytorch {p['params']}; tokens/s tessera {t['tokens_per_second']:.0f}, "
      f"pytorch {p['tokens_per_second']:.0f}: ratio {t['tokens_per_second'] / p['tokens_per_second']:.2f}x")
PYEOF
