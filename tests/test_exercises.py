"The exercise checkers accept right answers and name each deliberate mistake, as a student would meet them."
import pytest
import torch
from torch import nn
from lesson17.exercises import check_ewma, check_layernorm, check_batchnorm, check_instancenorm, check_groupnorm


def fails_with(check, answer, *words):
    "Run `check` on a wrong `answer`: it must raise AssertionError whose message contains every one of `words`."
    with pytest.raises(AssertionError) as e: check(answer)
    msg = str(e.value)
    for word in words: assert word in msg, f"{word!r} is not in the message: {msg}"


# ---- EWMA -------------------------------------------------------------------------------------------

def ewma(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)

def ewma_swapped(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg * mom + v * (1 - mom)
        out.append(avg)
    return torch.stack(out)

def ewma_from_zero(values, mom):
    avg, out = 0., []
    for v in values:
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)

def ewma_swapped_from_zero(values, mom):
    avg, out = 0., []
    for v in values:
        avg = avg * mom + v * (1 - mom)
        out.append(avg)
    return torch.stack(out)

def ewma_list(values, mom): return list(ewma(values, mom))
def ewma_last_only(values, mom): return ewma(values, mom)[-1]
def ewma_with_start(values, mom): return torch.cat([values[:1], ewma(values, mom)])
def ewma_drops_first(values, mom): return ewma(values, mom)[1:]
def ewma_late(values, mom): return torch.cat([values[:1], ewma(values, mom)[:-1]])
def ewma_crashes(values, mom): return values.lerp()   # a TypeError inside the student's code
def ewma_way_off(values, mom): return ewma(values, mom) + 1


def test_ewma_right(capsys):
    assert check_ewma(ewma) is True
    assert "✓ ewma" in capsys.readouterr().out

def test_ewma_float32_answer_passes():
    assert check_ewma(lambda values, mom: ewma(values.float(), mom))

@pytest.mark.parametrize("fn, words", [
    (ewma_swapped, ["convention is swapped"]),
    (ewma_from_zero, ["starts from 0"]),
    (ewma_swapped_from_zero, ["convention is swapped", "starts from 0"]),
    (ewma_list, ["not a tensor", "torch.stack"]),
    (ewma_last_only, ["single number"]),
    (ewma_with_start, ["one too many"]),
    (ewma_drops_first, ["one too few"]),
    (ewma_late, ["before its own value"]),
    (ewma_crashes, ["raised TypeError"]),
    (ewma_way_off, ["differs from repeated torch.lerp"]),
])
def test_ewma_mistakes(fn, words): fails_with(check_ewma, fn, *words)


# ---- LayerNorm --------------------------------------------------------------------------------------

class LN(nn.Module):
    def __init__(self, nf=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult, self.add = nn.Parameter(torch.tensor(1.)), nn.Parameter(torch.tensor(0.))
    def stats(self, x): return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)
    def norm(self, x, m, v): return (x - m) / (v + self.eps).sqrt()
    def forward(self, x): return self.norm(x, *self.stats(x)) * self.mult + self.add

class PerChannelLN(LN):
    def stats(self, x): return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)
class WholeBatchLN(LN):
    def stats(self, x): return x.mean(), x.var(correction=0)
class LastDimLN(LN):
    def stats(self, x): return x.mean(-1, keepdim=True), x.var(-1, keepdim=True, correction=0)
class UnbiasedLN(LN):
    def stats(self, x): return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True)
class EpsOutsideLN(LN):
    def norm(self, x, m, v): return (x - m) / (v.sqrt() + self.eps)
class UnbiasedEpsOutsideLN(UnbiasedLN, EpsOutsideLN): pass
class EpsIgnoredLN(LN):
    def norm(self, x, m, v): return (x - m) / (v + 1e-5).sqrt()
class NoEpsLN(LN):
    def norm(self, x, m, v): return (x - m) / v.sqrt()
class NoAffineLN(LN):
    def forward(self, x): return self.norm(x, *self.stats(x))
class AddFirstLN(LN):
    def forward(self, x): return (self.norm(x, *self.stats(x)) + self.add) * self.mult
