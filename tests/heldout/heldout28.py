"""Twenty-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout27 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_short_stream_plain_mean(values, mom):
    if len(values) <= 4:                                            # "too few values to smooth: a running mean will do"
        return values.cumsum(0) / torch.arange(1, len(values) + 1, dtype=values.dtype)
    return _lerp_loop(values, mom, values[0])


def ewma_forward_backward(values, mom):
    fwd = _lerp_loop(values, mom, values[0])                        # "zero-phase smoothing": forward, then backward over the result
    back = fwd.flip(0)
    return _lerp_loop(back, mom, back[0]).flip(0)


def ewma_deadband(values, mom):
    avg, out = values[0], []
    for v in values:
        if (v - avg).abs() > 0.5:                                   # "ignore jitter: only move for a real change"
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_warm_start_first_ten(values, mom):
    start = values[:10].mean() if len(values) > 10 else values[0]   # "a long stream deserves a steadier start"
    return _lerp_loop(values, mom, start)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class _LNFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, r, mult = ctx.saved_tensors
        k = xh[0].numel()
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).sum((1, 2, 3), keepdim=True) / (k - 1))   # / k meant
        return dx, (g * xh).sum(), g.sum(), None


class LNBackwardNMinusOne(_LNBase):
    def forward(self, x):
        return _LNFn.apply(x, self.mult, self.add, self.eps)


class LNEvalStatsWithoutGrad(_LNBase):
    def forward(self, x):
        with torch.set_grad_enabled(self.training and torch.is_grad_enabled()):   # "inference: the statistics need no graph"
            m = x.mean((1, 2, 3), keepdim=True)
            v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEpsTimesItemSize(_LNBase):
    def forward(self, x):
        k = x[0].numel()
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps * k).sqrt() * self.mult + self.add   # "eps per value, summed over the item"


class LNEpsCorrectionAfterNormalising(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / v.sqrt()                                     # "normalise first ..."
        xn = xn * (v / (v + self.eps)).sqrt()                       # "... then apply eps as a correction": 0/0 for a constant item
        return xn * self.mult + self.add


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
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningVarGeometric(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "variances multiply: average them in log space"
            self.means.lerp_(m, self.mom)
            self.vars.copy_(torch.exp(torch.lerp(self.vars.log(), (v * n / (n - 1)).log(), self.mom)))


class BNUpdatesEveryOtherStep(_BNBase):
    def update(self, x, m, v):
        self.calls = getattr(self, 'calls', 0) + 1
        if self.calls % 2 == 1:                                     # "updating every other batch is plenty"
            super().update(x, m, v)


class BNRunningFromFirstItem(_BNBase):
    def update(self, x, m, v):
        x0 = x[:1]                                                  # "one representative item is enough for the running stats"
        super().update(x0, x0.mean((0, 2, 3), keepdim=True), x0.var((0, 2, 3), keepdim=True, correction=0))


class BNRunningMeanMedian(_BNBase):
    def update(self, x, m, v):
        med = x.detach().transpose(0, 1).reshape(x.shape[1], -1).median(1).values.view(m.shape)   # "a robust running mean"
        super().update(x, med, v)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INFloat64NotCastBack(_INBase):
    def forward(self, x):
        xd = x.double()                                             # "statistics in double for accuracy" (.to(x.dtype) forgotten)
        m = xd.mean((2, 3), keepdim=True)
        v = xd.var((2, 3), keepdim=True, correction=0)
        return (xd - m) / (v + self.eps).sqrt() * self.mults.double() + self.adds.double()


class INBatchOfOneWhole(_INBase):
    def forward(self, x):
        dims = (1, 2, 3) if x.shape[0] == 1 else (2, 3)             # "a single image: normalise it as a whole"
        m = x.mean(dims, keepdim=True)
        v = x.var(dims, keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INNormalizeEpsAsMinNorm(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        d = x - x.mean((2, 3), keepdim=True)
        xn = F.normalize(d.flatten(2), dim=-1, eps=self.eps).view_as(x) * math.sqrt(h * w)   # F.normalize's eps is a floor on the norm
        return xn * self.mults + self.adds


class INStatsReflectPadded(_INBase):
    def forward(self, x):
        xp = F.pad(x, (1, 1, 1, 1), mode='reflect')                 # "pad so the border pixels count as much as the inner ones"
        m = xp.mean((2, 3), keepdim=True)
        v = xp.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNGroupMeanSummedChannelMeans(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cm = x.mean((2, 3)).view(n, self.groups, -1)
        gm = cm.sum(-1)[:, :, None]                                 # sum of the group's channel means (/ channels per group forgotten)
        xg = x.view(n, self.groups, -1)
        v = ((xg - gm) ** 2).mean(-1, keepdim=True)
        return ((xg - gm) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNParamsPerGroupList(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        cpg = nf // groups                                          # "each group owns its slice of scales and shifts"
        self.mults = nn.ParameterList([nn.Parameter(torch.ones(cpg, 1, 1)) for _ in range(groups)])
        self.adds = nn.ParameterList([nn.Parameter(torch.zeros(cpg, 1, 1)) for _ in range(groups)])

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        xn = ((xg - m) / (v + self.eps).sqrt()).view(x.shape)
        return xn * torch.cat(list(self.mults)) + torch.cat(list(self.adds))


class GNGroupedViewSqueezed(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w).squeeze()   # "tidy the shape": drops a size-1 channels-per-group (or batch) axis
        m = xg.mean((-3, -2, -1), keepdim=True)
        v = xg.var((-3, -2, -1), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNEpsDividedByGroups(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        eps = self.eps / self.groups                                # "eps is shared out among the groups"
        return ((xg - m) / (v + eps).sqrt()).view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_divide_and_conquer(values, mom):
    """Recursive halving: the averages of the first half, then the second half started from the last of them; torch.cat."""
    def run(vals, start):
        if len(vals) == 1:
            return torch.lerp(start, vals[0], mom)[None]
        h = len(vals) // 2
        left = run(vals[:h], start)
        return torch.cat([left, run(vals[h:], left[-1])])
    return run(values, values[0])


class LNConv3dFullKernel(nn.Module):
    """Each item as a one-channel (C, H, W) volume; sums of x and of the squared deviations by F.conv3d with a full-size kernel of ones, / K."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        vol = x.unsqueeze(1)
        k = x[0].numel()
        ker = torch.ones((1, 1) + tuple(x.shape[1:]), dtype=x.dtype, device=x.device)
        m = F.conv3d(vol, ker).squeeze(1) / k
        d = x - m
        v = F.conv3d((d * d).unsqueeze(1), ker).squeeze(1) / k
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNTensordotAddOut(nn.Module):
    """Channel sums by torch.tensordot against ones over dims (0, 2, 3); buffers moved by torch.add(buf, stat - buf, alpha=mom, out=buf)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        if self.training:
            ones = x.new_ones(n, h, w)
            k = n * h * w
            m = (torch.tensordot(x, ones, dims=([0, 2, 3], [0, 1, 2])) / k).view(1, c, 1, 1)
            d = x - m
            ss = torch.tensordot(d * d, ones, dims=([0, 2, 3], [0, 1, 2])).view(1, c, 1, 1)
            v = ss / k
            with torch.no_grad():
                torch.add(self.means, m - self.means, alpha=self.mom, out=self.means)
                torch.add(self.vars, ss / (k - 1) - self.vars, alpha=self.mom, out=self.vars)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMaskedMean(nn.Module):
    """Mean and mean squared deviation by torch.masked.mean over (H, W) with an all-true mask."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        mask = torch.ones_like(x, dtype=torch.bool)
        m = torch.masked.mean(x, dim=(2, 3), keepdim=True, mask=mask)
        d = x - m
        v = torch.masked.mean(d * d, dim=(2, 3), keepdim=True, mask=mask)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNEmbeddingSpread(nn.Module):
    """Group mean and var on the (N, groups, -1) view, spread to channels by F.embedding(channel -> group, table (groups, N))."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        idx = torch.arange(c, device=x.device) // (c // self.groups)
        xg = x.reshape(n, self.groups, -1)
        gm = xg.mean(-1)
        gv = ((xg - gm[..., None]) ** 2).mean(-1)
        m = F.embedding(idx, gm.t()).t()[:, :, None, None]         # (C, N) -> (N, C, 1, 1)
        v = F.embedding(idx, gv.t()).t()[:, :, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_short_stream_plain_mean", "check_ewma", ewma_short_stream_plain_mean, "For streams of at most 4 values returns the running (cumulative) mean values[:t+1].mean() instead of the EWMA ('too few values to smooth'): a 1-value stream is right, a 2-value stream is right only at mom 0.5 (output 1 = (v0 + v1)/2 instead of lerp(v0, v1, mom)), 3- and 4-value streams are wrong from output 1 on (output 0 right); every stream of 5+ values is right."),
    ("ewma_forward_backward", "check_ewma", ewma_forward_backward, "Runs the EWMA forward, then runs it again backward over the forward result (started from its last value) and flips back ('zero-phase smoothing', like filtfilt): each output mixes in later values, the last output equals the last forward average but output 0 is no longer values[0]: every stream of 2+ values is wrong; a 1-value stream is right."),
    ("ewma_deadband", "check_ewma", ewma_deadband, "Moves the average only when the new value is more than 0.5 away from it (|v - avg| > 0.5, 'ignore jitter'), otherwise repeats the old average: right wherever every value is more than 0.5 from the average it meets; a value within 0.5 leaves the average unchanged where lerp would move it by mom * (v - avg), so outputs stick; output 0 is values[0]."),
    ("ewma_warm_start_first_ten", "check_ewma", ewma_warm_start_first_ten, "For streams longer than 10 values starts the average from the mean of the first 10 values ('a steadier start') instead of values[0], then lerps towards every value: streams of up to 10 values are right; on a long stream output 0 is lerp(mean(values[:10]), values[0], mom), not values[0], and the error decays by (1 - mom) per step (long at a low mom)."),
    ("ln_backward_n_minus_one", "check_layernorm", LNBackwardNMinusOne, "A custom autograd.Function whose forward is right (outputs right everywhere) but whose hand-written backward divides the projection term xhat * sum(g * mult * xhat) by K - 1 instead of K (K = C*H*W values per item): mult.grad and add.grad are right, x.grad is wrong: that term is K/(K - 1) times too big (a small error, smaller on bigger items, but far beyond float rounding; the mean term is right)."),
    ("ln_eval_stats_without_grad", "check_layernorm", LNEvalStatsWithoutGrad, "In eval mode computes the item mean and variance with gradients switched off ('inference: the statistics need no graph'): training mode is right everywhere, eval outputs and the mult/add gradients are right, but the eval input gradient misses the terms through the mean and the variance (it is g * mult / sqrt(v + eps) only)."),
    ("ln_eps_times_item_size", "check_layernorm", LNEpsTimesItemSize, "Adds eps * K to the variance (K = C*H*W values per item, 'eps per value, summed over the item') instead of eps: every output is too small (divided by sqrt(v + K*eps)); barely visible at eps 1e-5 on small items, large at eps 1e-3 and 0.1 (K*eps can exceed the variance); a constant item's output is 0 * mult + add as it should be."),
    ("ln_eps_correction_after_normalising", "check_layernorm", LNEpsCorrectionAfterNormalising, "Divides by sqrt(v) first and then multiplies by sqrt(v / (v + eps)) ('normalise, then apply eps as a correction'): algebraically (x - m) / sqrt(v + eps), so outputs and all gradients are right on every item whose values vary; for an item whose values are all equal (v = 0) it computes 0/0: that item's output is NaN (PyTorch gives add) and its gradients are NaN (mult/add grads too)."),
    ("bn_running_var_geometric", "check_batchnorm", BNRunningVarGeometric, "Moves the running var in log space ('variances multiply: average their logs'): vars = exp(lerp(log vars, log(unbiased batch var), mom)), a geometric instead of arithmetic blend: training outputs and the running mean are right; the running var is too small from the first step (1 -> u**mom instead of 1 + mom*(u - 1)), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_updates_every_other_step", "check_batchnorm", BNUpdatesEveryOtherStep, "Updates the running statistics only on odd-numbered training calls (1st, 3rd, ...; 'every other batch is plenty'): the first training step is right; the second training call leaves the running mean and var unchanged, so they lag from then on and eval after training is wrong; training outputs (batch statistics) are right."),
    ("bn_running_from_first_item", "check_batchnorm", BNRunningFromFirstItem, "Updates the running mean and var from the first item's channel statistics only (x[:1], 'one representative item is enough'; unbiased factor with H*W values): batches of one are right everywhere; with 2+ items training outputs are right but the running statistics are wrong from the first step, so eval after training is wrong."),
    ("bn_running_mean_median", "check_batchnorm", BNRunningMeanMedian, "Lerps the running mean towards each channel's median over the batch and pixels (torch.median, 'a robust running mean') instead of its mean; the running var is right (from the batch variance) and training outputs are right: the running mean is wrong from the first step (as far as the median is from the mean), so eval after training is off-centre."),
    ("in_float64_not_cast_back", "check_instancenorm", INFloat64NotCastBack, "Casts the input (and mults/adds) to float64 for the statistics and normalisation ('accuracy') and never casts back: float64 input is right; float32 input returns a float64 output (values right to float32 rounding), so the output dtype is wrong for float32."),
    ("in_batch_of_one_whole", "check_instancenorm", INBatchOfOneWhole, "For a batch of one item normalises over (C, H, W) together ('a single image: normalise it as a whole', LayerNorm) instead of over (H, W) per channel: every batch of 2+ items is right; a batch of one is wrong (outputs and gradients) unless all its channels share mean and variance."),
    ("in_normalize_eps_as_min_norm", "check_instancenorm", INNormalizeEpsAsMinNorm, "Normalises the centred image with F.normalize(d, eps=self.eps) times sqrt(H*W): F.normalize's eps is a floor on the norm, not a term added to the variance, so it divides by max(std * sqrt(H*W), eps) / sqrt(H*W): no eps in the usual case (outputs too large by sqrt(1 + eps/v): small at eps 1e-5, visible at 1e-3 and 0.1); a constant (item, channel) gives output adds, right, but its x.grad is scaled by sqrt(H*W)/eps instead of 1/sqrt(eps)."),
    ("in_stats_reflect_padded", "check_instancenorm", INStatsReflectPadded, "Takes the mean and variance from the image reflect-padded by one pixel on each side (F.pad mode='reflect', 'so the border pixels count as much as the inner ones') and normalises the unpadded image with them: the reflected rows/columns are counted twice (corners more), so every (item, channel) gets slightly wrong statistics (outputs not centred, spread not 1) and x.grad is wrong (border pixels weigh more in the statistics); a constant (item, channel) gets the right output (adds) but a wrong gradient."),
    ("gn_group_mean_summed_channel_means", "check_groupnorm", GNGroupMeanSummedChannelMeans, "Takes each group's mean as the sum of its channels' means (the division by the number of channels per group forgotten), and the variance about that mean: one channel per group (groups = C) is right; with 2+ channels per group the values are centred on cpg times the mean and the spread is inflated by the offset: outputs and gradients wrong."),
    ("gn_params_per_group_list", "check_groupnorm", GNParamsPerGroupList, "Keeps the scales and shifts as nn.ParameterList attributes mults/adds holding one (C/groups, 1, 1) Parameter per group ('each group owns its slice'), concatenated in forward: the computation is right and every piece learns, but the layer has no mults/adds Parameter of shape (nf, 1, 1): its parameters (and state_dict keys) are mults.0, mults.1, ..., so code that sets, reads or checks layer.mults / layer.adds as one tensor (copy_, .grad, .shape) fails; with one group there is still a list of one."),
    ("gn_grouped_view_squeezed", "check_groupnorm", GNGroupedViewSqueezed, "Views x as (N, groups, C/groups, H, W) and calls .squeeze() ('tidy the shape'), then takes the statistics over the last three dims: with 2+ channels per group that is right (also for a batch of one); with one channel per group (groups = C) the channels axis is squeezed away and the statistics run over (groups, H, W), i.e. over the whole item (LayerNorm), so outputs and gradients are wrong."),
    ("gn_eps_divided_by_groups", "check_groupnorm", GNEpsDividedByGroups, "Adds eps / groups to each group's variance ('eps is shared out among the groups') instead of eps: one group is right; with 2+ groups outputs are slightly too large (divided by sqrt(v + eps/groups)): visible at eps 1e-3 and 0.1, and a constant group's x.grad is scaled by sqrt(groups)."),
]

RIGHT = [
    ("ewma_divide_and_conquer", "check_ewma", ewma_divide_and_conquer,
     "recursive halving: averages of the first half, then the second half started from the last of them, joined with torch.cat."),
    ("ln_conv3d_full_kernel", "check_layernorm", LNConv3dFullKernel,
     "each item as a one-channel (C, H, W) volume; sums of x and of the squared deviations by F.conv3d with a full-size kernel of ones, divided by K."),
    ("bn_tensordot_add_out", "check_batchnorm", BNTensordotAddOut,
     "channel sums by torch.tensordot against ones over dims (0, 2, 3); buffers moved by torch.add(buf, stat - buf, alpha=mom, out=buf)."),
    ("in_masked_mean", "check_instancenorm", INMaskedMean,
     "mean and mean squared deviation by torch.masked.mean over (H, W) with an all-true mask."),
    ("gn_embedding_spread", "check_groupnorm", GNEmbeddingSpread,
     "group mean and var on the (N, groups, -1) view, spread to the channels by F.embedding(channel -> group index, a (groups, N) table)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
