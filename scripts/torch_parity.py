#!/usr/bin/python3
"""
PyTorch reference outputs for the backbone parity tests (issue 6).

Builds tiny random-weight versions of each backbone the kit supports, in the exact module layout
and key names of their public checkpoints:
  - ResNet in torchvision's layout (torchvision.models.resnet.Bottleneck, stride in the 3x3 conv),
    with small widths and depths (torchvision's ResNet class hard-codes widths 64..512);
  - ViT in timm's layout (patch_embed.proj, cls_token, pos_embed, blocks.i.{norm1,attn.qkv,attn.proj,
    norm2,mlp.fc1,mlp.fc2}, norm, head; LayerNorm eps 1e-6, exact GELU), written here because timm is
    not packaged for Debian; DeiT distilled adds dist_token and head_dist (timm 0.4.12 forward);
    DINO's ViT has the same key names and no head.
Saves their weights as .safetensors (written by hand: 8-byte little-endian header length, JSON header,
raw little-endian bytes) and their outputs on fixed inputs into test/fixtures/backbones/.

Run: /usr/bin/python3 scripts/torch_parity.py [out_dir]   (Debian: apt-get install python3-torch python3-torchvision)
     /usr/bin/python3 scripts/torch_parity.py --check      regenerate in a temporary folder and compare byte for byte
                                                           with the committed fixtures (exit 1 on any difference)
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck, conv1x1

COMMITTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'backbones')
OUT = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != '--check' else COMMITTED

# ---------------------------------------------------------------- safetensors writer

DTYPES = {'F32': (torch.float32, 4), 'F16': (torch.float16, 2), 'BF16': (torch.bfloat16, 2), 'I64': (torch.int64, 8)}


def save_safetensors(path, tensors, dtype='F32'):
    """tensors: dict name -> tensor; floating tensors stored as `dtype`, integer ones as I64."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        code = 'I64' if not t.is_floating_point() else dtype
        t = t.to(DTYPES[code][0])
        raw = (t.view(torch.int16) if code in ('F16', 'BF16') else t).numpy().astype(
            {'F32': '<f4', 'F16': '<i2', 'BF16': '<i2', 'I64': '<i8'}[code]).tobytes()
        header[name] = {'dtype': code, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(',', ':')).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def round_to(model, dtype):
    """Rounds every floating parameter/buffer to `dtype` and back, so the stored file is exact."""
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point():
                t.copy_(t.to(DTYPES[dtype][0]).to(torch.float32))

# ---------------------------------------------------------------- ResNet (torchvision layout)


class TinyResNet(nn.Module):
    """torchvision.models.resnet.ResNet with configurable stem width and stage widths."""

    def __init__(self, stem=8, planes=(2, 4, 4, 8), depths=(2, 1, 1, 1), num_classes=5):
        super().__init__()
        self.inplanes = stem
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (p, d) in enumerate(zip(planes, depths)):
            setattr(self, f'layer{i + 1}', self._make_layer(p, d, 1 if i == 0 else 2))
        self.fc = nn.Linear(planes[-1] * 4, num_classes)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * 4, stride), nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        # SEE's Resnet50.forward: global average pool + global max pool of the last stage
        return F.adaptive_avg_pool2d(x, 1).flatten(1) + F.adaptive_max_pool2d(x, 1).flatten(1)

# ---------------------------------------------------------------- ViT (timm layout)


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, N, D]


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def resample_pos_embed(pos_embed, prefix, new_grid):
    """timm's resample_abs_pos_embed without antialias: prefix tokens kept, grid resized bicubic."""
    prefix_tokens, grid = pos_embed[:, :prefix], pos_embed[:, prefix:]
    old = int(math.sqrt(grid.shape[1]))
    grid = grid.reshape(1, old, old, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=new_grid, mode='bicubic', align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, new_grid[0] * new_grid[1], -1)
    return torch.cat([prefix_tokens, grid], dim=1)


