"""What SyncBatchNorm's messages cost, measured here and projected (notebook 11's section "What it costs").

    python bench/syncbn_cost.py [--out bench/syncbn_cost.json] [--reps 15]

1. gloo `all_reduce` time against message size, with 2 and 4 processes: the median over `--reps` repeats of a block
   of back-to-back all-reduces, for float32 messages from 4 bytes to 4 MB.
2. The messages of one training step of the lesson's model with a real group of 2: SyncBatchNorm's (counted where its
   layers reduce, forward, and where their gradients come back, backward) and DistributedDataParallel's gradient
   buckets (counted by a DDP communication hook), with their sizes.
3. Step times (forward, backward, SGD step; median of 15 steps after warm-up, the norms' steps taken in turn) of the
   lesson's model at per-process batches 2-256, with SyncBatchNorm, per-process BatchNorm and GroupNorm, in 1, 2 and
   4 processes of one thread each.
Everything is written to one JSON file; notebook 11 fits the model to it. On a shared 2-core machine 4 processes
share 2 cores, and other work runs beside them: the times are indicative, and the notebook says so.
"""
import argparse, json, os, statistics, tempfile, time
from functools import partial
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

from lesson17.batchnorm import BatchNorm
from lesson17.groupnorm import GroupNorm
from lesson17.model import GeneralRelu, get_model, init_weights
from lesson17.parallel import launch
from lesson17.syncbn import SyncBatchNorm, all_reduce_sum

SIZES = [1, 16, 256, 4096, 65536, 1 << 20]  # float32 elements: 4 B to 4 MB
BATCHES = [2, 8, 32, 128, 256]              # images per process
NORMS = {'sync': SyncBatchNorm, 'batch': BatchNorm, 'group': partial(GroupNorm, 4)}


def allreduce_worker(reps, out):
    "Median seconds of one all_reduce for each of SIZES (blocks of back-to-back calls, so the clocks need not agree)."
    res = {}
    for n in SIZES:
        x = torch.ones(n)
        block = 20 if n <= 4096 else 5
        for _ in range(3): dist.all_reduce(x)  # warm up
        times = []
        for _ in range(reps):
            dist.barrier()
            start = time.perf_counter()
            for _ in range(block): dist.all_reduce(x)
            times.append((time.perf_counter() - start) / block)
        res[n * 4] = statistics.median(times)
    if dist.get_rank() == 0: torch.save(res, out)


class Recorder:
    "Sizes (bytes) of the messages of one step: SyncBatchNorm's forward and backward, DDP's buckets."
    def __init__(self): self.sbn_fwd, self.sbn_bwd, self.ddp = [], [], []
    def reduce(self, x, group=None):
        self.sbn_fwd.append(x.numel() * x.element_size())
        y = all_reduce_sum(x, group)
        y.register_hook(lambda g: self.sbn_bwd.append(g.numel() * g.element_size()))  # its gradient is all-reduced too
        return y
    def hook(self, state, bucket):
        self.ddp.append(bucket.buffer().numel() * bucket.buffer().element_size())
        return allreduce_hook(state, bucket)


def lesson_model(norm):
    model = get_model(partial(GeneralRelu, leak=0.1, sub=0.4), norm=norm)
    return model.apply(partial(init_weights, leaky=0.1))


def count_worker(out):
    "One step of the lesson's model with SyncBatchNorm in DDP, every message counted."
    rec = Recorder()
    class CountingSync(SyncBatchNorm): reduce = staticmethod(rec.reduce)
    torch.manual_seed(0)
    model = DistributedDataParallel(lesson_model(CountingSync))
    model.register_comm_hook(None, rec.hook)
    F.cross_entropy(model(torch.randn(8, 1, 28, 28)), torch.randint(0, 10, (8,))).backward()
    nparams = sum(p.numel() for p in model.parameters())
    nfs = [m.nf for m in model.modules() if isinstance(m, SyncBatchNorm)]
    if dist.get_rank() == 0: torch.save(dict(sbn_fwd=rec.sbn_fwd, sbn_bwd=rec.sbn_bwd, ddp=rec.ddp, nparams=nparams, nfs=nfs), out)


def step_worker(norms, batches, steps, out):
    "Median seconds per training step for each norm and per-process batch, the norms' steps taken in turn (DDP when more than one process)."
    res = {}
    nproc = dist.get_world_size()
    for b in batches:
        torch.manual_seed(0)
        x, y = torch.randn(b, 1, 28, 28), torch.randint(0, 10, (b,))
        models = {name: lesson_model(NORMS[name]) for name in norms}
        if nproc > 1: models = {name: DistributedDataParallel(m) for name, m in models.items()}
        opts = {name: torch.optim.SGD(m.parameters(), lr=0.01) for name, m in models.items()}
        times = {name: [] for name in norms}
        for i in range(steps + 3):
            for name in norms:  # in turn, so that the machine's load falls on each alike
                if nproc > 1: dist.barrier()
                start = time.perf_counter()
                F.cross_entropy(models[name](x), y).backward()
                opts[name].step(); opts[name].zero_grad()
                if i >= 3: times[name].append(time.perf_counter() - start)  # the first three warm up
        for name in norms: res[f'{name}-{b}'] = statistics.median(times[name])
    if dist.get_rank() == 0: torch.save(res, out)


def main(out, reps):
    os.environ['OMP_NUM_THREADS'] = '1'  # every process one thread, in every group size: the compute comparable
    res = dict(machine=f'{os.cpu_count()} cores, shared', allreduce={}, steps={})
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp)/'r.pt'
        for nproc in (2, 4):
            launch(allreduce_worker, nproc, reps, f); res['allreduce'][nproc] = torch.load(f)
            print(f"all_reduce, {nproc} processes: " + ', '.join(f'{k} B {v * 1e6:.0f} us' for k, v in res['allreduce'][nproc].items()), flush=True)
        launch(count_worker, 2, f); res['messages'] = torch.load(f)
        print(f"messages per step: {res['messages']}", flush=True)
        for nproc in (1, 2, 4):
            norms = list(NORMS) if nproc == 1 else ['sync', 'batch']
            launch(step_worker, nproc, norms, BATCHES, 15, f); res['steps'][nproc] = torch.load(f)
            print(f"step seconds, {nproc} processes: " + ', '.join(f'{k} {v * 1e3:.1f} ms' for k, v in res['steps'][nproc].items()), flush=True)
    Path(out).write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(Path(__file__).parent/'syncbn_cost.json'))
    p.add_argument('--reps', type=int, default=15)
    a = p.parse_args()
    main(a.out, a.reps)
