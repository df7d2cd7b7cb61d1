"""Data-parallel training with SyncBatchNorm against one process, over seeds (notebook 11's closing note).

    python bench/syncbn_compare.py [--out bench/syncbn_results.json]

1. The lesson's closing recipe ('closing-ours': BatchNorm, bs 256, lr 0.2 for 3 epochs, 0.05 for 2) in one process,
   and with --nproc 2 and SyncBatchNorm, for seeds 1-3: final accuracy and training seconds per epoch.
2. A small batch per process: global batch 32 over 4 processes (8 images each), one epoch on 12,000 images,
   SyncBatchNorm vs per-process BatchNorm vs GroupNorm, seeds 1-3.
Each result is written as soon as it finishes, and a rerun skips the finished ones. Times depend on the machine and
on what else runs on it.
"""
import argparse, json, statistics, time
from pathlib import Path

from lesson17.experiments import train, train_parallel
from lesson17.recipes import EXPERIMENTS

SEEDS = (1, 2, 3)

def jobs():
    closing = next(kw for name, _, _, kw in EXPERIMENTS if name == 'closing-ours')
    for seed in SEEDS:
        yield f'closing-1proc-seed{seed}', 1, dict(closing, seed=seed)
        yield f'closing-2proc-sync-seed{seed}', 2, dict(closing, norm='sync-batch', seed=seed)
    for seed in SEEDS:
        for norm in ('sync-batch', 'batch', 'group'):
            yield f'bs32x4-{norm}-seed{seed}', 4, dict(norm=norm, bs=32, lr=0.1, epochs=1, subset=12000, seed=seed)

def summary(done):
    "Mean ± std of the final accuracy and of seconds per epoch for each setting over seeds."
    groups = {}
    for name, r in done.items(): groups.setdefault(name.rsplit('-seed', 1)[0], []).append(r)
    out = {}
    for setting, rs in groups.items():
        accs = [r['final_valid_acc'] for r in rs]
        secs = [statistics.mean(e['seconds'] for e in r['epochs']) for r in rs]
        out[setting] = dict(n=len(rs), acc_mean=statistics.mean(accs), acc_std=statistics.stdev(accs) if len(accs) > 1 else 0.,
                            accs=accs, sec_per_epoch=statistics.mean(secs))
    return out

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--out', type=Path, default=Path(__file__).parent/'syncbn_results.json')
    out = p.parse_args().out
    saved = json.loads(out.read_text()) if out.exists() else {}
    done = saved.get('runs', {})
    for name, nproc, kw in jobs():
        if name in done: continue
        start = time.perf_counter()
        r = train(progress=False, **kw) if nproc == 1 else train_parallel(nproc, progress=False, **kw)
        done[name] = dict(final_valid_acc=r['final_valid_acc'], epochs=r['epochs'], nproc=nproc, args=kw,
                          wall_seconds=time.perf_counter() - start)
        out.write_text(json.dumps(dict(runs=done, summary=summary(done)), indent=1) + '\n')
        print(f"{name:32} valid acc {r['final_valid_acc']:.4f}  {time.perf_counter() - start:.0f} s", flush=True)
    for setting, s in summary(done).items():
        print(f"{setting:26} {s['acc_mean']:.4f} ± {s['acc_std']:.4f} over {s['n']} seeds, {s['sec_per_epoch']:.1f} s/epoch")
