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
from lesson17.parallel import free_port, launch
from lesson17.syncbn import (ForwardOnlySyncBatchNorm, SyncBatchNorm, convert_sync_batchnorm, gather_results, proof_batch,
                             proof_worker, run_norm, shard_stats, merge_stats, world_size)
from torch.nn.parallel import DistributedDataParallel


ALL = {'sync': SyncBatchNorm, 'per-process': BatchNorm, 'forward-only sync': ForwardOnlySyncBatchNorm}
CASES = [([5, 11], ALL), ([1, 0, 9], {'sync': SyncBatchNorm})]  # per-process can't take an empty shard

@pytest.mark.slow
@pytest.mark.parametrize('sizes,norms', CASES, ids=['2 processes', '3 processes, one empty'])
def test_matches_one_process_batchnorm(tmp_path, sizes, norms):
    "Outputs, input and parameter gradients, running statistics and eval outputs, float64, unequal shards."
    launch(proof_worker, len(sizes), sizes, 0, 3, tmp_path, norms)
    x, w = proof_batch(sizes, 0, 3)
    ref = run_norm(BatchNorm, x, w, 0)
    got = gather_results(tmp_path, len(sizes))
    for k in ref: torch.testing.assert_close(got['sync'][k], ref[k], rtol=0, atol=1e-12, msg=k)
    ranks = [torch.load(tmp_path/f'{r}.pt') for r in range(len(sizes))]
    for r in ranks:  # every process holds the same running statistics
        for k in ('means', 'vars'): torch.testing.assert_close(r['sync'][k], ref[k], rtol=0, atol=1e-12)
    if len(norms) == 1: return
    # per-process BatchNorm does not match, and a forward-only reduction gets the input gradients wrong
    assert (got['per-process']['output'] - ref['output']).abs().max() > 1e-3
    torch.testing.assert_close(got['forward-only sync']['output'], ref['output'], rtol=0, atol=1e-12)
    assert (got['forward-only sync']['input_grad'] - ref['input_grad']).abs().max() > 1e-3


def test_shard_stats_merge_to_the_batch():
    x = torch.randn(20, 3, 4, 4, dtype=torch.float64) * 5 + 100
    m, v, n = merge_stats(torch.stack([shard_stats(s) for s in x.split([7, 0, 1, 12])]))
    vt, mt = torch.var_mean(x, dim=(0, 2, 3), correction=0)
    assert n == 20 * 16
    torch.testing.assert_close(m, mt); torch.testing.assert_close(v, vt)


@pytest.mark.parametrize('offset', [1e6, 1e8])
def test_merge_keeps_the_variance_at_large_offsets(offset):
    "No process group needed: the merge alone, against the variance of the exactly shifted data."
    torch.manual_seed(0)
    base = torch.randn(64, 2, 5, 5, dtype=torch.float64)
    m, v, n = merge_stats(torch.stack([shard_stats(s) for s in (base + offset).split([30, 1, 0, 33])]))
    vt = base.var(dim=(0, 2, 3), correction=0)
    assert ((v - vt).abs() / vt).max() < 1e-8


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


@pytest.mark.slow
@pytest.mark.parametrize('fn,words', [(raise_on_rank_1, 'process 1 of 2 failed: RuntimeError: rank 1 gives up'),
                                      (die_on_rank_1, 'process 1 of 2 died')])
def test_a_failing_process_stops_the_others(fn, words):
    start = time.perf_counter()
    with pytest.raises(ChildProcessError, match=words): launch(fn, 2, timeout=600)
    assert time.perf_counter() - start < 120  # not the collective's 600 s timeout: the other process was stopped
    assert not mp.active_children()


@pytest.mark.slow
def test_a_failing_process_in_a_script_ends_it_with_a_message():
    "As a user's script would see it: exit status non-zero, the message on stderr, well before the collective's timeout."
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from test_syncbn import raise_on_rank_1\n"
            "from lesson17.parallel import launch\n"
            "if __name__ == '__main__': launch(raise_on_rank_1, 2, timeout=600)\n") % str(Path(__file__).parent)
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=180)
    assert r.returncode != 0 and 'ChildProcessError: process 1 of 2 failed: RuntimeError: rank 1 gives up' in r.stderr, r.stderr


def large_offset_worker(sizes, offset, out):
    "Each process trains SyncBatchNorm on its shard of data with a huge mean; rank 0 saves output, running stats."
    rank = dist.get_rank()
    torch.manual_seed(0)
    x = torch.randn(3, sum(sizes), 3, 4, 4, dtype=torch.float64) + offset
    lo, hi = sum(sizes[:rank]), sum(sizes[:rank + 1])
    bn = SyncBatchNorm(3).double()
    for xb in x: y = bn(xb[lo:hi])
    torch.save(dict(output=y, means=bn.means.flatten(), vars=bn.vars.flatten()), Path(out)/f'{rank}.pt')


@pytest.mark.slow
def test_large_offset_on_a_real_group(tmp_path):
    "A mean 1e6 times the spread: relative error at most 1e-8 in float64 against nn.BatchNorm2d on the exactly shifted data."
    sizes, offset = [5, 11], 1e6
    launch(large_offset_worker, 2, sizes, offset, tmp_path)
    torch.manual_seed(0)
    x = torch.randn(3, sum(sizes), 3, 4, 4, dtype=torch.float64) + offset
    ref = nn.BatchNorm2d(3).double()
    for xb in x: y = ref(xb - offset)  # x - offset is exact in float64 here: values within a factor 2 of the offset
    got = [torch.load(tmp_path/f'{r}.pt') for r in range(2)]
    out = torch.cat([g['output'] for g in got])
    assert ((out - y).abs().max() / y.abs().max()).item() < 1e-8
    for g in got:
        assert ((g['vars'] - ref.running_var).abs() / ref.running_var).max() < 1e-8
        assert ((g['means'] - (ref.running_mean + offset * (1 - 0.9 ** 3))).abs() / offset).max() < 1e-12