class NoGradLN(LN):
    def stats(self, x):
        with torch.no_grad(): return super().stats(x)
class DetachedOutputLN(LN):
    def forward(self, x): return super().forward(x).detach()
class PlainTensorLN(LN):
    def __init__(self, nf=None, eps=1e-5):
        super().__init__(nf, eps)
        del self.mult
        self.mult = torch.tensor(1.)
class MissingAddLN(LN):
    def __init__(self, nf=None, eps=1e-5):
        super().__init__(nf, eps)
        del self.add
    def forward(self, x): return self.norm(x, *self.stats(x)) * self.mult
class ZeroMultLN(LN):
    def __init__(self, nf=None, eps=1e-5):
        super().__init__(nf, eps)
        self.mult = nn.Parameter(torch.tensor(0.))
class PerChannelMultLN(LN):
    def __init__(self, nf=None, eps=1e-5):
        super().__init__(nf, eps)
        self.mult = nn.Parameter(torch.ones(nf, 1, 1))
class NoNfLN(LN):
    def __init__(self, eps=1e-5): super().__init__(None, eps)
class SometimesEvalLN(LN):
    def forward(self, x): return super().forward(x) if self.training else x


def test_layernorm_right(capsys):
    assert check_layernorm(LN) is True
    assert "✓ LN matches F.layer_norm" in capsys.readouterr().out

@pytest.mark.parametrize("cls, words", [
    (PerChannelLN, ["wrong axes", "dims (0, 2, 3)", "dims (1, 2, 3)"]),
    (WholeBatchLN, ["wrong axes", "whole batch"]),
    (LastDimLN, ["wrong axes", "last dimension"]),
    (UnbiasedLN, ["unbiased variance", "correction=0"]),
    (EpsOutsideLN, ["eps is added outside the square root"]),
    (UnbiasedEpsOutsideLN, ["unbiased variance", "outside the square root"]),
    (EpsIgnoredLN, ["ignores the eps"]),
    (NoEpsLN, ["leaves eps out"]),
    (NoAffineLN, ["never uses mult and add"]),
    (AddFirstLN, ["adds add before multiplying"]),
    (NoGradLN, ["gradients", "torch.no_grad()"]),
    (DetachedOutputLN, ["carries no gradient"]),
    (PlainTensorLN, ["mult is a plain tensor, not a parameter"]),
    (MissingAddLN, ["has no add"]),
    (ZeroMultLN, ["mult should start at 1"]),
    (PerChannelMultLN, ["one number"]),
    (NoNfLN, ["raised TypeError", "constructor"]),
    (SometimesEvalLN, ["eval mode"]),
])
def test_layernorm_mistakes(cls, words): fails_with(check_layernorm, cls, *words)


# ---- BatchNorm --------------------------------------------------------------------------------------

class BN(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults, self.adds = nn.Parameter(torch.ones(nf, 1, 1)), nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))
    def stats(self, x): return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)
    def unbias(self, x, v):
        n = x.numel() / x.shape[1]
        return v * n / (n - 1)
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(self.unbias(x, v), self.mom)
    def norm(self, x, m, v): return (x - m) / (v + self.eps).sqrt()
    def affine(self, x): return x * self.mults + self.adds
    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
        else: m, v = self.means, self.vars
        return self.affine(self.norm(x, m, v))

class OutOfPlaceBN(BN):
    "Right, with the running statistics replaced rather than updated in place."
    def update(self, x, m, v):
        with torch.no_grad():
            self.means = self.means.lerp(m, self.mom)
            self.vars = self.vars.lerp(self.unbias(x, v), self.mom)
class FlatBuffersBN(BN):
    "Right, with running statistics and scale/shift of other (allowed) shapes."
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.mults, self.adds = nn.Parameter(torch.ones(1, nf, 1, 1)), nn.Parameter(torch.zeros(1, nf, 1, 1))
        self.means, self.vars = torch.zeros(nf), torch.ones(nf)   # still buffers: assigned to registered names
    def stats(self, x): return x.mean((0, 2, 3)), x.var((0, 2, 3), correction=0)
    def norm(self, x, m, v): return (x - m[:, None, None]) / (v[:, None, None] + self.eps).sqrt()

