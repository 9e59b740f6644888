#!/usr/bin/env python3
"""Runs llama.cpp's llama-bench and `tessera bench` on the same GGUF files, threads and token counts,
interleaved so both see the same machine, and prints a markdown table of medians and ratios.

Usage: bench/compare-llamacpp.py --llama-bench PATH [-p 64] [-n 32] [-r 3] [-t 1,2] MODEL.gguf...
llama.cpp is not part of Tessera: build it beside the project and pass its llama-bench binary.
"""
import argparse, json, os, statistics, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--llama-bench", required=True)
ap.add_argument("-p", type=int, default=64)
ap.add_argument("-n", type=int, default=32)
ap.add_argument("-r", type=int, default=3)
ap.add_argument("-t", default="1,2")
ap.add_argument("models", nargs="+")
a = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(os.path.abspath(a.llama_bench)))

def llama(model, t):
    out = subprocess.run([a.llama_bench, "-m", model, "-p", str(a.p), "-n", str(a.n), "-t", str(t), "-r", str(a.r), "-o", "json"],
                         capture_output=True, text=True, env=env, check=True).stdout
    pp = tg = None
    for row in json.loads(out):
        med = statistics.median(row["samples_ts"])
        if row["n_prompt"] > 0: pp = med
        else: tg = med
    return pp, tg

def tessera(model, t):
    out = subprocess.run([os.path.join(root, "tessera"), "bench", "-m", model, "-p", str(a.p), "-n", str(a.n), "-t", str(t),
                          "-r", str(a.r), "--json"], capture_output=True, text=True, check=True).stdout
    o = json.loads(out.strip().splitlines()[-1])
    return o["pp_tokens_per_s"], o["tg_tokens_per_s"], o["load_ms"], o["bytes_per_token"]

print(f"| model | threads | llama.cpp pp{a.p} t/s | Tessera pp{a.p} t/s | ratio | llama.cpp tg{a.n} t/s | Tessera tg{a.n} t/s | ratio | Tessera load ms | MB read/token |")
print("|---|---|---|---|---|---|---|---|---|---|")
for m in a.models:
    for t in [int(x) for x in a.t.split(",")]:
        lpp, ltg = llama(m, t)
        tpp, ttg, load, bpt = tessera(m, t)
        print(f"| {os.path.basename(m)} | {t} | {lpp:.1f} | {tpp:.1f} | {tpp/lpp:.2f} | {ltg:.1f} | {ttg:.1f} | {ttg/ltg:.2f} | {load:.0f} | {bpt/1e6:.1f} |", flush=True)