class TinyViT(nn.Module):
    def __init__(self, img=32, patch=8, dim=16, depth=2, heads=2, mlp_ratio=4.0, distilled=False, head=True):
        super().__init__()
        self.patch, self.prefix, self.distilled = patch, 2 if distilled else 1, distilled
        self.patch_embed = PatchEmbed(patch, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        if distilled:
            self.dist_token = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos_embed = nn.Parameter(torch.randn(1, (img // patch) ** 2 + self.prefix, dim) * 0.5)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        if head:
            self.head = nn.Linear(dim, 7)
            if distilled:
                self.head_dist = nn.Linear(dim, 7)

    def forward(self, x):
        grid = (x.shape[2] // self.patch, x.shape[3] // self.patch)
        x = self.patch_embed(x)
        tokens = [self.cls_token.expand(x.shape[0], -1, -1)]
        if self.distilled:
            tokens.append(self.dist_token.expand(x.shape[0], -1, -1))
        pos = self.pos_embed
        if pos.shape[1] != grid[0] * grid[1] + self.prefix:
            pos = resample_pos_embed(pos, self.prefix, grid)
        x = self.norm(self.blocks(torch.cat(tokens + [x], dim=1) + pos))
        if not self.distilled:
            return x[:, 0]
        # timm 0.4.12 VisionTransformer.forward with head/head_dist reset to Identity:
        # training returns (cls, dist) and SEE's HeadSwitch takes [0]; eval returns their mean
        return x[:, 0] if self.training else (x[:, 0] + x[:, 1]) / 2

# ---------------------------------------------------------------- fixtures


def randomise(model, gen):
    """Non-trivial values everywhere (BN statistics and affine too) so every key matters."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith('running_var'):
                t.copy_(torch.rand(t.shape, generator=gen) * 1.5 + 0.25)
            elif name.endswith(('bn1.weight', 'bn2.weight', 'bn3.weight', 'downsample.1.weight', 'norm1.weight',
                                'norm2.weight', 'norm.weight')):
                t.copy_(1 + 0.3 * torch.randn(t.shape, generator=gen))
            elif t.dim() >= 2 and not name.endswith(('pos_embed', 'cls_token', 'dist_token')):
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=gen) * math.sqrt(2.0 / fan_in))
            else:
                t.copy_(0.3 * torch.randn(t.shape, generator=gen))


def frozen_bn_train(model):
    """SEE with bn_freeze: the model trains, every BatchNorm2d stays in eval mode."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    return model


def gradients(model, x, probe, names):
    """d(sum(features_train * probe))/d(param) for the named parameters."""
    model.zero_grad()
    frozen_bn_train(model)
    (model(x) * probe).sum().backward()
    params = dict(model.named_parameters())
    return {f'grad.{n}': params[n].grad.clone() for n in names}


def build(name, model, dtype, size, grad_names, gen, large=None):
    randomise(model, gen)
    round_to(model, dtype)
    save_safetensors(os.path.join(OUT, f'{name}.safetensors'), model.state_dict(), dtype)
    x = torch.randn(2, 3, size, size, generator=gen)
    out = {'input': x}
    with torch.no_grad():
        out['features_eval'] = model.eval()(x)
        out['features_train'] = frozen_bn_train(model)(x)
        if large is not None:
            xl = torch.randn(2, 3, large, large, generator=gen)
            out['input_large'] = xl
            out['features_large_eval'] = model.eval()(xl)
    probe = torch.randn(out['features_train'].shape, generator=gen)
    out['probe'] = probe
    out.update(gradients(model, x, probe, grad_names))
    save_safetensors(os.path.join(OUT, f'{name}.io.safetensors'), out, 'F32')
    print(name, {k: list(v.shape) for k, v in out.items()})


def build_head(gen):
    """SEE's last_layer: LayerNorm(no affine) -> Linear (orthogonal, zero bias) -> L2 normalise."""
    feats = torch.randn(4, 32, generator=gen) * 3 + 1
    lin = nn.Linear(32, 8)
    nn.init.orthogonal_(lin.weight)
    nn.init.zeros_(lin.bias)
    with torch.no_grad():
        lin.bias.copy_(0.1 * torch.randn(8, generator=gen))  # non-zero so the bias path is tested
        emb = F.normalize(lin(F.layer_norm(feats, (32,))), p=2, dim=1)
    save_safetensors(os.path.join(OUT, 'head.io.safetensors'),
                     {'features': feats, 'weight': lin.weight, 'bias': lin.bias, 'embeddings': emb})


def full_size_keys():
    """Key names and shapes of the full-size state dicts (no weights), for the key-map tests."""
    from torchvision.models import resnet50
    models = {
        'resnet50.tv_in1k': resnet50(),
        'vit_small_patch16_224': TinyViT(img=224, patch=16, dim=384, depth=12, heads=6, head=True),
        'deit_small_distilled_patch16_224': TinyViT(img=224, patch=16, dim=384, depth=12, heads=6, distilled=True),
    }
    out = {name: {k: list(v.shape) for k, v in m.state_dict().items()} for name, m in models.items()}
    path = os.path.join(OUT, 'full_size_keys.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    os.replace(path + '.tmp', path)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(6)
    build('resnet_tiny', TinyResNet(), 'F32', 48,
          ['conv1.weight', 'bn1.weight', 'layer2.0.bn2.bias', 'layer4.0.conv3.weight'], gen)
    build('vit_tiny', TinyViT(), 'BF16', 32,
          ['patch_embed.proj.weight', 'pos_embed', 'cls_token', 'blocks.1.attn.qkv.weight', 'norm.weight'], gen,
          large=40)
    build('deit_tiny_distilled', TinyViT(distilled=True), 'F16', 32,
          ['dist_token', 'cls_token', 'blocks.0.mlp.fc1.weight'], gen, large=40)
    build('dino_tiny', TinyViT(head=False), 'F32', 32, ['blocks.0.attn.proj.weight'], gen)
    build_head(gen)
    full_size_keys()


def check():
    import filecmp
    import tempfile
    global OUT
    with tempfile.TemporaryDirectory() as tmp:
        OUT = tmp
        main()
        names = sorted(set(os.listdir(tmp)) | set(os.listdir(COMMITTED)))
        bad = [n for n in names if not (os.path.exists(os.path.join(COMMITTED, n)) and os.path.exists(os.path.join(tmp, n))
                                        and filecmp.cmp(os.path.join(COMMITTED, n), os.path.join(tmp, n), shallow=False))]
    print('fixtures differ: ' + ', '.join(bad) if bad else f'fixtures identical ({len(names)} files)')
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--check':
        sys.exit(check())
    main()