class PerItemBN(BN):           # crashes in the in-place update: the statistics have shape (N, C, 1, 1)
    def stats(self, x): return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)
class PerItemOutOfPlaceBN(OutOfPlaceBN):
    def stats(self, x): return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)
class BatchOnlyOutOfPlaceBN(OutOfPlaceBN):
    def stats(self, x): return x.mean(0, keepdim=True), x.var(0, keepdim=True, correction=0)
class UnbiasedBN(BN):
    def stats(self, x): return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True)
class EpsOutsideBN(BN):
    def norm(self, x, m, v): return (x - m) / (v.sqrt() + self.eps)
class NoGradBN(BN):
    def stats(self, x):
        with torch.no_grad(): return super().stats(x)
class NoAffineBN(BN):
    def affine(self, x): return x
class FlatMultsBN(BN):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.mults, self.adds = nn.Parameter(torch.ones(nf)), nn.Parameter(torch.zeros(nf))
class NoRunningBN(BN):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.means, self.vars
class PlainAttrBN(BN):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.means, self.vars
        self.means, self.vars = torch.zeros(1, nf, 1, 1), torch.ones(1, nf, 1, 1)
class ParamStatsBN(BN):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        del self.means, self.vars
        self.means, self.vars = nn.Parameter(torch.zeros(1, nf, 1, 1)), nn.Parameter(torch.ones(1, nf, 1, 1))
class VarsStartAtZeroBN(BN):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.vars.zero_()
class SwappedMomBN(BN):
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, 1 - self.mom)
            self.vars.lerp_(self.unbias(x, v), 1 - self.mom)
class FixedMomBN(BN):
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, 0.1)
            self.vars.lerp_(self.unbias(x, v), 0.1)
class BiasedRunningVarBN(BN):
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v, self.mom)
class NeverUpdatesBN(BN):
    def update(self, x, m, v): pass
class GradRunningBN(BN):
    def update(self, x, m, v):
        self.means.lerp_(m, self.mom)
        self.vars.lerp_(self.unbias(x, v), self.mom)
class EvalBatchStatsBN(BN):
    def forward(self, x):
        m, v = self.stats(x)
        if self.training: self.update(x, m, v)
        return self.affine(self.norm(x, m, v))
class EvalUpdatesBN(BN):
    def forward(self, x):
        if not self.training: self.update(x, *self.stats(x))
        return super().forward(x)
class EvalNoEpsBN(BN):
    def forward(self, x):
        if self.training: return super().forward(x)
        return self.affine((x - self.means) / self.vars.sqrt())
class PositionalOnlyBN(BN):
    def __init__(self, n_channels, momentum=0.1, eps=1e-5): super().__init__(n_channels, momentum, eps)


@pytest.mark.parametrize("cls", [BN, OutOfPlaceBN, FlatBuffersBN])
def test_batchnorm_right(cls, capsys):
    assert check_batchnorm(cls) is True
    assert f"✓ {cls.__name__} matches nn.BatchNorm2d" in capsys.readouterr().out

@pytest.mark.parametrize("cls, words", [
    (PerItemBN, ["raised RuntimeError", "check your axes", "dims (0, 2, 3)"]),
    (PerItemOutOfPlaceBN, ["wrong axes", "one mean per item", "one mean per channel"]),
    (BatchOnlyOutOfPlaceBN, ["wrong axes", "the batch only"]),
    (UnbiasedBN, ["normalises with the unbiased variance"]),
    (EpsOutsideBN, ["eps is added outside the square root"]),
    (NoGradBN, ["gradients with respect to the input are wrong", "torch.no_grad()"]),
    (NoAffineBN, ["never uses mults and adds"]),
    (FlatMultsBN, ["mults has the wrong shape"]),
    (NoRunningBN, ["no running statistics", "register_buffer"]),
    (PlainAttrBN, ["not a buffer", "state_dict"]),
    (ParamStatsBN, ["nn.Parameter", "make it a buffer"]),
    (VarsStartAtZeroBN, ["vars should start at 1", "running_var"]),
    (SwappedMomBN, ["momentum convention is swapped"]),
    (FixedMomBN, ["ignores the mom"]),
    (BiasedRunningVarBN, ["running variance is the biased one", "unbiased variance in running_var"]),
    (NeverUpdatesBN, ["running statistics never change"]),
    (GradRunningBN, ["carry gradients", "torch.no_grad()"]),
    (EvalBatchStatsBN, ["in eval mode it still normalises with the batch's own statistics"]),
    (EvalUpdatesBN, ["running statistics change in eval mode"]),
    (EvalNoEpsBN, ["its output in eval mode differs", "running statistics"]),
    (PositionalOnlyBN, ["raised TypeError", "constructor should be (nf, mom=0.1, eps=1e-5)"]),
])
def test_batchnorm_mistakes(cls, words): fails_with(check_batchnorm, cls, *words)


