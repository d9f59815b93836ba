"""PyTorch's own best for `veil anonymize`'s network alone: unet-small (SPAct's UNet at width 16,
milesial's Pytorch-UNet with bilinear up-sampling) on batches of 8 frames of 112x112, inference
mode, in frames/s, at 1 and 2 threads: eager in the default layout, channels-last, batch norms
folded by hand (what veil's libtorch runtime does), and TorchScript-frozen (folding plus oneDNN
fusions). No decoding or encoding: the ceiling any libtorch program reaches on this CPU, beside
`npm run bench:anonymize`'s end-to-end frames/s. Run: /usr/bin/python3 bench/unet_infer_ref.py"""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval


def double(cin, cout, mid=None):
    mid = mid or cout
    return nn.Sequential(nn.Conv2d(cin, mid, 3, padding=1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                         nn.Conv2d(mid, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = double(cin, cout, cin // 2)

    def forward(self, x, skip):
        up = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True)
        return self.conv(torch.cat([skip, up], 1))


class UNet(nn.Module):
    def __init__(self, w=16):
        super().__init__()
        self.inc = double(3, w)
        self.downs = nn.ModuleList([double(w, 2 * w), double(2 * w, 4 * w), double(4 * w, 8 * w), double(8 * w, 8 * w)])
        self.ups = nn.ModuleList([Up(16 * w, 4 * w), Up(8 * w, 2 * w), Up(4 * w, w), Up(2 * w, w)])
        self.outc = nn.Conv2d(w, 3, 1)

    def forward(self, x):
        xs = [self.inc(x)]
        for d in self.downs:
            xs.append(d(F.max_pool2d(xs[-1], 2)))
        y = xs[-1]
        for i, u in enumerate(self.ups):
            y = u(y, xs[len(xs) - 2 - i])
        return torch.sigmoid(self.outc(y))


def fold(m):
    """Every conv -> batch norm pair of a Sequential, folded into the conv."""
    for name, child in m.named_children():
        if isinstance(child, nn.Sequential):
            mods, out, i = list(child), [], 0
            while i < len(mods):
                if isinstance(mods[i], nn.Conv2d) and i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d):
                    out.append(fuse_conv_bn_eval(mods[i], mods[i + 1]))
                    i += 2
                else:
                    out.append(mods[i])
                    i += 1
            setattr(m, name, nn.Sequential(*out))
        else:
            fold(child)
    return m


def frames_per_second(net, x):
    with torch.inference_mode():
        for _ in range(3):
            net(x)
        ts = []
        for _ in range(8):
            t0 = time.perf_counter()
            net(x)
            ts.append(time.perf_counter() - t0)
    return x.shape[0] / sorted(ts)[len(ts) // 2]


torch.manual_seed(0)
for threads in [1, 2]:
    torch.set_num_threads(threads)
    for variant in ["default eager", "channels-last eager", "channels-last folded", "channels-last frozen"]:
        net = UNet().eval()
        x = torch.rand(8, 3, 112, 112)
        if variant != "default eager":
            net = net.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        if variant.endswith("folded"):
            fold(net)
        if variant.endswith("frozen"):
            with torch.no_grad():
                net = torch.jit.freeze(torch.jit.trace(net, x))
        print(f"unet-small 112x112, batch 8, {threads} thread(s), {variant}: {frames_per_second(net, x):.1f} frames/s",
              flush=True)
