"""PyTorch reference for `pwb bench`: the same networks, batch sizes, optimiser and thread count.

Usage: torch_bench.py MODEL --batch-size 64 --infer-batch-size 256 --threads 1 --warmup 2 --steps 3
                      [--windows 3] [--seed 1]
Prints one JSON line: {"train_images_per_sec", "infer_images_per_sec", "train_windows",
"infer_windows", "torch_version", "threads"}. Each figure is the median over timed windows of
--steps steps after --warmup untimed ones, as in measure.ts.

Models (NCHW, as PyTorch users run them; the layer structure matches src-main/engine/models):
  bench_cnn  3 x [conv3x3 (no bias) -> BN -> ReLU -> maxpool 2], global average pool, Linear(64, 10)
  resnet20   CIFAR ResNet-20, basic blocks, option-A shortcut (AvgPool2d(2), zero channels appended),
             AvgPool2d(8) -> Linear(64, 10)
  vgg16      CIFAR VGG-16-BN (no conv bias), AvgPool2d(2) on the 2x2 map, then the L1-norm head
             Linear(512, 512) -> BN1d -> ReLU -> Linear(512, 10)
Training: SGD momentum 0.9, Nesterov, lr 0.1, no weight decay; softmax cross-entropy.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]
BENCH_CNN_CFG = [16, "M", 32, "M", 64, "M"]


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class Vgg(nn.Module):
    """VGG-BN features from `cfg`; global average pool; `fc` hidden Linear-BN1d-ReLU layers; Linear."""

    def __init__(self, cfg, fc, classes=10):
        super().__init__()
        layers, cin = [], 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += conv_bn_relu(cin, v)
                cin = v
        self.features = nn.Sequential(*layers)
        head = []
        for units in fc:
            head += [nn.Linear(cin, units), nn.BatchNorm1d(units), nn.ReLU(inplace=True)]
            cin = units
        head.append(nn.Linear(cin, classes))
        self.classifier = nn.Sequential(*head)

    def forward(self, x):
        x = self.features(x)
        x = F.avg_pool2d(x, x.shape[-1]).flatten(1)
        return self.classifier(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.extra = planes - cin

    def shortcut(self, x):
        # Option A: parameter-free; downsample by 2x2 average, then append zero channels.
        if self.stride > 1:
            x = F.avg_pool2d(x, self.stride)
        if self.extra > 0:
            x = torch.cat([x, x.new_zeros(x.shape[0], self.extra, x.shape[2], x.shape[3])], 1)
        return x

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, depth, widths=(16, 32, 64), classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        blocks, cin = [], widths[0]
        for s, planes in enumerate(widths):
            for i in range(n):
                blocks.append(BasicBlock(cin, planes, 2 if s > 0 and i == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.avgpool = nn.AvgPool2d(8)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(self.blocks(x)).flatten(1)
        return self.fc(x)


def init_like_pwb(model, bn_gamma, dense_normal):
    """The engine's initialisation (build.ts): conv N(0, 2/(k*k*out)), BatchNorm2d gamma fixed,
    BatchNorm1d gamma 1 (PyTorch's default, as the reference keeps it), beta 0."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / k))
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.weight.data.fill_(bn_gamma if isinstance(m, nn.BatchNorm2d) else 1.0)
            m.bias.data.zero_()
        elif isinstance(m, nn.Linear) and dense_normal:
            m.weight.data.normal_(0, 0.01)
            m.bias.data.zero_()
    return model


def build(name):
    if name == "bench_cnn":
        return init_like_pwb(Vgg(BENCH_CNN_CFG, []), 0.5, True)
    if name == "vgg16":
        return init_like_pwb(Vgg(VGG16_CFG, [512]), 0.5, True)
    if name == "resnet20":
        return init_like_pwb(CifarResNet(20), 1.0, False)
    raise SystemExit(f"torch_bench.py: unknown model '{name}' (valid: bench_cnn, resnet20, vgg16)")


def time_windows(step, batch_size, warmup, steps, windows):
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(windows):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(batch_size * steps / (time.perf_counter() - t0))
    return statistics.median(rates), rates


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--infer-batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = build(a.model)
    gen = torch.Generator().manual_seed(a.seed)
    x = torch.randn(a.batch_size, 3, 32, 32, generator=gen)
    y = torch.randint(0, 10, (a.batch_size,), generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    model.train()
    train, train_windows = time_windows(train_step, a.batch_size, a.warmup, a.steps, a.windows)

    xi = torch.randn(a.infer_batch_size, 3, 32, 32, generator=gen)

    def infer_step():
        with torch.inference_mode():
            model(xi).sum().item()

    model.eval()
    infer, infer_windows = time_windows(infer_step, a.infer_batch_size, a.warmup, a.steps, a.windows)

    print(json.dumps({
        "train_images_per_sec": train,
        "infer_images_per_sec": infer,
        "train_windows": train_windows,
        "infer_windows": infer_windows,
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