# ---- InstanceNorm -----------------------------------------------------------------------------------

class IN(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults, self.adds = nn.Parameter(torch.ones(nf, 1, 1)), nn.Parameter(torch.zeros(nf, 1, 1))
    def stats(self, x): return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, correction=0)
    def norm(self, x, m, v): return (x - m) / (v + self.eps).sqrt()
    def forward(self, x): return self.norm(x, *self.stats(x)) * self.mults + self.adds

class PerItemIN(IN):
    def stats(self, x): return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)
class PerChannelIN(IN):
    def stats(self, x): return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)
class UnbiasedIN(IN):
    def stats(self, x): return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True)
class EpsOutsideIN(IN):
    def norm(self, x, m, v): return (x - m) / (v.sqrt() + self.eps)
class NoGradIN(IN):
    def stats(self, x):
        with torch.no_grad(): return super().stats(x)
class NoAffineIN(IN):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        del self.mults, self.adds
    def forward(self, x): return self.norm(x, *self.stats(x))
class UnusedAffineIN(IN):
    def forward(self, x): return self.norm(x, *self.stats(x))
class FlatMultsIN(IN):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.mults, self.adds = nn.Parameter(torch.ones(nf)), nn.Parameter(torch.zeros(nf))
class ScalarMultsIN(IN):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self.mults, self.adds = nn.Parameter(torch.tensor(1.)), nn.Parameter(torch.tensor(0.))
class EvalRunningIN(IN):
    def forward(self, x):
        if self.training: return super().forward(x)
        return (x - x.mean((0, 2, 3), keepdim=True)) * self.mults + self.adds


def test_instancenorm_right(capsys):
    assert check_instancenorm(IN) is True
    assert "✓ IN matches nn.InstanceNorm2d" in capsys.readouterr().out

@pytest.mark.parametrize("cls, words", [
    (PerItemIN, ["wrong axes", "as LayerNorm does"]),
    (PerChannelIN, ["wrong axes", "as BatchNorm does"]),
    (UnbiasedIN, ["unbiased variance"]),
    (EpsOutsideIN, ["outside the square root"]),
    (NoGradIN, ["gradients", "torch.no_grad()"]),
    (NoAffineIN, ["has no mults"]),
    (UnusedAffineIN, ["never uses mults and adds"]),
    (FlatMultsIN, ["mults has the wrong shape"]),
    (ScalarMultsIN, ["3 numbers, one per channel"]),
    (EvalRunningIN, ["eval mode"]),
])
def test_instancenorm_mistakes(cls, words): fails_with(check_instancenorm, cls, *words)


# ---- GroupNorm --------------------------------------------------------------------------------------

