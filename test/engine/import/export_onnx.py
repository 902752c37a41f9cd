# Writes the ONNX files the import test reads, with PyTorch's own eval-mode logits on fixed inputs:
#   python3 export_onnx.py OUT_DIR   ->  OUT_DIR/<name>.onnx and OUT_DIR/<name>.json {input, shape, logits}
# Models: ResNet-18 (torchvision's layout, written out here: torchvision is not in Debian's python3-torch),
# a small CNN with a concat and a flatten of a spatial map, the same CNN exported the default way (eval mode,
# constant folding: BN folded into the convs), a small inverted-residual net (depthwise conv, ReLU6), and
# a CNN with SiLU (Sigmoid + Mul) and a sigmoid output, and two files with an op the importer refuses (Tanh;
# a grouped conv). BN statistics and affine
# parameters are random so that no two initialisers are equal (the exporter would alias them).
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
out_dir = sys.argv[1]


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for i, w in enumerate([64, 128, 256, 512]):
            blocks = [Basic(cin, w, 1 if i == 0 else 2), Basic(w, w, 1)]
            cin = w
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class ConcatNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.a = nn.Conv2d(8, 6, 1, bias=False)
        self.a_bn = nn.BatchNorm2d(6)
        self.b = nn.Conv2d(8, 10, 3, 1, 1, bias=False)
        self.b_bn = nn.BatchNorm2d(10)
        self.mix = nn.Conv2d(16, 12, 3, 2, 1, bias=False)
        self.mix_bn = nn.BatchNorm2d(12)
        self.fc = nn.Linear(12 * 4 * 4, classes)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        x = torch.cat([F.relu(self.a_bn(self.a(x))), F.relu(self.b_bn(self.b(x)))], 1)
        x = F.max_pool2d(F.relu(self.mix_bn(self.mix(x))), 2)
        return self.fc(torch.flatten(F.dropout(x, 0.5, self.training), 1))


class InvertedResidual(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.expand = nn.Conv2d(8, 24, 1, bias=False)
        self.expand_bn = nn.BatchNorm2d(24)
        self.dw = nn.Conv2d(24, 24, 3, 1, 1, groups=24, bias=False)
        self.dw_bn = nn.BatchNorm2d(24)
        self.project = nn.Conv2d(24, 8, 1, bias=False)
        self.project_bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = F.relu6(self.stem_bn(self.stem(x)))
        y = F.relu6(self.expand_bn(self.expand(x)))
        y = F.relu6(self.dw_bn(self.dw(y)))
        x = x + self.project_bn(self.project(y))
        return self.fc(x.mean([2, 3]))


class Activations(nn.Module):
    """SiLU (exported as Sigmoid and Mul) inside, a sigmoid on the outputs (multi-label style)."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = F.silu(self.bn1(self.conv1(x)))
        x = F.silu(self.bn2(self.conv2(x)))
        return torch.sigmoid(self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


class WithTanh(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, 1, 1)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(torch.tanh(self.conv(x)), 1), 1))


class Grouped(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, 1, 1)
        self.grouped = nn.Conv2d(6, 6, 3, 1, 1, groups=2)
        self.fc = nn.Linear(6, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.grouped(F.relu(self.conv(x))), 1), 1))


def randomise_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)


def export(name, model, size, preserve=True):
    model.eval()
    randomise_bn(model)
    x = torch.randn(2, 3, size, size)
    with torch.no_grad():
        logits = model(x)
    kwargs = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if preserve else {}
    torch.onnx.export(model, x[:1], os.path.join(out_dir, name + '.onnx'), opset_version=13, **kwargs)
    with open(os.path.join(out_dir, name + '.json'), 'w') as f:
        json.dump({'input': x.flatten().tolist(), 'shape': list(x.shape), 'logits': logits.flatten().tolist()}, f)


export('resnet18', ResNet18(), 32)
export('concat_cnn', ConcatNet(), 16)
export('concat_cnn_folded', ConcatNet(), 16, preserve=False)
export('inverted_residual', InvertedResidual(), 16)
export('activations', Activations(), 16)
export('tanh', WithTanh(), 8)
export('grouped', Grouped(), 8)