def empty_everywhere_worker(out):
    bn = SyncBatchNorm(3)
    with torch.no_grad(): bn.means.fill_(0.5); bn.vars.fill_(2.)
    x = torch.randn(0, 3, 4, 4, requires_grad=True)
    y = bn(x)
    y.sum().backward()
    torch.save(dict(shape=tuple(y.shape), means=bn.means.clone(), vars=bn.vars.clone(), grad=x.grad,
                    mults_grad=bn.mults.grad), Path(out)/f'{dist.get_rank()}.pt')


@pytest.mark.slow
def test_every_process_empty_gives_an_empty_output_and_keeps_the_statistics(tmp_path):
    "As PyTorch: an empty output and running statistics left alone, with a group and without one."
    launch(empty_everywhere_worker, 2, tmp_path)
    for r in range(2):
        got = torch.load(tmp_path/f'{r}.pt')
        assert got['shape'] == (0, 3, 4, 4) and got['grad'].shape == (0, 3, 4, 4)
        assert (got['means'] == 0.5).all() and (got['vars'] == 2.).all() and (got['mults_grad'] == 0).all()
    bn, ref = SyncBatchNorm(3), nn.BatchNorm2d(3)
    y, yr = bn(torch.randn(0, 3, 4, 4)), ref(torch.randn(0, 3, 4, 4))
    assert y.shape == yr.shape == (0, 3, 4, 4)
    assert (bn.means.flatten() == ref.running_mean).all() and (bn.vars.flatten() == ref.running_var).all()


def ddp_worker(out):
    "A BatchNorm model wrapped in DDP, then converted (PyTorch's tests' order); two steps; each rank saves its gradients."
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), BatchNorm(4), nn.ReLU(), nn.Conv2d(4, 2, 3))
    ddp = DistributedDataParallel(model)
    try: convert_sync_batchnorm(ddp)
    except ValueError as e: refusal = str(e)
    convert_sync_batchnorm(ddp.module)  # the layers inside: their parameter objects stay, DDP still averages them
    assert type(ddp.module[1]) is SyncBatchNorm
    grads = []
    for step in range(2):
        torch.manual_seed(100 + 10 * step + rank)  # each process its own data
        ddp.zero_grad()
        ddp(torch.randn(3 + rank, 1, 8, 8)).square().mean().backward()
        grads.append({n: p.grad.clone() for n, p in ddp.module.named_parameters()})
    torch.save(dict(refusal=refusal, grads=grads), Path(out)/f'{rank}.pt')
    dist.barrier()  # both done before the group goes: DDP's threads must not outlive it (a SIGABRT at exit, seen once)
    del ddp


@pytest.mark.slow
def test_convert_after_ddp_refuses_the_wrapper_and_keeps_the_parameters_inside(tmp_path):
    launch(ddp_worker, 2, tmp_path)
    got = [torch.load(tmp_path/f'{r}.pt') for r in range(2)]
    assert got[0]['refusal'].startswith('convert_sync_batchnorm: the model is already wrapped in DistributedDataParallel')
    assert 'convert first' in got[0]['refusal']
    for step in range(2):  # both steps ran (no "Expected to have finished reduction"), and gradients are averaged
        for name, g in got[0]['grads'][step].items():
            torch.testing.assert_close(g, got[1]['grads'][step][name], rtol=0, atol=1e-7)
    assert set(got[0]['grads'][0]) >= {'1.mults', '1.adds'}


def test_convert_keeps_the_objects_of_batchnorm():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), BatchNorm(4))
    params, bufs = list(model.parameters()), list(model.buffers())
    conv = convert_sync_batchnorm(model)
    assert all(a is b for a, b in zip(conv.parameters(), params)) and all(a is b for a, b in zip(conv.buffers(), bufs))


@pytest.mark.parametrize('layer', [nn.BatchNorm1d(4), nn.BatchNorm3d(4), nn.SyncBatchNorm(4)])
def test_convert_refuses_batchnorms_of_other_shapes_before_changing_anything(layer):
    model = nn.Sequential(BatchNorm(4), nn.Sequential(nn.Flatten(), layer))
    with pytest.raises(ValueError, match=rf"SyncBatchNorm takes \(N, C, H, W\) input.*1\.1 is {type(layer).__name__}"):
        convert_sync_batchnorm(model)
    assert type(model[0]) is BatchNorm  # nothing converted


@pytest.mark.parametrize('args,words', [(dict(nf=0), 'nf must be'), (dict(nf=4, eps=0), 'eps must be'),
                                        (dict(nf=4, mom=2), 'mom must be')])
def test_errors_are_worded_syncbatchnorm(args, words):
    with pytest.raises(ValueError, match=f'^SyncBatchNorm: {words}'): SyncBatchNorm(**args)


def test_forward_errors_are_worded_syncbatchnorm():
    bn = SyncBatchNorm(4)
    for x in (torch.randn(2, 3, 4, 4), torch.randn(2, 4, 4)):
        with pytest.raises(ValueError, match=r'^SyncBatchNorm\(4\) expects input of shape'): bn(x)
    with pytest.raises(ValueError, match=r'^SyncBatchNorm\(4\) has torch.float32 parameters'): bn(torch.randn(2, 4, 3, 3).double())
    with pytest.raises(ValueError, match=r'^SyncBatchNorm\(4\) needs more than one value per channel'): bn(torch.randn(1, 4, 1, 1))
    bn.eval()
    with pytest.raises(ValueError, match=r'^SyncBatchNorm\(4\) expects'): bn(torch.randn(2, 3, 4, 4))
