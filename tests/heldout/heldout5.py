"""Fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       tests/wrong_answers.py, an earlier held-out set, heldout2.py, heldout3.py,
       heldout4.py or the brief's list of 15.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_lerp_twice(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        avg = avg + mom * (v - avg)            # the same step written out by hand, left in after trying torch.lerp
        out.append(avg)
    return torch.stack(out)


def ewma_warmup_cumulative(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):
        w = max(mom, 1 / (t + 1))              # "warm-up": a plain running mean until 1/(t+1) falls below mom
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_first_slot_left_zero(values, mom):
    out = torch.zeros_like(values)
    avg = values[0]                            # "the first average is the first value" ...
    for i in range(1, len(values)):            # ... so the loop starts at 1, and out[0] is never written
        avg = torch.lerp(avg, values[i], mom)
        out[i] = avg
    return out


def ewma_weights_one_and_mom(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = (avg + mom * v) / (1 + mom)      # weight 1 for the old average, mom for the new value, over their total
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNDimsOneToThree(_LNBase):
    def forward(self, x):
        m = x.mean((1, 3), keepdim=True)                                  # "dims 1 to 3" written as (1, 3)
        v = x.var((1, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNMeanSubtractedTwice(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        x = x - m                                                         # centred here, for the variance ...
        v = (x * x).mean((1, 2, 3), keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add     # ... and the mean subtracted again


class LNAddsMult(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.mult    # copy-paste typo: + self.mult, meant + self.add


class LNStatsViewedThreeDims(_LNBase):
    def forward(self, x):
        xf = x.flatten(1)
        m = xf.mean(1).view(-1, 1, 1)                                     # one 1 short: (N, 1, 1) lines up with (C, H, W)
        v = xf.var(1, correction=0).view(-1, 1, 1)
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


class BNBesselAllValues(_BNBase):
    def update(self, x, m, v):
        n = x.numel()                                        # every value of the batch: meant x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNEpsInRunningVar(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0) + self.eps   # eps folded into v once, for the sqrt below ...
            self.update(x, m, v)                                          # ... and so into the running var as well
            return (x - m) / v.sqrt() * self.mults + self.adds
        return (x - self.means) / (self.vars + self.eps).sqrt() * self.mults + self.adds


class BNEvalDebessel(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        n = x.numel() / x.shape[1]
        v = self.vars * (n - 1) / n                          # "training divided by the biased var, so undo Bessel here too"
        return (x - self.means) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalInPlaceSqrt(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return (x - self.means) / self.vars.add_(self.eps).sqrt_() * self.mults + self.adds   # add_/sqrt_ rewrite the buffer


class BNTrainDividesByRunningVar(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m = self.means
        return (x - m) / (self.vars + self.eps).sqrt() * self.mults + self.adds   # self.vars in both modes: v meant in training


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INVarRowsThenMean(_INBase):
    def forward(self, x):
        m = x.mean(3, keepdim=True).mean(2, keepdim=True)                 # the mean in two steps: right
        v = x.var(3, keepdim=True, correction=0).mean(2, keepdim=True)    # each row's variance, averaged over the rows
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INGroupNormGroupsBatch(_INBase):
    def forward(self, x):
        # "InstanceNorm is GroupNorm with one group per instance": len(x) is the batch size; x.shape[1] groups meant
        return F.group_norm(x, len(x), eps=self.eps) * self.mults + self.adds


class INPowInPlace(_INBase):
    def forward(self, x):
        d = x - x.mean((2, 3), keepdim=True)
        v = d.pow_(2).mean((2, 3), keepdim=True)                          # pow_ squares d itself ...
        return d / (v + self.eps).sqrt() * self.mults + self.adds         # ... so the squared deviations are normalised


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNCountPerItem(_GNBase):
    def forward(self, x):
        k = x[0].numel()                                                  # copied from a LayerNorm: values per item, not per group
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.sum(-1, keepdim=True) / k
        v = ((xg - m) ** 2).sum(-1, keepdim=True) / k
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNFunctionalParamShapes(_GNBase):
    def forward(self, x):
        return F.group_norm(x, self.groups, self.mults, self.adds, self.eps)   # weight and bias must be (nf,): these are (nf, 1, 1)


class GNTotalVarianceUnbiasedBetween(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        cm = x.mean((2, 3)).view(n, self.groups, cpg)                     # per-channel means and variances, grouped
        cv = x.var((2, 3), correction=0).view(n, self.groups, cpg)
        gm = cm.mean(-1)
        gv = cv.mean(-1) + cm.var(-1)                                     # law of total variance, but .var's default: unbiased
        gm = gm.repeat_interleave(cpg, 1)[:, :, None, None]
        gv = gv.repeat_interleave(cpg, 1)[:, :, None, None]
        return (x - gm) / (gv + self.eps).sqrt() * self.mults + self.adds


class GNLastItemStatsForAll(_GNBase):
    def forward(self, x):
        for xi in x:                                                      # each item's groups ...
            xg = xi.view(self.groups, -1)
            m = xg.mean(-1, keepdim=True)
            v = xg.var(-1, keepdim=True, correction=0)
        xg = x.view(x.shape[0], self.groups, -1)                          # ... but normalised after the loop (indent slip)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_lerp_twice", "check_ewma", ewma_lerp_twice,
     "Applies the update twice per value (torch.lerp and then the same step written by hand): each value is folded in with weight 1-(1-mom)^2 = 2mom - mom^2 instead of mom."),
    ("ewma_warmup_cumulative", "check_ewma", ewma_warmup_cumulative,
     "Uses weight max(mom, 1/(t+1)) at step t: a plain running mean of the values so far while 1/(t+1) > mom, an EWMA after that (right at mom 0.5, wrong at 0.1 and 0.3)."),
    ("ewma_first_slot_left_zero", "check_ewma", ewma_first_slot_left_zero,
     "Preallocates out = zeros_like(values) and loops from i = 1, never writing out[0]: output 0 is 0 instead of values[0]; every later output is right."),
    ("ewma_weights_one_and_mom", "check_ewma", ewma_weights_one_and_mom,
     "avg = (avg + mom*v) / (1 + mom): weight 1 on the old average and mom on the new value, normalised, so the newest value gets mom/(1+mom) instead of mom."),
    ("ln_dims_one_to_three", "check_layernorm", LNDimsOneToThree,
     "Statistics over dims (1, 3) (\"1 to 3\"): per item and row, over channels and width, the height left out; right only when H = 1."),
    ("ln_mean_subtracted_twice", "check_layernorm", LNMeanSubtractedTwice,
     "Reassigns x = x - m to get the variance, then returns (x - m)/sqrt(v + eps): the mean is subtracted twice, so the output is shifted by -m/sqrt(v + eps) per item (right only for items with mean 0)."),
    ("ln_adds_mult", "check_layernorm", LNAddsMult,
     "Returns ... * self.mult + self.mult (typo for + self.add): adds mult instead of add, so a fresh layer is shifted by +1 and add is never used (no gradient)."),
    ("ln_stats_viewed_three_dims", "check_layernorm", LNStatsViewedThreeDims,
     "Views the per-item stats as (N, 1, 1), one 1 short: they line up with (C, H, W), so channel c gets item c's mean and var; right for batch 1, RuntimeError unless N == C otherwise."),
    ("bn_bessel_all_values", "check_batchnorm", BNBesselAllValues,
     "Bessel's factor n/(n-1) with n = x.numel() (all values of the batch, every channel) instead of the values per channel: the running var is slightly too small."),
    ("bn_eps_in_running_var", "check_batchnorm", BNEpsInRunningVar,
     "Folds eps into v (v = var + eps) before both normalising and updating, so the running var stores (var + eps)*n/(n-1) and eval adds eps a second time."),
    ("bn_eval_debessel", "check_batchnorm", BNEvalDebessel,
     "In eval multiplies the running var by (n-1)/n (n = the eval batch's values per channel) before normalising: divides by the running var made biased, not the running var."),
    ("bn_eval_in_place_sqrt", "check_batchnorm", BNEvalInPlaceSqrt,
     "In eval divides by self.vars.add_(eps).sqrt_(): the first eval output is right but the running var buffer is overwritten with sqrt(var + eps), so it changes on each eval call and later eval outputs are wrong."),
    ("bn_train_divides_by_running_var", "check_batchnorm", BNTrainDividesByRunningVar,
     "Divides by sqrt(self.vars + eps) in both modes: training subtracts the batch mean but divides by the just-updated running std instead of the batch's std; eval is right."),
    ("in_var_rows_then_mean", "check_instancenorm", INVarRowsThenMean,
     "The variance is each row's variance (over the width) averaged over the rows: it leaves out the spread between the rows' means, so it is too small; the mean is right."),
    ("in_group_norm_groups_batch", "check_instancenorm", INGroupNormGroupsBatch,
     "F.group_norm(x, len(x)): len(x) is the batch size, so it makes N groups of C/N channels instead of C groups of 1 (per item over all channels for batch 1; RuntimeError when N does not divide C)."),
    ("in_pow_in_place", "check_instancenorm", INPowInPlace,
     "d.pow_(2) squares the centred values in place, so the returned d / sqrt(v + eps) normalises the squared deviations ((x - m)^2 / std, all >= 0) instead of x - m."),
    ("gn_count_per_item", "check_groupnorm", GNCountPerItem,
     "Divides the group sums by x[0].numel() (values per item, C*H*W) instead of per group: mean and variance too small by a factor `groups`; right with 1 group."),
    ("gn_functional_param_shapes", "check_groupnorm", GNFunctionalParamShapes,
     "Passes mults and adds of shape (nf, 1, 1) to F.group_norm, which needs (nf,): RuntimeError on every input."),
    ("gn_total_variance_unbiased_between", "check_groupnorm", GNTotalVarianceUnbiasedBetween,
     "Group variance = mean of the channel variances + .var() of the channel means, whose default is unbiased: the between-channel term is cpg/(cpg-1) times too big (NaN with 1 channel per group); right only where a group's channel means are equal."),
    ("gn_last_item_stats_for_all", "check_groupnorm", GNLastItemStatsForAll,
     "Computes each item's group statistics in a loop but normalises after it: every item is normalised with the last item's group means and variances (right for batch 1)."),
]


# ================================================================= RIGHT answers

def ewma_conv1d_deviation(values, mom):
    """Deviations from the first value filtered by F.conv1d with the kernel mom*(1-mom)^age (flipped for cross-correlation,
    left-padded), added back onto the first value."""
    n = len(values)
    d = values - values[0]                                             # d[0] = 0: the start needs no weight of its own
    k = mom * (1 - mom) ** torch.arange(n, dtype=values.dtype)        # weight of a value `age` steps old
    y = F.conv1d(F.pad(d.view(1, 1, -1), (n - 1, 0)), k.flip(0).view(1, 1, -1))
    return values[0] + y.view(-1)


class LNCovDiagonal(nn.Module):
    """Each item's biased variance as the diagonal of torch.cov over the flattened items (correction=0)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        xf = x.reshape(n, -1)
        v = torch.cov(xf, correction=0).reshape(n, n).diagonal().view(n, 1)   # (N, N) covariance of the items; diagonal: variances
        d = xf - xf.mean(1, keepdim=True)
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNViaInstanceNormTransposed(nn.Module):
    """x.transpose(0, 1) made one 'instance' whose channels are ours, each spanning N*H*W values, through F.instance_norm
    with views of the buffers as its running stats (use_input_stats only in training)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        xt = x.transpose(0, 1).reshape(1, c, -1)
        y = F.instance_norm(xt, self.means.view(c), self.vars.view(c), use_input_stats=self.training,
                            momentum=self.mom, eps=self.eps)
        return y.view(c, n, *x.shape[2:]).transpose(0, 1) * self.mults + self.adds


class INLayerNormLastTwoDims(nn.Module):
    """F.layer_norm over the last two dims (height, width) only, with no affine, then per-channel mults and adds."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-2:], eps=self.eps) * self.mults + self.adds


