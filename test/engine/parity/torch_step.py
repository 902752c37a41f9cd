"""PyTorch side of the parity test (test/engine/parity/torch-parity.test.ts).

Reads JSON objects on stdin, one per line: {"spec": ArchSpec, "weights": {name: [values]} (pwb layout: conv
[kh, kw, in, out], dense [in, out]), "x": [values] (NHWC), "shape": [n, h, w, c], "y": [labels], "dtypes": ["float64", "float32"]}. Builds
the same network in PyTorch with pwb's parameter names (as in the reference code: VGG, CIFAR ResNet,
PreResNet, DenseNet, channel selections included), runs one training-mode forward and backward in float64 and an eval-mode forward, and prints a line per
request with, per dtype, {"loss", "grads": {name: [values] in pwb layout}, "eval_logits": [values], "batch_stats": {bn: [mean, var]},
"kink_margin"}. `kink_margin` is how far the training forward stays from the points where the gradient
jumps: the smallest |input| of a ReLU and the smallest gap between a max-pool window's two largest
values. Where it is within float32 rounding (≈ 1e-6 of values near 1) a float32 forward may land on the
other side and take the other branch, so a gradient comparison there says nothing about correctness.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


DTYPE = torch.float64
# The training forward's distance from ReLU kinks and max-pool ties (see the docstring), while RECORD holds.
MARGIN = {"record": False, "value": float("inf")}


def relu(x):
    if MARGIN["record"]:
        MARGIN["value"] = min(MARGIN["value"], x.detach().abs().min().item())
    return F.relu(x)


def max_pool2d(x, k):
    if MARGIN["record"]:
        n, c, h, w = x.shape
        windows = x.detach()[:, :, : h // k * k, : w // k * k].reshape(n, c, h // k, k, w // k, k).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // k, w // k, k * k)
        top2 = windows.topk(2, dim=-1).values
        # A window whose maximum is a ReLU's zero passes no gradient, whichever element wins it.
        gaps = torch.where(top2[..., 0] > 0, top2[..., 0] - top2[..., 1], torch.full_like(top2[..., 0], float("inf")))
        MARGIN["value"] = min(MARGIN["value"], gaps.min().item())
    return F.max_pool2d(x, k)


def to_torch(name, values, shape):
    t = torch.tensor(values, dtype=DTYPE).reshape(shape)
    if t.dim() == 4:
        return t.permute(3, 2, 0, 1).contiguous()  # [kh, kw, in, out] -> [out, in, kh, kw]
    if t.dim() == 2:
        return t.t().contiguous()  # [in, out] -> [out, in]
    return t


def to_pwb(t):
    if t.dim() == 4:
        return t.permute(2, 3, 1, 0).contiguous()
    if t.dim() == 2:
        return t.t().contiguous()
    return t


class Net(nn.Module):
    """Modules keyed by pwb layer name; `forward` follows src-main/engine/models/<family>.ts."""

    def __init__(self, spec, shapes):
        super().__init__()
        self.spec = spec
        self.layers = nn.ModuleDict()
        for layer, (kind, shape) in shapes.items():
            key = layer.replace(".", "__")
            if kind == "conv":
                kh, kw, cin, cout = shape
                self.layers[key] = nn.Conv2d(cin, cout, kh, bias=False)
            elif kind == "dense":
                self.layers[key] = nn.Linear(shape[0], shape[1])
            elif kind == "bn2d":
                self.layers[key] = nn.BatchNorm2d(shape[0], eps=1e-5, momentum=0.1)
            elif kind == "bn1d":
                self.layers[key] = nn.BatchNorm1d(shape[0], eps=1e-5, momentum=0.1)

    def m(self, name):
        return self.layers[name.replace(".", "__")]

    def conv(self, name, x, stride=1, pad=None):
        w = self.m(name).weight
        return F.conv2d(x, w, None, stride, w.shape[-1] // 2 if pad is None else pad)

    def forward(self, x):
        s = self.spec
        if s["family"] == "vgg":
            i = 0
            for v in s["cfg"]:
                if v == "M":
                    x = max_pool2d(x, 2)
                    i += 1
                    continue
                x = relu(self.m(f"features.{i + 1}")(self.conv(f"features.{i}", x)))
                i += 3
            x = x.mean(dim=(2, 3))
            for j, _ in enumerate(s["fc"]):
                x = relu(self.m(f"classifier.{3 * j + 1}")(self.m(f"classifier.{3 * j}")(x)))
            return self.m("classifier" if not s["fc"] else f"classifier.{3 * len(s['fc'])}")(x)
        if s["family"] == "resnet":
            n = (s["depth"] - 2) // 6
            x = relu(self.m("bn1")(self.conv("conv1", x)))
            b = 0
            for st, planes in enumerate(s["widths"]):
                for i in range(n):
                    name = f"layer{st + 1}.{i}"
                    stride = 2 if st > 0 and i == 0 else 1
                    out = relu(self.m(f"{name}.bn1")(self.conv(f"{name}.conv1", x, stride)))
                    out = self.m(f"{name}.bn2")(self.conv(f"{name}.conv2", out))
                    short = x
                    if stride != 1 or x.shape[1] != planes:
                        short = F.avg_pool2d(x, stride) if stride > 1 else x
                        short = F.pad(short, (0, 0, 0, 0, 0, planes - short.shape[1]))
                    x = relu(out + short)
                    b += 1
            return self.m("fc")(x.mean(dim=(2, 3)))
        if s["family"] == "preresnet":
            n = (s["depth"] - 2) // 9
            x = self.conv("conv1", x)
            k = 0
            for st, planes in enumerate(s["widths"]):
                for i in range(n):
                    name = f"layer{st + 1}.{i}"
                    stride = 2 if st > 0 and i == 0 else 1
                    out = relu(self.pick(self.m(f"{name}.bn1")(x), k))
                    out = relu(self.m(f"{name}.bn2")(self.conv(f"{name}.conv1", out, 1, 0)))
                    out = relu(self.m(f"{name}.bn3")(self.conv(f"{name}.conv2", out, stride, 1)))
                    out = self.conv(f"{name}.conv3", out, 1, 0)
                    changes = stride != 1 or x.shape[1] != 4 * planes
                    residual = self.conv(f"{name}.downsample.0", x, stride, 0) if changes else x
                    x = out + residual
                    k += 1
            x = relu(self.pick(self.m("bn")(x), 3 * n))
            return self.m("fc")(x.mean(dim=(2, 3)))
        if s["family"] == "densenet":
            n = (s["depth"] - 4) // 3
            x = self.conv("conv1", x)
            for b in range(3):
                for j in range(n):
                    name = f"dense{b + 1}.{j}"
                    out = relu(self.pick(self.m(f"{name}.bn1")(x), b * (n + 1) + j))
                    x = torch.cat([x, self.conv(f"{name}.conv1", out)], 1)
                if b < 2:
                    out = relu(self.pick(self.m(f"trans{b + 1}.bn1")(x), b * (n + 1) + n))
                    x = F.avg_pool2d(self.conv(f"trans{b + 1}.conv1", out, 1, 0), 2)
            x = relu(self.pick(self.m("bn")(x), 3 * n + 2))
            return self.m("fc")(x.mean(dim=(2, 3)))
        raise SystemExit(f"torch_step.py: family {s['family']} is not mirrored here")

    def pick(self, x, k):
        """A channel-selection layer: the kept channels (spec.select[k]) of the BN output."""
        sel = self.spec.get("select")
        if not sel:
            return x
        return x.index_select(1, torch.tensor(sel[k], dtype=torch.long))


def main():
    torch.set_num_threads(1)
    # float64 is the reference; float32 shows how far float32 itself strays on the case. One process does
    # both, and every case of a run, one request per line (importing torch is most of a small case's time).
    for line in sys.stdin:
        if line.strip():
            req = json.loads(line)
            print(json.dumps({dtype: step(req, dtype) for dtype in req.get("dtypes", ["float64"])}), flush=True)


def step(req, dtype):
    global DTYPE
    DTYPE = {"float32": torch.float32, "float64": torch.float64}[dtype]
    MARGIN["value"] = float("inf")
    weights = {k: v for k, v in req["weights"].items()}
    shapes = {}
    for name, entry in req["params"].items():
        layer, role = name.rsplit(".", 1)
        if entry["kind"] == "conv" and role == "weight":
            shapes[layer] = ("conv", entry["shape"])
        elif entry["kind"] == "dense" and role == "weight":
            shapes[layer] = ("dense", entry["shape"])
        elif entry["kind"] == "bn" and role == "gamma":
            shapes[layer] = ("bn1d" if entry.get("over") == "features" else "bn2d", entry["shape"])
    net = Net(req["spec"], shapes).to(DTYPE)
    by_name = {}
    for name, entry in req["params"].items():
        layer, role = name.rsplit(".", 1)
        mod = net.m(layer)
        attr = {"weight": "weight", "bias": "bias", "gamma": "weight", "beta": "bias", "running_mean": "running_mean", "running_var": "running_var"}[role]
        target = getattr(mod, attr)
        with torch.no_grad():
            target.copy_(to_torch(name, weights[name], entry["shape"]))
        by_name[name] = target
    n, h, w, c = req["shape"]
    x = torch.tensor(req["x"], dtype=DTYPE).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(req["y"], dtype=torch.long)
    net.train()
    stats = {}
    hooks = []
    for layer, (kind, _) in shapes.items():
        if kind.startswith("bn"):
            def hook(mod, inp, out, layer=layer):
                t = inp[0]
                dims = (0, 2, 3) if t.dim() == 4 else (0,)
                stats[layer] = [t.mean(dim=dims).tolist(), t.var(dim=dims, unbiased=False).tolist()]
            hooks.append(net.m(layer).register_forward_hook(hook))
    MARGIN["record"] = True
    loss = F.cross_entropy(net(x), y)
    MARGIN["record"] = False
    loss.backward()
    for hk in hooks:
        hk.remove()
    grads = {name: to_pwb(p.grad).flatten().tolist() for name, p in by_name.items() if p.grad is not None}
    # Eval-mode forward of the same (initial) weights: the running statistics, not the batch's.
    with torch.no_grad():
        for name, entry in req["params"].items():
            if name.endswith("running_mean") or name.endswith("running_var"):
                by_name[name].copy_(to_torch(name, weights[name], entry["shape"]))
        net.eval()
        logits = net(x)
    return {"loss": loss.item(), "grads": grads, "eval_logits": logits.flatten().tolist(), "batch_stats": stats, "kink_margin": MARGIN["value"]}


if __name__ == "__main__":
    main()
