"""On a machine with a GPU: check that training runs on CUDA and the from-scratch layers match PyTorch there.

Usage: `make gpu-check` or python bench/gpu_check.py (prints what it checks; exits non-zero on a mismatch, and with a
message saying so where there is no CUDA device)."""
import sys, time

import torch
from torch import nn

if not torch.cuda.is_available():
    sys.exit(f'gpu_check.py needs a CUDA device, and torch {torch.__version__} sees none here (torch.cuda.is_available() '
             'is False): run it on a machine with an NVIDIA GPU.')

from lesson17.batchnorm import BatchNorm
from lesson17.experiments import train
from lesson17.fastnorm import FastBatchNorm, FastGroupNorm
from lesson17.groupnorm import GroupNorm, InstanceNorm
from lesson17.layernorm import LayerNorm
from lesson17.syncbn import SyncBatchNorm

dev = torch.device('cuda')
print(torch.__version__, torch.cuda.get_device_name(0))

torch.manual_seed(0)
pairs = [(BatchNorm(16), nn.BatchNorm2d(16)), (InstanceNorm(16), nn.InstanceNorm2d(16, affine=True)),
         (GroupNorm(4, 16), nn.GroupNorm(4, 16)), (FastBatchNorm(16), nn.BatchNorm2d(16)),
         (FastGroupNorm(4, 16), nn.GroupNorm(4, 16)), (SyncBatchNorm(16), nn.BatchNorm2d(16))]
for ours, ref in pairs:
    ours, ref = ours.to(dev).double(), ref.to(dev).double()
    for _ in range(3):
        x = (torch.randn(32, 16, 7, 7, device=dev, dtype=torch.float64) * 2 + 1).requires_grad_()
        a, b = ours(x), ref(x)
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(*[torch.autograd.grad(o.sum(), x)[0] for o in (a, b)])
    print(f'{type(ours).__name__:13} matches {type(ref).__name__} on {x.device}')
ln = LayerNorm().to(dev).double()
x = torch.randn(8, 16, 7, 7, device=dev, dtype=torch.float64)
torch.testing.assert_close(ln(x), nn.functional.layer_norm(x, x.shape[1:]))
print('LayerNorm     matches F.layer_norm on', x.device)

for norm in ('batch', 'torch-batch', 'fast-batch'):
    start = time.perf_counter()
    r = train(norm, bs=256, lr=0.2, epochs=3, finetune_lr=0.05, finetune_epochs=2, progress=False)
    print(f"train --norm {norm} on CUDA: " + ' '.join(f"{e['valid_acc']:.4f}" for e in r['epochs'])
          + f"  ({time.perf_counter() - start:.1f} s)")