class GNAvgPool3d(nn.Module):
    """Channels made a depth axis: group means and mean squared deviations by F.avg_pool3d with a (C/groups, H, W) window."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        k = (cpg, h, w)
        x5 = x.unsqueeze(1)                                                # (N, 1, C, H, W)
        gm = F.avg_pool3d(x5, k, stride=k).repeat_interleave(cpg, dim=2)  # (N, 1, C, 1, 1)
        d = x5 - gm
        gv = F.avg_pool3d(d * d, k, stride=k).repeat_interleave(cpg, dim=2)
        return (d / (gv + self.eps).sqrt()).squeeze(1) * self.mults + self.adds


RIGHT = [
    ("ewma_conv1d_deviation", "check_ewma", ewma_conv1d_deviation,
     "deviations from values[0] filtered by F.conv1d with a flipped mom*(1-mom)^age kernel, left-padded, added back onto values[0]."),
    ("ln_cov_diagonal", "check_layernorm", LNCovDiagonal,
     "each item's biased variance as the diagonal of torch.cov(x.reshape(N, -1), correction=0)."),
    ("bn_via_instance_norm_transposed", "check_batchnorm", BNViaInstanceNormTransposed,
     "x.transpose(0,1).reshape(1, C, -1) through F.instance_norm with views of the buffers as running stats, use_input_stats=self.training."),
    ("in_layer_norm_last_two_dims", "check_instancenorm", INLayerNormLastTwoDims,
     "F.layer_norm(x, x.shape[-2:]) with no affine, then per-channel mults and adds."),
    ("gn_avg_pool3d", "check_groupnorm", GNAvgPool3d,
     "channels as a depth axis; group means and mean squared deviations by F.avg_pool3d with a (C/groups, H, W) window, repeat_interleave back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
