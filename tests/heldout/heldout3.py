"""Third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       tests/wrong_answers.py, an earlier held-out set, heldout2.py or the issue's list of 20.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_avg_never_updated(values, mom):
    avg, out = values[0], []
    for v in values:
        out.append(torch.lerp(avg, v, mom))     # the lerp is appended but never assigned back to avg
    return torch.stack(out)


def ewma_debiased_from_first(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):
        avg = torch.lerp(avg, v, mom)
        out.append(avg / (1 - (1 - mom) ** (t + 1)))   # Adam's bias correction, though it already starts from values[0]
    return torch.stack(out)


def ewma_closed_form_first_twice(values, mom):
    n = len(values)
    t = torch.arange(n)
    k = t[:, None] - t[None, :]                                   # age of value j at step i
    keep = torch.tensor(1 - mom, dtype=values.dtype)
    W = torch.where(k >= 0, mom * keep ** k.clamp(min=0), torch.zeros((), dtype=values.dtype))
    # every value from j = 0 on gets mom*(1-mom)^age, and values[0] also gets the leftover (1-mom)^t:
    # the sum should start at j = 1, so values[0] is counted twice
    return W @ values + keep ** t.to(values.dtype) * values[0]


def ewma_index_off_by_one(values, mom):
    avg, out = values[0], []
    for i in range(len(values)):
        avg = torch.lerp(avg, values[i - 1], mom)   # off by one: values[i - 1] (values[-1], the last, at i = 0)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNDividesByRsqrt(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / torch.rsqrt(v + self.eps) * self.mult + self.add   # rsqrt is already 1/std: multiplies by the std


class LNSqrtOfStd(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        s = x.std((1, 2, 3), keepdim=True, correction=0)                   # already the standard deviation ...
        return (x - m) / (s + self.eps).sqrt() * self.mult + self.add       # ... and its square root taken again


class LNAddStartsAtOne(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.add = nn.Parameter(torch.tensor(1.))                          # copy-pasted from the mult line

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNChannelMeanItemVar(_LNBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)                                   # InstanceNorm's mean line: one per channel
        v = x.var((1, 2, 3), keepdim=True, correction=0)                   # the item's variance (about the item's mean)
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

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalBatchMean(_BNBase):
    def forward(self, x):
        m = x.mean((0, 2, 3), keepdim=True)                  # computed before the branch ...
        if self.training:
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            v = self.vars                                    # ... and in eval only v is replaced: the batch's mean stays
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNMeansStartAtOne(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('means', torch.ones(1, nf, 1, 1))   # copy-pasted from the vars line


class BNBesselInverted(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * (n - 1) / n, self.mom)       # Bessel's factor upside down: n / (n - 1) meant


class BNKeepsLastBatch(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                 # running stats = the last batch's; mom never used
            self.means.copy_(m)
            self.vars.copy_(x.var((0, 2, 3), keepdim=True))


class BNUpdateArgsSwapped(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, v, m)                             # update(x, m, v) called with v and m swapped
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


class INMultsIndexedByItem(_INBase):
    def forward(self, x):
        outs = []
        for i, xi in enumerate(x):                                        # xi: (C, H, W)
            m = xi.mean((1, 2), keepdim=True)
            v = xi.var((1, 2), keepdim=True, correction=0)
            outs.append((xi - m) / (v + self.eps).sqrt() * self.mults[i] + self.adds[i])   # [i] is the item, not the channel
        return torch.stack(outs)


class INVarAboutGlobalMean(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = ((x - x.mean()) ** 2).mean((2, 3), keepdim=True)             # dims forgotten on the inner mean: the whole batch's
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCountHTimesH(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        m = x.sum((2, 3), keepdim=True) / (h * h)                         # typo: h * h, meant h * w
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / (h * h)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNTrueDivision(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c / self.groups, h, w)               # / gives a float: meant c // self.groups
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((2, 3, 4), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNViewBackHWSwapped(_GNBase):
    def forward(self, x):
        n, c, w, h = x.shape                                              # names swapped: w holds the height
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds   # (N, C, W, H)


class GNSliceOneTooMany(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = torch.empty_like(x)
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg + 1)                        # off by one: one channel past the group
            xs = x[:, sl]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, sl] = (xs - m) / (v + self.eps).sqrt()                 # the extra channel is overwritten by the next group
        return out * self.mults + self.adds


class GNStatsOverGroupsAxis(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(1, keepdim=True)                                      # typo: dim 1 (across the groups), meant -1
        v = xg.var(1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_avg_never_updated", "check_ewma", ewma_avg_never_updated,
     "Appends torch.lerp(avg, v, mom) but never assigns it back to avg, so every output is lerp(values[0], v_t, mom): no memory past the first value."),
    ("ewma_debiased_from_first", "check_ewma", ewma_debiased_from_first,
     "Starts from values[0] (so there is no bias) and still divides by Adam's 1 - (1-mom)^(t+1): output 0 is values[0]/mom and every later one is inflated."),
    ("ewma_closed_form_first_twice", "check_ewma", ewma_closed_form_first_twice,
     "Closed form whose sum of mom*(1-mom)^age starts at j = 0 instead of 1 while values[0] also gets the leftover (1-mom)^t: values[0] is counted twice and the weights sum to 1 + mom*(1-mom)^t."),
    ("ewma_index_off_by_one", "check_ewma", ewma_index_off_by_one,
     "Lerps towards values[i - 1] instead of values[i]: every output lags one value, and the first one lerps towards values[-1], the last value."),
    ("ln_divides_by_rsqrt", "check_layernorm", LNDividesByRsqrt,
     "Divides by torch.rsqrt(v + eps), which is already 1/std, so it multiplies the centred values by sqrt(v + eps)."),
    ("ln_sqrt_of_std", "check_layernorm", LNSqrtOfStd,
     "Takes x.std (already the standard deviation) and then (std + eps).sqrt(): divides by the square root of the std, not by sqrt(var + eps)."),
    ("ln_add_starts_at_one", "check_layernorm", LNAddStartsAtOne,
     "Initialises add to 1 (the mult line copy-pasted), so a fresh layer's output is shifted by +1; the forward itself is right."),
    ("ln_channel_mean_item_var", "check_layernorm", LNChannelMeanItemVar,
     "Subtracts a per-(item, channel) mean over dims (2, 3), InstanceNorm's, but divides by the item's std over (1, 2, 3)."),
    ("bn_eval_batch_mean", "check_batchnorm", BNEvalBatchMean,
     "Computes the batch mean before the if and only replaces v in eval: eval subtracts the batch's own mean but divides by the running std."),
    ("bn_means_start_at_one", "check_batchnorm", BNMeansStartAtOne,
     "Registers the means buffer as ones (copy-pasted from vars), so the running mean starts at 1 instead of 0."),
    ("bn_bessel_inverted", "check_batchnorm", BNBesselInverted,
     "Multiplies the biased variance by (n-1)/n instead of n/(n-1) before updating the running var, so it stores a doubly-shrunk variance."),
    ("bn_keeps_last_batch", "check_batchnorm", BNKeepsLastBatch,
     "Overwrites the running stats with the last batch's mean and unbiased var (copy_) every step: no moving average, mom unused."),
    ("bn_update_args_swapped", "check_batchnorm", BNUpdateArgsSwapped,
     "Calls its update(x, m, v) helper as update(x, v, m): the running mean tracks the batch variance and the running var tracks the (Bessel-scaled) batch mean."),
    ("in_mults_indexed_by_item", "check_instancenorm", INMultsIndexedByItem,
     "Loops over items and scales item i by self.mults[i] / self.adds[i]: the item index picks one channel's parameters for the whole item."),
    ("in_var_about_global_mean", "check_instancenorm", INVarAboutGlobalMean,
     "Subtracts the per-(item, channel) mean but computes the variance about x.mean() (the whole batch's mean), adding (channel mean - batch mean)^2 to it."),
    ("in_count_h_times_h", "check_instancenorm", INCountHTimesH,
     "Divides the sums by h*h instead of h*w (typo), so mean and variance are scaled by w/h; right only for square images."),
    ("gn_true_division", "check_groupnorm", GNTrueDivision,
     "Writes c / self.groups (a float) in x.view(...), which raises a TypeError; c // self.groups meant."),
    ("gn_view_back_hw_swapped", "check_groupnorm", GNViewBackHWSwapped,
     "Unpacks n, c, w, h = x.shape and views back as (n, c, h, w): the output has shape (N, C, W, H), wrong for non-square input."),
    ("gn_slice_one_too_many", "check_groupnorm", GNSliceOneTooMany,
     "Slices each group as channels g*cpg to (g+1)*cpg + 1: every group but the last takes its statistics over one extra channel, the next group's first."),
    ("gn_stats_over_groups_axis", "check_groupnorm", GNStatsOverGroupsAxis,
     "Reduces over dim 1 of the (n, groups, -1) view instead of -1: each set is the `groups` values at the same offset in each group (one group: output is just adds)."),
]


# ================================================================= RIGHT answers

def ewma_parallel_scan(values, mom):
    """A Hillis-Steele parallel prefix scan of the affine steps avg_t = (1-mom)*avg_{t-1} + mom*v_t: log2(n) doublings."""
    b = values * mom
    b[0] = values[0]                                   # the first average is the first value
    a = torch.full_like(values, 1 - mom)
    a[0] = 0                                           # nothing before it
    shift = 1
    while shift < len(values):
        b = torch.cat([b[:shift], b[shift:] + a[shift:] * b[:-shift]])
        a = torch.cat([a[:shift], a[shift:] * a[:-shift]])
        shift *= 2
    return b


class LNMatmulStats(nn.Module):
    """Each item flattened to a row; the mean as a matmul with a column of 1/n, the sum of squares as a batched dot product."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        xf = x.flatten(1)                                                  # (N, K)
        k = xf.shape[1]
        col = torch.full((k, 1), 1 / k, dtype=x.dtype, device=x.device)
        d = xf - xf @ col                                                  # centred rows
        v = (d.unsqueeze(1) @ d.unsqueeze(2)).view(-1, 1) / k              # (N, 1): sum of squares / K
        return (d * torch.rsqrt(v + self.eps)).view_as(x) * self.mult + self.add


