#!/usr/bin/python3
"""PyTorch's side of `npm run bench:models`: the reference networks of the fixture script, timed
the way bench/models.ts times veil's. A worker: argv[1] is the thread count; each stdin line is
a case as JSON ({name, shape, iters, warmup, fwdOnly}), answered by one stdout line {fwd, fwdbwd}
in ms (fwdbwd null for a forward-only case)."""
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'models', 'fixtures'))
import make_fixtures as ref  # noqa: E402
from torchvision.models import resnet18  # noqa: E402
from torchvision.models.resnet import ResNet, BasicBlock  # noqa: E402
from torchvision.models.video import r3d_18, r2plus1d_18  # noqa: E402
from torchvision.models.video.resnet import VideoResNet, BasicBlock as VideoBlock, Conv3DSimple  # noqa: E402


def r3d_small(w=16, classes=101):
    """veil's r3d-small: torchvision's VideoResNet pieces at base width w, one block per stage."""
    m = VideoResNet.__new__(VideoResNet)
    nn.Module.__init__(m)
    m.inplanes = w
    m.stem = nn.Sequential(nn.Conv3d(3, w, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False), nn.BatchNorm3d(w),
                           nn.ReLU(inplace=True))
    for i, s in enumerate([1, 2, 2, 2]):
        setattr(m, f'layer{i + 1}', m._make_layer(VideoBlock, Conv3DSimple, w * 2 ** i, 1, stride=s))
    m.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
    m.fc = nn.Linear(8 * w, classes)
    return m


def resnet_small(w=16):
    """veil's resnet-small: torchvision's ResNet pieces at base width w, with the projection head."""
    m = ResNet.__new__(ResNet)
    nn.Module.__init__(m)
    m._norm_layer, m.inplanes, m.dilation, m.groups, m.base_width = nn.BatchNorm2d, w, 1, 1, 64
    m.conv1 = nn.Conv2d(3, w, 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(w)
    m.relu = nn.ReLU(inplace=True)
    m.maxpool = nn.MaxPool2d(3, 2, 1)
    for i, s in enumerate([1, 2, 2, 2]):
        setattr(m, f'layer{i + 1}', m._make_layer(BasicBlock, w * 2 ** i, 1, stride=s))
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    m.fc = ref.ProjectionHead(8 * w, 8 * w, 128)
    return m


def resnet18_ssl():
    m = resnet18()
    m.fc = ref.ProjectionHead(512, 512, 128)
    return m


BUILD = {
    'unet': ref.UNet, 'unet-small': lambda: ref.UNet(16), 'unetpp-r18': ref.UnetPlusPlus,
    'r3d-18': r3d_18, 'r2plus1d-18': r2plus1d_18, 'i3d-r50': ref.I3Res50, 'r3d-small': r3d_small,
    'resnet18': resnet18_ssl, 'resnet50': ref.resnet50_ssl, 'resnet-small': resnet_small,
}


def timed(fn, warmup, iters):
    """The best of `iters` runs after `warmup`: the least disturbed by other work on the machine."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main():
    torch.set_num_threads(int(sys.argv[1]))
    print('ready', flush=True)
    for line in sys.stdin:
        c = json.loads(line)
        m = BUILD[c['name']]()
        x = torch.rand(c['shape'])

        cast = torch.autocast('cpu', dtype=torch.bfloat16, enabled=bool(c.get('bf16')))

        def forward():
            with torch.no_grad(), cast:
                m.eval()(x)

        def train_step():
            m.train()
            with cast:
                y = m(x).float().sum()
            y.backward()
            m.zero_grad(set_to_none=True)

        fwdbwd = None if c.get('fwdOnly') else timed(train_step, c['warmup'], c['iters'])
        print(json.dumps({'fwd': timed(forward, c['warmup'], c['iters']), 'fwdbwd': fwdbwd}), flush=True)


if __name__ == '__main__':
    main()
