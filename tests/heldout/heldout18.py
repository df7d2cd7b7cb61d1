"""Eighteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout17 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import functools
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_lerp_weight_full_like(values, mom):
    w = torch.full_like(values, mom)                                # "lerp wants a tensor weight": a scalar mom (or a 0-dim tensor) meant
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)                                 # w has shape (n,): avg broadcasts to a vector
        out.append(avg)
    return torch.stack(out)


def ewma_start_appended_last(values, mom):
    avg, out = values[0], []
    for v in values[1:]:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out.append(values[0])                                           # the start belongs first: [values[0]] + out (or out.insert(0, ...)) meant
    return torch.stack(out)


def ewma_half_accumulator(values, mom):
    avg, out = values[0].half(), []                                 # "half precision saves memory": values[0] (the input's dtype) meant
    for v in values:
        avg = torch.lerp(avg, v.half(), mom)
        out.append(avg)
    return torch.stack(out)


def ewma_enumerate_index_lag(values, mom):
    out = [values[0]]
    for i, v in enumerate(values[1:]):
        out.append(torch.lerp(out[i - 1], v, mom))                  # out[i] (the previous output) meant: enumerate of values[1:] already starts one behind
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class LNParamsBeforeSuperInit(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))                  # super().__init__() meant first: Module.__init__ must run before a Parameter is assigned
        self.add = nn.Parameter(torch.tensor(0.))
        super().__init__()

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEpsAsRelative(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v * (1 + self.eps)).sqrt() * self.mult + self.add   # (v + self.eps).sqrt() meant: eps scaled by the variance


class LNVarAboutBatchMean(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = ((x - x.mean()) ** 2).mean((1, 2, 3), keepdim=True)     # ((x - m) ** 2) meant: x.mean() is the whole batch's mean
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarDetached(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0).detach()  # "the spread is only a scale, no gradient needed": no .detach() meant
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def batch_stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        n = x.numel() / x.shape[1]
        return m, v, n


class BNEvalStdPrecomputed(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.std = (self.vars + eps).sqrt()                         # "precompute the eval std once": computed from the initial vars, never refreshed

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return (x - self.means) / self.std * self.mults + self.adds # (self.vars + self.eps).sqrt() meant


class BNBesselSquareRooted(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * math.sqrt(n / (n - 1)), self.mom)   # "Bessel corrects the std": v * n/(n-1) meant (the factor is for the variance)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNAddsShapeOneShort(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.adds = nn.Parameter(torch.zeros(nf, 1))                # torch.zeros(nf, 1, 1) meant: (nf, 1) lines up with (H, W)

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselPlusSign(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n + 1), self.mom)          # n / (n - 1) meant: sign typo
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INCountFromShapeSlice(_INBase):
    def forward(self, x):
        h, w = x.shape[1:3]                                         # x.shape[2:] meant: [1:3] is (C, H)
        m = x.sum((2, 3), keepdim=True) / (h * w)
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / (h * w)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INUnbiasPrecedence(_INBase):
    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True) * (hw - 1) / x.shape[2] * x.shape[3]   # unbiased -> biased: * (hw - 1) / (h * w) meant; / h * w divides by h, multiplies by w
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INStatsMemoisedByShape(_INBase):
    def forward(self, x, _cache={}):
        if x.shape not in _cache:                                   # "compute the stats once": they depend on x's values, not only its shape
            _cache[x.shape] = (x.mean((2, 3), keepdim=True).detach(), x.var((2, 3), keepdim=True, correction=0).detach())
        m, v = _cache[x.shape]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INLayerNormWithMults(_INBase):
    def forward(self, x):
        return F.layer_norm(x, x.shape[2:], self.mults, self.adds, self.eps)   # weight/bias must have shape (H, W): F.layer_norm(x, x.shape[2:], eps=...) * mults + adds meant


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNMeanDetached(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True).detach()                      # "the mean is only a shift, no gradient needed": xg.mean(...) meant
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNStdMeanOfChannelStds(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h * w)
        m = xg.mean((2, 3), keepdim=True)
        s = ((xg - m) ** 2 + self.eps).mean(3, keepdim=True).sqrt().mean(2, keepdim=True)   # "group spread = average of its channels' spreads": .mean((2, 3)).sqrt() meant
        return ((xg - m) / s).view(x.shape) * self.mults + self.adds


class GNFloat64Stats(_GNBase):
    def forward(self, x):
        xg = x.double().view(x.shape[0], self.groups, -1)           # "stats in double for precision": cast back (.to(x.dtype)) meant
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNLinspaceBoundsOneShort(_GNBase):
    def forward(self, x):
        b = torch.linspace(0, x.shape[1], self.groups).long().tolist()   # groups + 1 boundaries meant: linspace(0, C, self.groups + 1)
        outs = []
        for lo, hi in zip(b[:-1], b[1:]):
            xs = x[:, lo:hi]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((xs - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


WRONG = [
    ("ewma_lerp_weight_full_like", "check_ewma", ewma_lerp_weight_full_like, "torch.lerp(avg, v, torch.full_like(values, mom)): the weight is a vector of n copies of mom, so avg broadcasts to shape (n,) and the output is (n, n) (each row the right average repeated); right only for a stream of one value."),
    ("ewma_start_appended_last", "check_ewma", ewma_start_appended_last, "Loops over values[1:] and appends values[0] after the loop (meant first): the outputs are the right averages 1..n-1 shifted one place earlier, with the first value last; right for one value (and constant streams)."),
    ("ewma_half_accumulator", "check_ewma", ewma_half_accumulator, "Running average kept in float16 (values[0].half(), v.half()): the output is float16 whatever the input dtype, and its values are rounded to ~3 significant digits (errors ~1e-3 relative, growing on long streams)."),
    ("ewma_enumerate_index_lag", "check_ewma", ewma_enumerate_index_lag, "out.append(lerp(out[i - 1], v, mom)) with i from enumerate(values[1:]) (out[i] meant): output t lerps from output t-2 (output 1 from out[-1] = values[0], right); wrong from the third value on."),
    ("ln_params_before_super_init", "check_layernorm", LNParamsBeforeSuperInit, "Assigns nn.Parameter attributes before super().__init__(): constructing the layer raises AttributeError 'cannot assign parameters before Module.__init__() call'."),
    ("ln_eps_as_relative", "check_layernorm", LNEpsAsRelative, "Divides by sqrt(v*(1 + eps)) instead of sqrt(v + eps): eps is scaled by the variance; off by a factor depending on var (visible at eps 0.1: outputs ~sqrt((v+eps)/(v(1+eps))) too big)."),
    ("ln_var_about_batch_mean", "check_layernorm", LNVarAboutBatchMean, "Mean per item right, but the variance is ((x - x.mean())**2).mean over the item: deviations about the whole batch's mean, so each item's variance gains (item mean - batch mean)^2; right for a batch of one."),
    ("ln_var_detached", "check_layernorm", LNVarDetached, "Variance .detach()ed ('only a scale'): outputs and mult/add gradients right, but x.grad misses the term through the variance."),
    ("bn_eval_std_precomputed", "check_batchnorm", BNEvalStdPrecomputed, "self.std = (self.vars + eps).sqrt() computed once in __init__ (a plain tensor, float32) and used in eval: eval divides by sqrt(1 + eps) whatever the running var has become; right for a fresh layer in eval; wrong in eval after training."),
    ("bn_bessel_square_rooted", "check_batchnorm", BNBesselSquareRooted, "Running var lerped toward v*sqrt(n/(n-1)) (Bessel applied 'to the std'; v*n/(n-1) meant): running var and eval slightly too small; training output and running mean right."),
    ("bn_adds_shape_one_short", "check_batchnorm", BNAddsShapeOneShort, "adds = nn.Parameter(torch.zeros(nf, 1)) (nf, 1, 1 meant): (nf, 1) lines up with (H, W): RuntimeError unless H == C (then the shift goes per row)."),
    ("bn_bessel_plus_sign", "check_batchnorm", BNBesselPlusSign, "Running var lerped toward v*n/(n+1) (n/(n-1) meant): running var a little too small (by (n-1)/(n+1)); eval slightly off; training right."),
    ("in_count_from_shape_slice", "check_instancenorm", INCountFromShapeSlice, "h, w = x.shape[1:3] (that is C, H; x.shape[2:] meant): sums divided by C*H instead of H*W: mean scaled by HW/(CH), variance about it likewise; right only when W == C."),
    ("in_unbias_precedence", "check_instancenorm", INUnbiasPrecedence, "Converts torch.var's unbiased variance with * (hw - 1) / h * w (meant / (h*w)): variance times (hw-1)*w/h instead of (hw-1)/hw: far too big; outputs shrunk."),
    ("in_stats_memoised_by_shape", "check_instancenorm", INStatsMemoisedByShape, "Caches (mean, var) in a mutable default dict keyed by x.shape: a later call with a new input of the same shape (in any layer) reuses the first input's statistics, detached; first call's outputs right, x.grad wrong."),
    ("in_layer_norm_with_mults", "check_instancenorm", INLayerNormWithMults, "F.layer_norm(x, (H, W), self.mults, self.adds, eps): weight/bias must have shape (H, W): RuntimeError (mults are (C, 1, 1)) on every call."),
    ("gn_mean_detached", "check_groupnorm", GNMeanDetached, "Group mean .detach()ed: outputs and mults/adds gradients right, x.grad wrong (misses the centring term)."),
    ("gn_std_mean_of_channel_stds", "check_groupnorm", GNStdMeanOfChannelStds, "Group spread = mean over the group's channels of each channel's sqrt(mean (x - group mean)^2 + eps) instead of sqrt of the group's mean squared deviation + eps: right when each group has one channel; otherwise the divisor is too small."),
    ("gn_float64_stats", "check_groupnorm", GNFloat64Stats, "x.double() for the statistics and never cast back: float32 input gives a float64 output (values right); float64 right."),
    ("gn_linspace_bounds_one_short", "check_groupnorm", GNLinspaceBoundsOneShort, "Group boundaries torch.linspace(0, C, groups) (groups+1 points meant): groups-1 groups of C/(groups-1) channels: 2 groups -> one group (LayerNorm), 4 groups of 8 -> 3 uneven groups; 1 group -> no group at all: torch.cat([]) RuntimeError."),
]


# ================================================================= RIGHT answers

def ewma_reduce_list(values, mom):
    """functools.reduce over values[1:] with a list accumulator that appends lerp(last, v, mom) each step."""
    return torch.stack(functools.reduce(lambda acc, v: acc + [torch.lerp(acc[-1], v, mom)], values[1:], [values[0]]))


class LNBmmSquares(nn.Module):
    """Per-item sum of squared deviations as a batched dot product torch.bmm(d[:, None, :], d[:, :, None])."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        xf = x.flatten(1)
        d = xf - xf.mean(1, keepdim=True)
        ss = torch.bmm(d[:, None, :], d[:, :, None]).view(-1, 1)
        y = d / (ss / d.shape[1] + self.eps).sqrt()
        return y.view(x.shape) * self.mult + self.add


