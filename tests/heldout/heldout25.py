"""Twenty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout24 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


import math


# ====================================================================== EWMA (wrong)

def ewma_weight_tensor_float32(values, mom):
    avg, w, out = values[0], torch.tensor(mom), []                  # the weight made a tensor once (default dtype float32)
    for v in values:
        avg = torch.lerp(avg, v, w)                                 # float64 values with a float32 weight: lerp raises
        out.append(avg)
    return torch.stack(out)


def ewma_alpha_from_span(values, mom):
    alpha = 2 / (mom + 1)                                           # pandas' span formula applied to mom, which already is the weight
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, alpha)
        out.append(avg)
    return torch.stack(out)


def ewma_append_before_update(values, mom):
    avg, out = values[0], []
    for v in values:
        out.append(avg)                                             # appended before the step: each output is the previous average
        avg = torch.lerp(avg, v, mom)
    return torch.stack(out)


def ewma_window_of_fifty(values, mom):
    out = []
    for t in range(len(values)):                                    # "only recent values matter": restarted over the last 50 values
        start = max(0, t - 49)
        avg = values[start]
        for v in values[start:t + 1]:
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNBatchMeanItemVar(_LNBase):
    def forward(self, x):
        m = x.mean()                                                # x.mean() with no dims: the whole batch's mean
        v = ((x - m) ** 2).mean((1, 2, 3), keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEvalReusesTrainStats(_LNBase):
    def forward(self, x):
        if self.training or not hasattr(self, 'last'):
            m = x.mean((1, 2, 3), keepdim=True)
            v = x.var((1, 2, 3), keepdim=True, correction=0)
            self.last = (m.detach().mean(0, keepdim=True), v.detach().mean(0, keepdim=True))   # "keep them for inference, like BatchNorm"
        else:
            m, v = self.last
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNMidrangeCentre(_LNBase):
    def forward(self, x):
        f = x.flatten(1)
        m = ((f.max(1).values + f.min(1).values) / 2)[:, None, None, None]   # "centre of the range" as the centre
        v = ((x - m) ** 2).mean((1, 2, 3), keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarInHalf(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = ((x - m).half() ** 2).mean((1, 2, 3), keepdim=True).to(x.dtype)   # "half precision is plenty for a variance"
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

    def use_batch(self, x): return self.training

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.use_batch(x):
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNUpdateFromNormalised(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            out = (x - m) / (v + self.eps).sqrt()
            n = x.numel() / x.shape[1]
            with torch.no_grad():                                   # "track the statistics of what the layer outputs"
                self.means.lerp_(out.mean((0, 2, 3), keepdim=True), self.mom)
                self.vars.lerp_(out.var((0, 2, 3), keepdim=True, correction=1), self.mom)
            return out * self.mults + self.adds
        return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds


class BNUpdatesWithPreviousBatch(_BNBase):
    def update(self, x, m, v):
        prev = getattr(self, 'prev', None)                          # "update first, from the stats we already have": one call late
        self.prev = (m.detach(), v.detach(), x.numel() / x.shape[1])
        if prev is not None:
            with torch.no_grad():
                pm, pv, n = prev
                self.means.lerp_(pm, self.mom)
                self.vars.lerp_(pv * n / (n - 1), self.mom)


class BNEvalBlendsBatch(_BNBase):
    def forward(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        if self.training:
            self.update(x, m, v)
        else:                                                       # "at inference, blend the running stats with this batch's"
            m, v = self.means.lerp(m, self.mom), self.vars.lerp(v, self.mom)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningMeanFromSum(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(x.sum((0, 2, 3), keepdim=True), self.mom)   # the batch sum where its mean was meant
            self.vars.lerp_(v * n / (n - 1), self.mom)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INFloorDivideMean(_INBase):
    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        m = x.sum((2, 3), keepdim=True) // hw                       # // typed where / was meant: the mean is floored
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / hw
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEvalSkipsAffine(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mults + self.adds if self.training else xn    # "the affine step is only for training"


class INVarUncentred(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = (x ** 2).mean((2, 3), keepdim=True)                     # ((x - m) ** 2) meant: the variance line forgot to centre
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEvalSkipsAffine(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mults + self.adds if self.training else xn    # "the affine step is only for training"


class INRowsAsInstances(_INBase):
    def forward(self, x):
        rows = x.reshape(x.shape[0], -1, x.shape[-1])               # (N, C*H, W): one row per (channel, image row), not per channel
        m = rows.mean(-1, keepdim=True)
        v = rows.var(-1, keepdim=True, correction=0)
        return ((rows - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class INVarOverBatchToo(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = ((x - m) ** 2).mean((0, 2, 3), keepdim=True)            # the 0 from BatchNorm's dims kept on the variance line
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNGroupMeanChannelVar(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = ((xg - m) ** 2).mean((3, 4), keepdim=True)              # (2, 3, 4) meant: the squared deviations averaged per channel
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNScaledByMaxDeviation(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        s = (xg - m).abs().amax(-1, keepdim=True)                   # "normalise into [-1, 1]": the largest deviation, not the std
        return ((xg - m) / (s + self.eps)).view(x.shape) * self.mults + self.adds


class GNEvalSingleGroup(_GNBase):
    def forward(self, x):
        g = self.groups if self.training else 1                     # "at inference pool all the channels of an image"
        xg = x.reshape(x.shape[0], g, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNAddsBeforeNorm(_GNBase):
    def forward(self, x):
        x = x + self.adds                                           # bias added first ("as in a conv layer"), then normalised
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults


# ================================================================= RIGHT answers

def ewma_generator_alpha_add(values, mom):
    """A generator function that yields avg.mul(1 - mom).add(v, alpha=mom) per value; torch.stack(list(...))."""
    def gen():
        avg = values[0]
        for v in values:
            avg = avg.mul(1 - mom).add(v, alpha=mom)
            yield avg
    return torch.stack(list(gen()))


class LNEinsumSums(nn.Module):
    """Item sums by torch.einsum('nchw->n', ...) for the mean and for the squared deviations, divided by C*H*W; rsqrt."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        k = x[0].numel()
        m = (torch.einsum('nchw->n', x) / k).view(-1, 1, 1, 1)
        d = x - m
        v = (torch.einsum('nchw,nchw->n', d, d) / k).view(-1, 1, 1, 1)
        return d * torch.rsqrt(v + self.eps) * self.mult + self.add


