#!/usr/bin/env python3
"""Training speed of the same llama shape in PyTorch (CPU, float32): the anchor of bench/train-vs-pytorch.sh.

Same model as Tessera's trainer: token embedding tied to the output, RMSNorm, rope on adjacent pairs,
grouped-query causal attention, SwiGLU feed-forward, cross-entropy, AdamW (weight decay on matrices),
gradient-norm clipping at 1.0. Random tokens, full rows. Prints one JSON line. PyTorch is not a dependency
of Tessera; Debian's python3-torch is enough (1.13: no fused attention kernel, attention written out).
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k, d in [("dim", 256), ("layers", 6), ("heads", 8), ("kv-heads", 4), ("ffn", 688), ("vocab", 4096),
             ("seq", 256), ("batch", 8), ("threads", 2), ("warmup", 3), ("steps", 10)]:
    p.add_argument("--" + k, type=int, default=d)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)
hd = a.dim // a.heads


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope_tables(T, hd, theta=10000.0):
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    ang = torch.arange(T, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cos(ang), torch.sin(ang)


def rope(x, cos, sin):  # x [B, H, T, hd], adjacent pairs
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)
    return out.flatten(-2)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.an, self.fn = RMSNorm(a.dim), RMSNorm(a.dim)
        self.q = nn.Linear(a.dim, a.heads * hd, bias=False)
        self.k = nn.Linear(a.dim, a.kv_heads * hd, bias=False)
        self.v = nn.Linear(a.dim, a.kv_heads * hd, bias=False)
        self.o = nn.Linear(a.heads * hd, a.dim, bias=False)
        self.g = nn.Linear(a.dim, a.ffn, bias=False)
        self.u = nn.Linear(a.dim, a.ffn, bias=False)
        self.d = nn.Linear(a.ffn, a.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        h = self.an(x)
        q = self.q(h).view(B, T, a.heads, hd).transpose(1, 2)
        k = self.k(h).view(B, T, a.kv_heads, hd).transpose(1, 2)
        v = self.v(h).view(B, T, a.kv_heads, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = a.heads // a.kv_heads
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        att = torch.softmax(s, dim=-1) @ v
        x = x + self.o(att.transpose(1, 2).reshape(B, T, a.heads * hd))
        h = self.fn(x)
        return x + self.d(F.silu(self.g(h)) * self.u(h))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(a.vocab, a.dim)
        self.blocks = nn.ModuleList(Block() for _ in range(a.layers))
        self.norm = RMSNorm(a.dim)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx, cos, sin, mask):
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.norm(x) @ self.emb.weight.t()


model = Model()
params = sum(p.numel() for p in model.parameters())
decay = [p for p in model.parameters() if p.dim() >= 2]
other = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                        lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
cos, sin = rope_tables(a.seq, hd)
mask = torch.full((a.seq, a.seq), float("-inf")).triu(1)
g = torch.Generator().manual_seed(1)
data = torch.randint(0, a.vocab, (a.batch * 4, a.seq + 1), generator=g)


def step(i):
    rows = data[(i * a.batch) % data.shape[0]:][:a.batch]
    x, y = rows[:, :-1], rows[:, 1:]
    logits = model(x, cos, sin, mask)
    loss = F.cross_entropy(logits.reshape(-1, a.vocab), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss.item()


for i in range(a.warmup):
    step(i)
t0 = time.perf_counter()
for i in range(a.steps):
    loss = step(a.warmup + i)
secs = time.perf_counter() - t0
tokens = a.steps * a.batch * a.seq
print(json.dumps({"engine": "pytorch " + torch.__version__, "params": params, "tokens_per_step": a.batch * a.seq,
                  "steps": a.steps, "seconds": round(secs, 3), "tokens_per_second": round(tokens / secs, 1),
                  "loss": round(loss, 4), "threads": torch.get_num_threads()}))