class BNChannelRowsAddAlpha(nn.Module):
    """Channel rows from x.transpose(0, 1).reshape(C, -1), statistics by torch.var_mean(dim=1, correction=0);
    running stats moved by add_(diff, alpha=mom)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = x.transpose(0, 1).reshape(x.shape[1], -1)
            v, m = torch.var_mean(rows, dim=1, correction=0)
            m, v = m.view(1, -1, 1, 1), v.view(1, -1, 1, 1)
            k = rows.shape[1]
            with torch.no_grad():
                self.means.add_(m - self.means, alpha=self.mom)
                self.vars.add_(v * k / (k - 1) - self.vars, alpha=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INCumsumLast(nn.Module):
    """Each (item, channel)'s sum as the last entry of a cumulative sum over its flattened pixels."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xf = x.flatten(2)
        k = xf.shape[-1]
        m = xf.cumsum(-1)[..., -1:] / k
        d = xf - m
        v = (d * d).cumsum(-1)[..., -1:] / k
        return (d / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNOneHotMatmul(nn.Module):
    """Per-channel mean and mean square, pooled to groups by a matmul with F.one_hot(channel -> group) / channels per group,
    spread back by the transposed one-hot matrix."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        oh = F.one_hot(torch.arange(c) // (c // self.groups), self.groups).to(x.dtype)   # (C, G)
        m = (x.mean((2, 3)) @ oh / (c // self.groups)) @ oh.T                            # (N, C): each channel's group mean
        d = x - m[:, :, None, None]
        v = ((d * d).mean((2, 3)) @ oh / (c // self.groups)) @ oh.T
        return d / (v[:, :, None, None] + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_reduce_list", "check_ewma", ewma_reduce_list,
     "functools.reduce over values[1:] with a list accumulator appending lerp(last, v, mom)."),
    ("ln_bmm_squares", "check_layernorm", LNBmmSquares,
     "per-item sum of squared deviations as a batched dot product with torch.bmm."),
    ("bn_channel_rows_add_alpha", "check_batchnorm", BNChannelRowsAddAlpha,
     "channel rows by transpose+reshape, torch.var_mean(dim=1); running stats by add_(diff, alpha=mom); rsqrt."),
    ("in_cumsum_last", "check_instancenorm", INCumsumLast,
     "each (item, channel)'s sums as the last entry of a cumsum over its flattened pixels."),
    ("gn_one_hot_matmul", "check_groupnorm", GNOneHotMatmul,
     "channel stats pooled to groups and spread back by matmuls with F.one_hot(channel -> group)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