class BNTransposedRowsSliceAssign(nn.Module):
    """One row per channel via transpose(0, 1); running stats written by slice assignment; the running var from rows.var's
    default (unbiased) directly."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            rows = x.transpose(0, 1).reshape(x.shape[1], -1)               # (C, N*H*W)
            v, m = torch.var_mean(rows, 1, correction=0)
            with torch.no_grad():
                self.means[0, :, 0, 0] = torch.lerp(self.means[0, :, 0, 0], m, self.mom)
                self.vars[0, :, 0, 0] = torch.lerp(self.vars[0, :, 0, 0], rows.var(1), self.mom)
            m, v = m[:, None, None], v[:, None, None]
        else:
            m, v = self.means[0], self.vars[0]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAdaptivePool(nn.Module):
    """Mean and variance per item and channel with F.adaptive_avg_pool2d(·, 1)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        m = F.adaptive_avg_pool2d(x, 1)
        v = F.adaptive_avg_pool2d((x - m).square(), 1)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNBlockAverageMatrix(nn.Module):
    """Per-channel means averaged within groups by a block-diagonal (C, C) matrix; no view of x at all."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        cpg = c // self.groups
        grp = torch.arange(c, device=x.device) // cpg
        A = (grp[:, None] == grp[None, :]).to(x.dtype) / cpg              # averages each channel's group
        gm = x.mean((2, 3)) @ A                                            # (N, C): each channel's group mean
        d = x - gm[:, :, None, None]
        gv = d.square().mean((2, 3)) @ A                                   # (N, C): each channel's group variance
        return d / (gv[:, :, None, None] + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_parallel_scan", "check_ewma", ewma_parallel_scan,
     "Hillis-Steele parallel prefix scan of the affine recurrence (log2 n doublings with torch.cat)."),
    ("ln_matmul_stats", "check_layernorm", LNMatmulStats,
     "mean as a matmul with a 1/n column, sum of squares as a batched (1,K)@(K,1) product, rsqrt."),
    ("bn_transposed_rows_slice_assign", "check_batchnorm", BNTransposedRowsSliceAssign,
     "x.transpose(0,1).reshape(C,-1) rows, var_mean, running stats by slice assignment of torch.lerp, running var from rows.var(1)."),
    ("in_adaptive_pool", "check_instancenorm", INAdaptivePool,
     "F.adaptive_avg_pool2d(x, 1) for the mean and for the mean of squared deviations."),
    ("gn_block_average_matrix", "check_groupnorm", GNBlockAverageMatrix,
     "per-channel means multiplied by a block-diagonal (C,C) group-averaging matrix; no view of x."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