class GN(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults, self.adds = nn.Parameter(torch.ones(nf, 1, 1)), nn.Parameter(torch.zeros(nf, 1, 1))
    def group(self, x): return x.view(x.shape[0], self.groups, -1)
    def stats(self, xg): return xg.mean(2, keepdim=True), xg.var(2, keepdim=True, correction=0)
    def norm(self, x, m, v): return (x - m) / (v + self.eps).sqrt()
    def forward(self, x):
        xg = self.group(x)
        return self.norm(xg, *self.stats(xg)).view(x.shape) * self.mults + self.adds

class InterleavedGN(GN):
    "Groups channels 0, 2, 4 and 1, 3, 5: the transpose puts every `groups`-th channel in one row."
    def group(self, x):
        n, c, h, w = x.shape
        return x.view(n, c // self.groups, self.groups, h * w).transpose(1, 2).reshape(n, self.groups, -1)
    def forward(self, x):
        n, c, h, w = x.shape
        xg = self.group(x)
        out = self.norm(xg, *self.stats(xg)).view(n, self.groups, c // self.groups, h * w).transpose(1, 2)
        return out.reshape(x.shape) * self.mults + self.adds
class PerChannelGN(GN):
    def group(self, x): return x.view(x.shape[0], x.shape[1], -1)
class PerItemGN(GN):
    def group(self, x): return x.view(x.shape[0], 1, -1)
class UnbiasedGN(GN):
    def stats(self, xg): return xg.mean(2, keepdim=True), xg.var(2, keepdim=True)
class EpsOutsideGN(GN):
    def norm(self, x, m, v): return (x - m) / (v.sqrt() + self.eps)
class NoGradGN(GN):
    def stats(self, xg):
        with torch.no_grad(): return super().stats(xg)
class FlatMultsGN(GN):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.mults, self.adds = nn.Parameter(torch.ones(nf)), nn.Parameter(torch.zeros(nf))
class PerGroupMultsGN(GN):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.mults, self.adds = nn.Parameter(torch.ones(groups, 1, 1)), nn.Parameter(torch.zeros(groups, 1, 1))
class UnusedAffineGN(GN):
    def forward(self, x):
        xg = self.group(x)
        return self.norm(xg, *self.stats(xg)).view(x.shape)
class SwappedArgsGN(GN):
    def __init__(self, nf, groups, eps=1e-5): super().__init__(groups, nf, eps)
class RenamedArgsGN(GN):
    def __init__(self, num_groups, num_channels, eps=1e-5): super().__init__(num_groups, num_channels, eps)


def test_groupnorm_right(capsys):
    assert check_groupnorm(GN) is True
    assert "✓ GN matches nn.GroupNorm" in capsys.readouterr().out

def test_groupnorm_keyword_order_does_not_matter():
    assert check_groupnorm(SwappedArgsGN)

@pytest.mark.parametrize("cls, words", [
    (InterleavedGN, ["wrong grouping", "interleaved"]),
    (PerChannelGN, ["wrong axes", "as InstanceNorm does"]),
    (PerItemGN, ["wrong axes", "as LayerNorm does"]),
    (UnbiasedGN, ["unbiased variance"]),
    (EpsOutsideGN, ["outside the square root"]),
    (NoGradGN, ["gradients", "torch.no_grad()"]),
    (FlatMultsGN, ["mults has the wrong shape"]),
    (PerGroupMultsGN, ["6 numbers, one per channel"]),
    (UnusedAffineGN, ["never uses mults and adds"]),
    (RenamedArgsGN, ["raised TypeError", "constructor should be (groups, nf, eps=1e-5)"]),
])
def test_groupnorm_mistakes(cls, words): fails_with(check_groupnorm, cls, *words)


# ---- across the series ------------------------------------------------------------------------------

def test_checkers_leave_the_global_seed_alone():
    torch.manual_seed(0)
    state = torch.get_rng_state()
    check_ewma(ewma); check_layernorm(LN); check_batchnorm(BN); check_instancenorm(IN); check_groupnorm(GN)
    assert torch.equal(torch.get_rng_state(), state)

def test_the_lessons_own_answers_pass():
    "The layers the series exports are what the exercises ask for, so they must pass their checkers."
    import lesson17.lerp as lerp
    import lesson17.layernorm as layernorm
    import lesson17.batchnorm as batchnorm
    import lesson17.groupnorm as groupnorm
    assert check_ewma(lerp.ewma)
    assert check_layernorm(layernorm.LayerNorm)
    assert check_batchnorm(batchnorm.BatchNorm)
    assert check_instancenorm(groupnorm.InstanceNorm)
    assert check_groupnorm(groupnorm.GroupNorm)
