"""PyTorch side of `npm run bench:engine`: the same training step as bench/engine.ts, timed the
same way, in PyTorch's default memory format or (fifth argument `channels_last`) with the networks
and the clips in channels-last, as a PyTorch user tuning for oneDNN would write it.
Prints one JSON line: {"ms": [per-step milliseconds], "threads": n}."""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads, steps, warmup, bf16 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
channels_last = len(sys.argv) > 5 and sys.argv[5] == "channels_last"
torch.set_num_threads(threads)
torch.manual_seed(0)


def double(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class TinyUNet(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.inc, self.down1, self.down2 = double(3, w), double(w, 2 * w), double(2 * w, 4 * w)
        self.up1, self.up2 = double(6 * w, 2 * w), double(3 * w, w)
        self.outc = nn.Conv2d(w, 3, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(F.max_pool2d(x1, 2))
        x3 = self.down2(F.max_pool2d(x2, 2))
        y = self.up1(torch.cat([F.interpolate(x3, scale_factor=2, mode="bilinear"), x2], 1))
        y = self.up2(torch.cat([F.interpolate(y, scale_factor=2, mode="bilinear"), x1], 1))
        return torch.sigmoid(self.outc(y))


class Tiny3D(nn.Module):
    def __init__(self, classes=10, w=16):
        super().__init__()
        self.c1, self.b1 = nn.Conv3d(3, w, 3, padding=1, bias=False), nn.BatchNorm3d(w)
        self.c2, self.b2 = nn.Conv3d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm3d(2 * w)
        self.c3, self.b3 = nn.Conv3d(2 * w, 4 * w, 3, padding=1, bias=False), nn.BatchNorm3d(4 * w)
        self.fc = nn.Linear(4 * w, classes)

    def forward(self, x):
        x = F.max_pool3d(F.relu(self.b1(self.c1(x))), (1, 2, 2))
        x = F.max_pool3d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.b3(self.c3(x)))
        return self.fc(F.adaptive_avg_pool3d(x, 1).flatten(1))


f_a, f_t = TinyUNet(), Tiny3D()
opt = torch.optim.Adam(list(f_a.parameters()) + list(f_t.parameters()), lr=1e-3)
x = torch.rand(2, 3, 16, 64, 64)
y = torch.randint(0, 10, (2,))
if channels_last:
    # The clips in NDHWC: the frames f_A sees are then NHWC views of the same memory, and f_A's
    # NHWC output reshaped back to clips is NDHWC again, without a copy.
    f_a = f_a.to(memory_format=torch.channels_last)
    f_t = f_t.to(memory_format=torch.channels_last_3d)
    x = x.contiguous(memory_format=torch.channels_last_3d)


def step():
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        b, c, t, h, w = x.shape
        frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        anon = f_a(frames).reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)
        loss = F.cross_entropy(f_t(anon), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


ms = []
for i in range(warmup + steps):
    t0 = time.perf_counter()
    step()
    if i >= warmup:
        ms.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": ms, "threads": torch.get_num_threads()}))
