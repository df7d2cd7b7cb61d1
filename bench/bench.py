"""Speed, as ratios measured side by side in this one process (never as absolute timings in tests).

Run with `make bench`. Each pair is timed alternately, best of `REPEATS`, so that a slow moment of the
machine hits both sides alike. Targets, where there are any, are ratios: a time alone depends on the machine."""
import contextlib, gzip, io, time
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from lesson17.batchnorm import BatchNorm
from lesson17.data import find_fashion_mnist, get_dls, load_fashion_mnist
from lesson17.experiments import train
from lesson17.fastnorm import FastBatchNorm, FastGroupNorm
from lesson17.groupnorm import GroupNorm, InstanceNorm
from lesson17.layernorm import LayerNorm
from lesson17.learner import MomentumLearner, MetricsCB, ProgressCB, set_seed
from lesson17.model import GeneralRelu, init_weights, get_model
from lesson17.stats import ActivationStats

REPEATS = 5
act_gr = partial(GeneralRelu, leak=0.1, sub=0.4)


def best_of(*fns, repeats=REPEATS):
    "The best time of each function, run alternately `repeats` times."
    best = [float('inf')] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def report(name, ours, base, target=None, unit='s'):
    verdict = '' if target is None else ('  (target <= %.2fx: %s)' % (target, 'met' if ours / base <= target else 'NOT met'))
    print(f'{name:52} {ours:8.3f} {unit} vs {base:8.3f} {unit}  = {ours / base:5.2f}x{verdict}', flush=True)


def new_model():
    set_seed(42)
    return get_model(act_gr, norm=nn.BatchNorm2d).apply(partial(init_weights, leaky=0.1))


def bare_epoch(model, dls, lr=0.2, beta=0.85):
    "The same work as a MomentumLearner epoch, as a bare PyTorch loop: train, then evaluate."
    model.train()
    for xb, yb in dls.train:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
                p.grad *= beta
    model.eval()
    correct = total = 0.
    with torch.no_grad():
        for xb, yb in dls.valid:
            preds = model(xb)
            total += F.cross_entropy(preds, yb) * len(yb)
            correct += (preds.argmax(1) == yb).sum()
    return float(total / len(dls.valid.x)), float(correct / len(dls.valid.x))


def learner_epoch(model, dls, cbs):
    with contextlib.redirect_stdout(io.StringIO()):  # the console progress bar
        MomentumLearner(model, dls, lr=0.2, cbs=cbs).fit(1)


def bench_learner(dls):
    bare = lambda: bare_epoch(new_model(), dls)
    learner = lambda: learner_epoch(new_model(), dls, [MetricsCB(), ProgressCB()])
    ours, base = best_of(learner, bare)
    report('Learner epoch (metrics, progress) vs bare loop', ours, base, 1.10)


def bench_stats(dls):
    plain = lambda: learner_epoch(new_model(), dls, [MetricsCB(), ProgressCB()])
    stats = lambda: learner_epoch(new_model(), dls, [MetricsCB(), ProgressCB(), ActivationStats()])
    ours, base = best_of(stats, plain)
    report('training with ActivationStats vs without', ours, base, 1.15)


def bare_load(path):
    "The four gz files into the same tensors with nothing checked (no md5, no header): the floor of loading."
    def read(name, skip): return torch.frombuffer(bytearray(gzip.decompress((path/name).read_bytes())[skip:]), dtype=torch.uint8)
    xs = [read(f'{s}-images-idx3-ubyte.gz', 16).view(-1, 1, 28, 28).float().div_(255) for s in ('train', 't10k')]
    ys = [read(f'{s}-labels-idx1-ubyte.gz', 8).long() for s in ('train', 't10k')]
    return xs[0], ys[0], xs[1], ys[1]


def bench_load():
    path = find_fashion_mnist()
    ours, base = best_of(partial(load_fashion_mnist, path), partial(bare_load, path))
    report('loading Fashion-MNIST, verified vs nothing checked', ours, base)


LESSON_SHAPES = [(256, 8, 14, 14), (256, 16, 7, 7), (256, 32, 4, 4), (256, 64, 2, 2)]

def fwd_bwd(make_layer, reps=20):
    "Forward and backward through a layer for each of the lesson's activation shapes."
    layers = [(make_layer(s[1]), torch.randn(s, requires_grad=True)) for s in LESSON_SHAPES]
    def run():
        for _ in range(reps):
            for layer, x in layers: layer(x).sum().backward()
    return run


def bench_layers():
    pairs = [('LayerNorm', LayerNorm, lambda nf: TorchLayerNorm()),
             ('BatchNorm', BatchNorm, nn.BatchNorm2d),
             ('InstanceNorm', InstanceNorm, partial(nn.InstanceNorm2d, affine=True)),
             ('GroupNorm(4 groups)', partial(GroupNorm, 4), partial(nn.GroupNorm, 4))]
    for name, ours, theirs in pairs:
        t_ours, t_torch = best_of(fwd_bwd(ours), fwd_bwd(theirs))
        report(f'{name} forward+backward vs PyTorch, lesson shapes', t_ours, t_torch)


def fwd_bwd_grad(make_layer, reps=20):
    "As `fwd_bwd`, with a full random gradient arriving backward, as in training (`.sum().backward()` sends a broadcast one)."
    layers = [(make_layer(s[1]), torch.randn(s, requires_grad=True), torch.randn(s)) for s in LESSON_SHAPES]
    def run():
        for _ in range(reps):
            for layer, x, dy in layers: layer(x).backward(dy)
    return run


def bench_fast_norms():
    "12_fast_norms: the hand-written layers against PyTorch's, and the closing recipe's epoch with each BatchNorm."
    ours, base = best_of(fwd_bwd_grad(FastBatchNorm), fwd_bwd_grad(nn.BatchNorm2d))
    report('FastBatchNorm forward+backward vs nn.BatchNorm2d', ours, base, 1.3)
    slow, fast, base = best_of(fwd_bwd_grad(partial(GroupNorm, 4)), fwd_bwd_grad(partial(FastGroupNorm, 4)), fwd_bwd_grad(partial(nn.GroupNorm, 4)))
    report('GroupNorm(4 groups), readable (07), fwd+bwd vs nn.GroupNorm', slow, base)
    report('FastGroupNorm(4 groups) fwd+bwd vs nn.GroupNorm', fast, base, 2.0)
    seconds = {'fast-batch': [], 'torch-batch': []}  # the recipe's first epoch (training and validation), alternately
    for _ in range(3):
        for norm in seconds: seconds[norm].append(train(norm=norm, bs=256, epochs=1, progress=False)['epochs'][0]['seconds'])
    report('closing-recipe epoch, fast-batch vs torch-batch', min(seconds['fast-batch']), min(seconds['torch-batch']), 1.1)


class TorchLayerNorm(nn.Module):
    "PyTorch's layer_norm with the same single scale and shift as ours."
    def __init__(self):
        super().__init__()
        self.mult, self.add = nn.Parameter(torch.tensor(1.)), nn.Parameter(torch.tensor(0.))
    def forward(self, x): return F.layer_norm(x, x.shape[1:]) * self.mult + self.add


if __name__ == '__main__':
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads; best of {REPEATS}, alternating\n')
    bench_load()
    dls = get_dls(bs=256)
    bench_learner(dls)
    bench_stats(dls)
    bench_layers()
    bench_fast_norms()
