"""PyTorch side of `npm run bench -- gpu` (test/bench/gpu.ts): the same training steps on CUDA.

One step = forward of the backbone in training mode with frozen BatchNorm statistics (SEE's
bn_freeze), global average + max pooling (ResNet) or the class token (DeiT-S distilled, training
mode), LayerNorm without affine and a Linear head, L2 normalisation, Proxy-Anchor loss (mrg 0.1,
alpha 32) against trainable proxies, backward, AdamW (eps 1e-4). fp32, then AMP (float16 autocast
with a GradScaler). Models are written here in plain torch (no torchvision, no timm) with random
weights: only speed is measured.

usage: python3 gpu_bench_torch.py <repeats> <case:batch:size:dim:classes> ...
prints one JSON line per case; {"available": false, "reason": ...} when torch or CUDA is missing.
GPU_BENCH_TORCH_DEVICE=cpu runs fp32 on the CPU (a smoke test of this script, not a benchmark).
"""
import os
import json
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as err:  # no torch: the kit side runs alone
    print(json.dumps({"available": False, "reason": f"import torch failed: {err}"}), flush=True)
    sys.exit(0)


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.c1, self.b1 = nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.c2, self.b2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes)
        self.c3, self.b3 = nn.Conv2d(planes, out, 1, bias=False), nn.BatchNorm2d(out)
        self.down = None
        if stride != 1 or cin != out:
            self.down = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet50(nn.Module):
    """torchvision's resnet50 layout (stride on the 3x3 conv), features = GAP + GMP."""

    dim = 2048

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for planes, depth, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(depth):
                layers.append(Bottleneck(cin, planes, stride if i == 0 else 1))
                cin = planes * 4
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return F.adaptive_avg_pool2d(x, 1).flatten(1) + F.adaptive_max_pool2d(x, 1).flatten(1)


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = ((q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5).softmax(-1)
        x = x + self.proj((attn @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.n2(x))))


class DeitSmallDistilled(nn.Module):
    """DeiT-S distilled (patch 16, dim 384, depth 12, 6 heads, class + distillation token)."""

    dim = 384

    def __init__(self, img=224):
        super().__init__()
        self.patch = nn.Conv2d(3, 384, 16, 16)
        self.cls, self.dist = nn.Parameter(torch.zeros(1, 1, 384)), nn.Parameter(torch.zeros(1, 1, 384))
        self.pos = nn.Parameter(torch.zeros(1, (img // 16) ** 2 + 2, 384))
        self.blocks = nn.Sequential(*[Block(384, 6) for _ in range(12)])
        self.norm = nn.LayerNorm(384, eps=1e-6)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        b = x.shape[0]
        x = torch.cat([self.cls.expand(b, -1, -1), self.dist.expand(b, -1, -1), x], 1) + self.pos
        return self.norm(self.blocks(x))[:, 0]


def proxy_anchor(x, proxies, y, mrg=0.1, alpha=32.0):
    cos = F.linear(F.normalize(x), F.normalize(proxies))
    pos = F.one_hot(y, proxies.shape[0]).float()
    neg = 1 - pos
    pos_exp = torch.exp(-alpha * (cos - mrg))
    neg_exp = torch.exp(alpha * (cos + mrg))
    with_pos = (pos.sum(0) != 0).sum()
    pos_term = torch.log(1 + (pos * pos_exp).sum(0)).sum() / with_pos
    neg_term = torch.log(1 + (neg * neg_exp).sum(0)).sum() / proxies.shape[0]
    return pos_term + neg_term


def frozen_bn_train(model):
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def time_case(name, batch, size, dim, classes, repeats, amp, dev):
    body = (ResNet50() if name == "resnet50_train" else DeitSmallDistilled(size)).to(dev)
    head = nn.Sequential(nn.LayerNorm(body.dim, elementwise_affine=False), nn.Linear(body.dim, dim)).to(dev)
    proxies = nn.Parameter(torch.randn(classes, dim, device=dev))
    opt = torch.optim.AdamW(list(body.parameters()) + list(head.parameters()) + [proxies], lr=1e-5, eps=1e-4)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    x = torch.randn(batch, 3, size, size, device=dev)
    y = torch.arange(batch, device=dev) // 2 % classes
    frozen_bn_train(body)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            z = head(body(x))
        loss = proxy_anchor(z.float(), proxies, y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for _ in range(2):
        step()
    sync(dev)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        sync(dev)
        times.append(time.perf_counter() - t0)
    times.sort()
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
    del body, head, proxies, opt, x
    if dev.type == "cuda":
        torch.cuda.empty_cache()
    return times[len(times) // 2], peak


def main():
    dev = torch.device(os.environ.get("GPU_BENCH_TORCH_DEVICE", "cuda"))
    if dev.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"available": False, "reason": f"torch {torch.__version__} sees no CUDA device"}), flush=True)
        return
    torch.backends.cudnn.benchmark = True
    repeats = int(sys.argv[1])
    for arg in sys.argv[2:]:
        name, batch, size, dim, classes = arg.split(":")
        batch, size, dim, classes = int(batch), int(size), int(dim), int(classes)
        device = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
        out = {"available": True, "case": name, "batch": batch, "device": device, "torch": torch.__version__}
        for amp in (False, True) if dev.type == "cuda" else (False,):
            step_s, peak = time_case(name, batch, size, dim, classes, repeats, amp, dev)
            key = "amp" if amp else "fp32"
            out[f"{key}_img_per_s"] = batch / step_s
            out[f"{key}_peak_mb"] = peak
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
