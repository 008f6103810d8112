"""Reference values for the engine's golden tests, made once with PyTorch (Debian's python3-torch 1.13) and
MONAI 1.3.2 (BasicUNet, DiceCELoss); basicunet_odd.safetensors with PyTorch 2.15 and MONAI 1.6.1. Writes
ops.safetensors, basicunet.safetensors and basicunet_odd.safetensors next to this file.

Every case stores its inputs, a weight R, the output and the gradients of sum(output * R); the tests read the
inputs, run the engine and compare. Run: python3 make_fixtures.py (with torch and monai importable)."""

import json
import os
import struct
import sys

import torch
import torch.nn.functional as F
from monai.losses import DiceCELoss
from monai.networks.nets import BasicUNet

torch.manual_seed(0)
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
# Which files to write (all by default): python3 make_fixtures.py basicunet_odd writes only that one.
WANTED = set(sys.argv[1:]) or {"ops", "basicunet", "basicunet_odd"}


def save(path, tensors):
    """safetensors, written by hand: 8-byte header length, JSON header, little-endian float32 data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


if "ops" in WANTED:
    out = {}


    def case(name, fn, **inputs):
        """Stores inputs, R, fn(**inputs) and the gradient of sum(output * R) for every input."""
        leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
        y = fn(**leaves)
        r = torch.rand(y.shape) * 2 - 1
        (y * r).sum().backward()
        out[f"{name}.out"] = y
        out[f"{name}.R"] = r
        for k, v in leaves.items():
            out[f"{name}.{k}"] = inputs[k]
            out[f"{name}.grad.{k}"] = v.grad


    def rnd(*shape):
        return torch.randn(*shape)


    case("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=1, padding=1), x=rnd(2, 3, 5, 6, 7), w=rnd(4, 3, 3, 3, 3), b=rnd(4))
    case("conv3d_strided", lambda x, w, b: F.conv3d(x, w, b, stride=2, padding=2, dilation=2), x=rnd(1, 2, 7, 8, 9), w=rnd(3, 2, 3, 3, 3), b=rnd(3))
    case("conv3d_k5", lambda x, w, b: F.conv3d(x, w, b, stride=1, padding=2), x=rnd(1, 2, 6, 5, 6), w=rnd(2, 2, 5, 5, 5), b=rnd(2))
    case("conv3d_pointwise", lambda x, w, b: F.conv3d(x, w, b), x=rnd(2, 5, 3, 4, 5), w=rnd(3, 5, 1, 1, 1), b=rnd(3))
    case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), x=rnd(2, 3, 9, 8), w=rnd(4, 3, 3, 3), b=rnd(4))
    case("convT3d", lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2), x=rnd(1, 4, 3, 4, 3), w=rnd(4, 2, 2, 2, 2), b=rnd(2))
    case("convT2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), x=rnd(2, 3, 4, 5), w=rnd(3, 2, 3, 3), b=rnd(2))
    case("add", lambda x, y: x + y, x=rnd(2, 3, 2, 3, 4), y=rnd(1, 3, 1, 1, 1))
    case("mul", lambda x, y: x * y, x=rnd(2, 3, 2, 3, 4), y=rnd(2, 1, 2, 3, 4))
    case("leaky_relu", lambda x: F.leaky_relu(x, 0.1), x=rnd(2, 3, 2, 3, 4))
    case("prelu", lambda x, w: F.prelu(x, w), x=rnd(2, 3, 2, 3, 4), w=torch.rand(3))
    case("sigmoid", lambda x: torch.sigmoid(x), x=rnd(2, 3, 2, 3, 4))
    case("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5), x=rnd(2, 3, 4, 5, 6) * 3 + 1, w=rnd(3), b=rnd(3))
    running_mean, running_var = torch.zeros(3), torch.ones(3)
    case("batch_norm", lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b, training=True, momentum=0.1, eps=1e-5),
         x=rnd(3, 3, 2, 4, 5) * 2 - 1, w=rnd(3), b=rnd(3))
    out["batch_norm.running_mean"], out["batch_norm.running_var"] = running_mean.clone(), running_var.clone()
    case("max_pool3d", lambda x: F.max_pool3d(x, 2), x=rnd(2, 2, 4, 6, 5))
    case("max_pool2d", lambda x: F.max_pool2d(x, 2), x=rnd(2, 2, 6, 4))
    case("upsample_nearest", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), x=rnd(1, 2, 2, 3, 4))
    case("upsample_trilinear", lambda x: F.interpolate(x, scale_factor=2, mode="trilinear", align_corners=False), x=rnd(1, 2, 3, 2, 4))
    case("upsample_trilinear_aligned", lambda x: F.interpolate(x, scale_factor=2, mode="trilinear", align_corners=True), x=rnd(1, 2, 3, 2, 4))
    case("softmax", lambda x: torch.softmax(x, 1), x=rnd(2, 4, 2, 3, 3))
    case("log_softmax", lambda x: torch.log_softmax(x, 1), x=rnd(2, 4, 2, 3, 3))
    case("concat", lambda x, y: torch.cat([x, y], 1), x=rnd(2, 1, 2, 3, 3), y=rnd(2, 3, 2, 3, 3))
    case("mean", lambda x: x.mean().reshape(1), x=rnd(2, 3, 2, 3, 3))
    labels = torch.randint(0, 3, (2, 1, 3, 4, 5)).float()
    out["dice_ce.labels"] = labels
    case("dice_ce", lambda x: DiceCELoss(to_onehot_y=True, softmax=True)(x, labels).reshape(1), x=rnd(2, 3, 3, 4, 5))
    # Optimisers: three steps from the same start with the same gradients.
    start, grads = torch.randn(5), [torch.randn(5) for _ in range(3)]
    out["optim.start"] = start
    for n, g in enumerate(grads):
        out[f"optim.grad{n}"] = g
    for name, make in [("sgd", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)),
                       ("adam", lambda p: torch.optim.Adam([p], lr=0.1, weight_decay=0.01)),
                       ("adamw", lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=0.01))]:
        p = start.clone().requires_grad_(True)
        optimizer = make(p)
        for g in grads:
            p.grad = g.clone()
            optimizer.step()
        out[f"optim.{name}"] = p.detach().clone()
    save(os.path.join(HERE, "ops.safetensors"), out)

# Small BasicUNets, 2D and 3D: weights, input, logits and the gradient of every parameter under DiceCELoss.
# LeakyReLU has a kink at 0: an activation within rounding of 0 may fall on the other side in float32 here and
# there, and its gradient then differs by a few per cent upstream. So a draw is kept only when every activation
# input is at least 1e-5 (relative to its layer's spread) away from 0 and every max-pool window's top two values
# are as far apart. 3D runs on 16×32×32, small enough for such a draw to come up (the bottom level is 1×2×2).
def well_conditioned(net, x):
    margins = []

    def activation(module, inputs, output):
        z = inputs[0].detach()
        margins.append(float(z.abs().min() / z.std()))

    def pool(module, inputs, output):
        z = inputs[0].detach()
        k = 2
        dims = z.dim() - 2
        windows = z.unfold(2, k, k).unfold(3, k, k) if dims == 2 else z.unfold(2, k, k).unfold(3, k, k).unfold(4, k, k)
        top = windows.reshape(*windows.shape[: 2 + dims], -1).topk(2, dim=-1).values
        margins.append(float((top[..., 0] - top[..., 1]).min() / z.std()))

    hooks = [m.register_forward_hook(activation) for m in net.modules() if isinstance(m, torch.nn.LeakyReLU)]
    hooks += [m.register_forward_hook(pool) for m in net.modules() if isinstance(m, (torch.nn.MaxPool2d, torch.nn.MaxPool3d))]
    with torch.no_grad():
        net.double()(x.double())
    net.float()
    for h in hooks:
        h.remove()
    return min(margins) > 1e-5


def unets(cases, name):
    nets = {}
    for dims, shape, features in cases:
        for attempt in range(200):
            net = BasicUNet(spatial_dims=dims, in_channels=shape[1], out_channels=3, features=features)
            # Instance-norm scales and shifts away from 1 and 0, so that their gradients and use are checked too.
            with torch.no_grad():
                for pname, p in net.named_parameters():
                    if ".adn.N." in pname:
                        p.add_(torch.randn(p.shape) * 0.2)
            x = torch.randn(*shape)
            if well_conditioned(net, x):
                break
        y = net(x)
        target = torch.randint(0, 3, (shape[0], 1) + shape[2:]).float()
        loss = DiceCELoss(to_onehot_y=True, softmax=True)(y, target)
        loss.backward()
        prefix = f"unet{dims}d"
        for pname, p in net.named_parameters():
            nets[f"{prefix}.weights.{pname}"] = p
            nets[f"{prefix}.grad.{pname}"] = p.grad
        nets[f"{prefix}.x"], nets[f"{prefix}.out"], nets[f"{prefix}.labels"] = x, y, target
        nets[f"{prefix}.loss"] = loss.reshape(1)
        print(name, prefix, "kept draw", attempt)
    save(os.path.join(HERE, name + ".safetensors"), nets)


if "basicunet" in WANTED:
    unets([(2, (2, 3, 32, 32), (4, 4, 8, 8, 16, 4)), (3, (1, 2, 16, 32, 32), (2, 4, 4, 8, 8, 2))], "basicunet")
# Sizes that are not multiples of 16: MONAI pads the up-sampled map by repeating its last plane where an odd size
# was pooled.
if "basicunet_odd" in WANTED:
    torch.manual_seed(1)
    unets([(2, (1, 3, 20, 36), (4, 4, 8, 8, 16, 4)), (3, (1, 2, 18, 20, 40), (2, 4, 4, 8, 8, 2))], "basicunet_odd")
print("torch", torch.__version__, "written", sorted(os.listdir(HERE)))