class BNEinsumChannelSums(nn.Module):
    """Channel sums by torch.einsum('nchw->c', ...); the unbiased var as the sum of squares / (k - 1); buffers blended with torch.add(alpha=)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.numel() // x.shape[1]
            m = (torch.einsum('nchw->c', x) / k).view(1, -1, 1, 1)
            d = x - m
            ss = torch.einsum('nchw,nchw->c', d, d).view(1, -1, 1, 1)
            v = ss / k
            with torch.no_grad():
                self.means.copy_(torch.add(self.means * (1 - self.mom), m, alpha=self.mom))
                self.vars.copy_(torch.add(self.vars * (1 - self.mom), ss / (k - 1), alpha=self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INVectorNormStd(nn.Module):
    """The deviation's size by torch.linalg.vector_norm over (2, 3): var = norm**2 / (H*W); affine by torch.addcmul."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        d = x - x.mean((2, 3), keepdim=True)
        v = torch.linalg.vector_norm(d, dim=(2, 3), keepdim=True) ** 2 / hw
        return torch.addcmul(self.adds, d / (v + self.eps).sqrt(), self.mults)


class GNUnflattenRsqrt(nn.Module):
    """Groups by x.unflatten(1, (groups, -1)); mean and var over (2, 3, 4); torch.rsqrt; flatten(1, 2) back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.unflatten(1, (self.groups, -1))
        m = xg.mean((2, 3, 4), keepdim=True)
        v = ((xg - m) ** 2).mean((2, 3, 4), keepdim=True)
        return ((xg - m) * torch.rsqrt(v + self.eps)).flatten(1, 2) * self.mults + self.adds


WRONG = [
    ("ewma_weight_tensor_float32", "check_ewma", ewma_weight_tensor_float32, "Makes the weight a tensor once with torch.tensor(mom) (default dtype float32) and passes it to torch.lerp: the weight is rounded to float32 (0.1 becomes 0.10000000149): float32 streams are right; float64 streams drift slightly (visible on long streams, about 3.5e-8 on 200 values)."),
    ("ewma_alpha_from_span", "check_ewma", ewma_alpha_from_span, "Converts mom with pandas' span formula, alpha = 2 / (mom + 1), though mom already is the weight: the step weight is 1.82 at mom 0.1 (overshooting, oscillating) and 1.05 at 0.9; output 0 is values[0] (right); later outputs wrong (right only for a 1-value stream)."),
    ("ewma_append_before_update", "check_ewma", ewma_append_before_update, "Appends the average before updating it: output t is the right output t-1 (output 0 is values[0], right; output 1 is values[0] again); the last value never enters the output (right only for a 1-value stream)."),
    ("ewma_window_of_fifty", "check_ewma", ewma_window_of_fifty, "Recomputes each output over only the last 50 values (restarting at values[t-49]: 'only recent values matter'): right for streams of 50 values or fewer; from output 50 on it differs."),
    ("ln_batch_mean_item_var", "check_layernorm", LNBatchMeanItemVar, "Centres with x.mean() (no dims: one mean for the whole batch) and takes each item's mean-square deviation about it: right for a batch of one; with 2+ items each item is centred by the batch mean and its variance includes its offset from it."),
    ("ln_eval_reuses_train_stats", "check_layernorm", LNEvalReusesTrainStats, "Keeps the batch-averaged mean and variance of the last training call and uses them in eval ('like BatchNorm'): training right; eval after training normalises with stale statistics (a fresh layer in eval computes and keeps its first batch's averaged statistics, right only for a batch of one)."),
    ("ln_midrange_centre", "check_layernorm", LNMidrangeCentre, "Centres each item at the middle of its range ((max + min) / 2) instead of its mean, and takes the variance about that centre: outputs are shifted and scaled wrongly on every input."),
    ("ln_var_in_half", "check_layernorm", LNVarInHalf, "Squares the deviations in half precision (float16) and casts the variance back: the variance has float16 rounding (about 1e-3 relative), so outputs differ in float32 and float64."),
    ("bn_update_from_normalised", "check_batchnorm", BNUpdateFromNormalised, "Updates the running statistics with the mean and (unbiased) var of the normalised output (about 0 and about 1) instead of the input's: training outputs right; the running mean stays near 0 and the running var near 1; eval wrong."),
    ("bn_updates_with_previous_batch", "check_batchnorm", BNUpdatesWithPreviousBatch, "Updates the running statistics with the previous call's batch statistics (stored, applied one call late; the first training call updates nothing): training outputs right; the running mean and var lag one step behind; eval uses them."),
    ("bn_eval_blends_batch", "check_batchnorm", BNEvalBlendsBatch, "In eval normalises with a blend of the running statistics and the batch's own (lerp(running, batch, mom)) instead of the running statistics alone: training and running statistics right; eval outputs (and their input gradients) wrong."),
    ("bn_running_mean_from_sum", "check_batchnorm", BNRunningMeanFromSum, "Updates the running mean with the batch SUM over (N, H, W) instead of the batch mean: running var and training outputs right; the running mean is too large by a factor N*H*W (on the new part); eval wrong."),
    ("in_floor_divide_mean", "check_instancenorm", INFloorDivideMean, "Divides the sum by H*W with // (floor division) for the mean: the mean is floored to a whole number, so outputs are not centred (the variance is about the floored mean); gradient through the mean is lost."),
    ("in_var_uncentred", "check_instancenorm", INVarUncentred, "Takes the variance as the mean of x**2 (not centred) while subtracting the mean: the denominator is sqrt(var + mean**2 + eps), too large wherever an image's mean is not 0."),
    ("in_eval_skips_affine", "check_instancenorm", INEvalSkipsAffine, "Leaves out the affine step (mults, adds) in eval mode ('only for training'): training is right; eval outputs are right only while mults are 1 and adds 0, and mults/adds get no gradient in eval."),
    ("in_var_over_batch_too", "check_instancenorm", INVarOverBatchToo, "Centres each image by its own mean but averages the squared deviations over (0, 2, 3) (the batch too): one variance per channel for the whole batch; right for a batch of one."),
    ("gn_group_mean_channel_var", "check_groupnorm", GNGroupMeanChannelVar, "Centres by the group mean but averages the squared deviations per channel (dims (3, 4), the 2 left out): one variance per channel, about the group mean: right with one channel per group; otherwise channels of a group are scaled separately."),
    ("gn_scaled_by_max_deviation", "check_groupnorm", GNScaledByMaxDeviation, "Divides by the largest absolute deviation from the group mean (plus eps) instead of sqrt(var + eps) ('normalise into [-1, 1]'): the mean is right; every output is scaled wrongly."),
    ("gn_eval_single_group", "check_groupnorm", GNEvalSingleGroup, "In eval mode normalises over one group (all channels of an image) instead of self.groups: training right; eval right only when groups is 1."),
    ("gn_adds_before_norm", "check_groupnorm", GNAddsBeforeNorm, "Adds the per-channel adds to the input before normalising (and never after): right while adds are 0; otherwise their effect is mostly normalised away (entirely with one channel per group)."),
]

RIGHT = [
    ("ewma_generator_alpha_add", "check_ewma", ewma_generator_alpha_add,
     "a generator function yielding avg.mul(1 - mom).add(v, alpha=mom), stacked from list(gen())."),
    ("ln_einsum_sums", "check_layernorm", LNEinsumSums,
     "item sums by torch.einsum('nchw->n') for the mean and the squared deviations, divided by C*H*W; torch.rsqrt."),
    ("bn_einsum_channel_sums", "check_batchnorm", BNEinsumChannelSums,
     "channel sums by torch.einsum('nchw->c'); unbiased var as sum of squares / (k - 1); buffers by copy_ of torch.add(alpha=mom)."),
    ("in_vector_norm_std", "check_instancenorm", INVectorNormStd,
     "var as torch.linalg.vector_norm(d, dim=(2, 3))**2 / (H*W); affine by torch.addcmul(adds, xn, mults)."),
    ("gn_unflatten_rsqrt", "check_groupnorm", GNUnflattenRsqrt,
     "groups by x.unflatten(1, (groups, -1)); mean and var over (2, 3, 4); torch.rsqrt; flatten(1, 2) back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
