"SyncBatchNorm against one-process BatchNorm with real gloo process groups, convert_sync_batchnorm, and failing processes."
import os, subprocess, sys, time
from datetime import timedelta
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from lesson17.batchnorm import BatchNorm
from lesson17.model import get_model
from lesson17.syncbn import (SyncBatchNorm, convert_sync_batchnorm, free_port, gather_results, launch, proof_batch,
                             proof_worker, run_norm, shard_sums, stats_from_sums, world_size)


CASES = [([5, 11], ('sync', 'per-process', 'forward-only sync')), ([1, 0, 9], ('sync',))]  # per-process can't take an empty shard

@pytest.mark.parametrize('sizes,names', CASES, ids=['2 processes', '3 processes, one empty'])
def test_matches_one_process_batchnorm(tmp_path, sizes, names):
    "Outputs, input and parameter gradients, running statistics and eval outputs, float64, unequal shards."
    launch(proof_worker, len(sizes), sizes, 0, 3, tmp_path, names)
    x, w = proof_batch(sizes, 0, 3)
    ref = run_norm(BatchNorm, x, w, 0)
    got = gather_results(tmp_path, len(sizes))
    for k in ref: torch.testing.assert_close(got['sync'][k], ref[k], rtol=0, atol=1e-12, msg=k)
    ranks = [torch.load(tmp_path/f'{r}.pt') for r in range(len(sizes))]
    for r in ranks:  # every process holds the same running statistics
        for k in ('means', 'vars'): torch.testing.assert_close(r['sync'][k], ref[k], rtol=0, atol=1e-12)
    if len(names) == 1: return
    # per-process BatchNorm does not match, and a forward-only reduction gets the input gradients wrong
    assert (got['per-process']['output'] - ref['output']).abs().max() > 1e-3
    torch.testing.assert_close(got['forward-only sync']['output'], ref['output'], rtol=0, atol=1e-12)
    assert (got['forward-only sync']['input_grad'] - ref['input_grad']).abs().max() > 1e-3


def test_shard_sums_add_up_to_the_batch():
    x = torch.randn(20, 3, 4, 4, dtype=torch.float64) * 5 + 100
    m, v, n = stats_from_sums(sum(shard_sums(s) for s in x.split([7, 0, 1, 12])))
    vt, mt = torch.var_mean(x, dim=(0, 2, 3), correction=0)
    assert n == 20 * 16
    torch.testing.assert_close(m, mt); torch.testing.assert_close(v, vt)


def compare_with_batchnorm(sbn, x):
    bn = nn.BatchNorm2d(x.shape[1]).double()
    for _ in range(3):
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        ya, yb = sbn(xa), bn(xb)
        (ya * ya.detach().cos()).sum().backward(); (yb * yb.detach().cos()).sum().backward()
        torch.testing.assert_close(ya, yb); torch.testing.assert_close(xa.grad, xb.grad)
    torch.testing.assert_close(sbn.means.flatten(), bn.running_mean); torch.testing.assert_close(sbn.vars.flatten(), bn.running_var)
    torch.testing.assert_close(sbn.mults.grad.flatten(), bn.weight.grad)
    sbn.eval(); bn.eval()
    torch.testing.assert_close(sbn(x), bn(x))


def test_no_group_and_a_group_of_one_are_batchnorm():
    x = torch.randn(6, 4, 3, 3, dtype=torch.float64) * 2 + 1
    assert world_size() == 1
    compare_with_batchnorm(SyncBatchNorm(4).double(), x)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{free_port()}', rank=0, world_size=1,
                            timeout=timedelta(seconds=30))
    try:
        assert world_size() == 1
        compare_with_batchnorm(SyncBatchNorm(4).double(), x)
    finally: dist.destroy_process_group()


def test_state_dicts_are_interchangeable():
    bn = BatchNorm(5)
    with torch.no_grad(): bn.means.normal_(); bn.vars.uniform_(1, 2); bn.mults.normal_()
    sbn = SyncBatchNorm(5)
    sbn.load_state_dict(bn.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(sbn.state_dict().values(), bn.state_dict().values()))


@pytest.mark.parametrize('norm', [BatchNorm, nn.BatchNorm2d])
def test_convert_keeps_state(norm):
    torch.manual_seed(0)
    model = get_model(norm=partial_norm(norm))
    x = torch.randn(32, 1, 28, 28)
    with torch.no_grad():
        for _ in range(3): model(x)  # running statistics move
        for m in model.modules():
            if isinstance(m, (BatchNorm, nn.BatchNorm2d)):
                for p in m.parameters(): p.uniform_(0.5, 1.5)
    model.eval()
    before = model(x)
    n_norms = sum(isinstance(m, (BatchNorm, nn.BatchNorm2d)) for m in model.modules())
    conv = convert_sync_batchnorm(model)
    assert sum(type(m) is SyncBatchNorm for m in conv.modules()) == n_norms == 4
    assert not any(type(m) in (BatchNorm, nn.BatchNorm2d) for m in conv.modules())
    assert not any(m.training for m in conv.modules())
    torch.testing.assert_close(conv(x), before)


def partial_norm(norm): return (lambda nf: norm(nf, momentum=0.3)) if norm is nn.BatchNorm2d else (lambda nf: norm(nf, mom=0.3))


def test_convert_keeps_momentum_and_eps_and_refuses_what_it_cannot_keep():
    s = convert_sync_batchnorm(nn.BatchNorm2d(3, momentum=0.25, eps=1e-3))
    assert (s.mom, s.eps, s.nf) == (0.25, 1e-3, 3)
    with pytest.raises(ValueError, match='affine=True'): convert_sync_batchnorm(nn.BatchNorm2d(3, affine=False))
    with pytest.raises(ValueError, match='a momentum'): convert_sync_batchnorm(nn.BatchNorm2d(3, momentum=None))


def raise_on_rank_1():
    "Rank 1 fails at once; rank 0 waits in a collective for it (and would wait until the timeout)."
    if dist.get_rank() == 1: raise RuntimeError('rank 1 gives up')
    dist.barrier()

def die_on_rank_1():
    if dist.get_rank() == 1: os.kill(os.getpid(), 9)
    dist.barrier()


@pytest.mark.parametrize('fn,words', [(raise_on_rank_1, 'process 1 of 2 failed: RuntimeError: rank 1 gives up'),
                                      (die_on_rank_1, 'process 1 of 2 died')])
def test_a_failing_process_stops_the_others(fn, words):
    start = time.perf_counter()
    with pytest.raises(ChildProcessError, match=words): launch(fn, 2, timeout=600)
    assert time.perf_counter() - start < 120  # not the collective's 600 s timeout: the other process was stopped
    assert not mp.active_children()


def test_a_failing_process_in_a_script_ends_it_with_a_message():
    "As a user's script would see it: exit status non-zero, the message on stderr, well before the collective's timeout."
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from test_syncbn import raise_on_rank_1\n"
            "from lesson17.syncbn import launch\n"
            "if __name__ == '__main__': launch(raise_on_rank_1, 2, timeout=600)\n") % str(Path(__file__).parent)
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=180)
    assert r.returncode != 0 and 'ChildProcessError: process 1 of 2 failed: RuntimeError: rank 1 gives up' in r.stderr, r.stderr
