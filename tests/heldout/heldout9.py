"""Ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout8 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_mom_flipped_each_step(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
        mom = 1 - mom                                             # "convert the convention": belongs before the loop, not in it
    return torch.stack(out)


def ewma_weights_by_position(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    W = torch.tril((mom * (1 - mom) ** t)[None, :].expand(n, n))  # weight of value j: mom*(1-mom)**j (its position, not its age t - j)
    W = W.clone()
    W[:, 0] = (1 - mom) ** t                                       # values[0] keeps (1-mom)**t
    return W @ values


def ewma_written_one_slot_early(values, mom):
    out = values.clone()
    avg = values[0]
    for i in range(1, len(values)):
        avg = torch.lerp(avg, values[i], mom)
        out[i - 1] = avg                                           # out[i] meant
    return out


def ewma_com_convention(values, mom):
    alpha = 1 / (1 + mom)                                          # mom read as pandas' centre of mass (ewm(com=mom))
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, alpha)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNMeanAbsDeviation(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        spread = (x - m).abs().mean((1, 2, 3), keepdim=True)          # mean absolute deviation as "the spread"
        return (x - m) / (spread + self.eps) * self.mult + self.add


class LNSecondMomentMinusMean(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = (x * x).mean((1, 2, 3), keepdim=True) - m                 # E[x^2] - m: m ** 2 meant
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNExpScale(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult.exp() + self.add   # "log-scale" mult, but mult still starts at 1


class LNSqrtSplitOverSum(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v.sqrt() + self.eps ** 0.5) * self.mult + self.add   # sqrt(v + eps) "split" as sqrt(v) + sqrt(eps)


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))


class BNBesselPerImage(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x[0, 0].numel()                                        # values per channel of ONE image (H*W): the batch forgotten
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNViewAfterPermute(_BNBase):
    def forward(self, x):
        c = x.shape[1]
        if self.training:
            rows = x.permute(1, 0, 2, 3).view(c, -1)                  # view on a permuted (non-contiguous) tensor: reshape meant
            m = rows.mean(1).view(1, c, 1, 1)
            v = rows.var(1, correction=0).view(1, c, 1, 1)
            n = rows.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNVarInTwoSteps(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean(0, keepdim=True).mean((2, 3), keepdim=True)    # two steps: fine for the mean ...
            v = x.var(0, keepdim=True, correction=0).mean((2, 3), keepdim=True)   # ... not for the variance
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBatchOfOneUsesRunning(_BNBase):
    def forward(self, x):
        if self.training and len(x) > 1:                              # "a batch of one has no batch statistics"
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
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


class INAffineTwice(_INBase):
    def scale_shift(self, x): return x * self.mults + self.adds

    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return self.scale_shift((x - m) / (v + self.eps).sqrt())     # the helper already scales and shifts ...

    def forward(self, x):
        return self.scale_shift(self.norm(x))                         # ... and forward does it again


class INDebiasByWidth(_INBase):
    def forward(self, x):
        k = x.shape[-1]                                               # "the count": the width only, not H*W
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True) * (k - 1) / k                 # unbiased var "made biased" with the wrong count
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFlatViewVarDim1(_INBase):
    def forward(self, x):
        xf = x.view(x.shape[0], x.shape[1], -1)
        m = xf.mean(-1, keepdim=True)
        v = xf.var(1, keepdim=True, correction=0)                     # dim 1 (the channels) where -1 was meant
        return ((xf - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class INVarDimsFromLayerNorm(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = ((x - m) ** 2).mean((1, 2, 3), keepdim=True)              # dims copied from LayerNorm on this line
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNItemMeanGroupVar(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        m = x.mean((1, 2, 3)).view(n, 1, 1)                           # the item's mean (LayerNorm's line) ...
        xg = x.view(n, self.groups, -1)
        v = xg.var(-1, keepdim=True, correction=0)                    # ... with each group's own variance
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNSliceOnBatchDim(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        outs = []
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            xs = x[sl]                                                 # x[:, sl] meant: this slices the items
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((x[:, sl] - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


class GNGroupStatsNotSpread(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1).view(n, -1, 1, 1)                              # (n, groups, 1, 1): never spread to the channels
        v = xg.var(-1, correction=0).view(n, -1, 1, 1)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNLazyParams(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps                            # nf unused: parameters made from the first input

    def forward(self, x):
        if not hasattr(self, 'mults'):
            c = x.shape[1]
            self.mults = nn.Parameter(torch.ones(c, 1, 1, dtype=x.dtype, device=x.device))
            self.adds = nn.Parameter(torch.zeros(c, 1, 1, dtype=x.dtype, device=x.device))
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_mom_flipped_each_step", "check_ewma", ewma_mom_flipped_each_step,
     "mom = 1 - mom inside the loop (a convention conversion put in the loop body): the newest value's weight alternates mom, 1-mom, mom, ... (step t uses mom at even t, 1-mom at odd t); output 0 is values[0]; right at mom 0.5 and for streams of 1 value."),
    ("ewma_weights_by_position", "check_ewma", ewma_weights_by_position,
     "Closed form whose weight for value j (1 <= j <= t) is mom*(1-mom)^j (its position) instead of mom*(1-mom)^(t-j) (its age); values[0] keeps the right (1-mom)^t: the newest value gets mom*(1-mom)^t instead of mom, the oldest (j = 1) the largest, and the weights do not sum to 1 from output 1 on; right only for a stream of one value."),
    ("ewma_written_one_slot_early", "check_ewma", ewma_written_one_slot_early,
     "Writes the average after values[i] into out[i - 1] (out a clone of values): outputs 0..n-2 are the right averages 1..n-1 (each one step early), and the last output is the raw last value; right for one value."),
    ("ewma_com_convention", "check_ewma", ewma_com_convention,
     "Reads mom as pandas' centre of mass: the newest value's weight is 1/(1 + mom) (0.909 at mom 0.1, 0.667 at 0.5), not mom; a proper lerp recurrence from values[0] otherwise; right for one value and constant streams."),
    ("ln_mean_abs_deviation", "check_layernorm", LNMeanAbsDeviation,
     "Divides the centred values by the mean absolute deviation |x - m| averaged over (1, 2, 3), plus eps outside, instead of sqrt(var + eps): centred, but its spread comes out about 1.25 (sqrt(pi/2) for Gaussian data), not 1."),
    ("ln_second_moment_minus_mean", "check_layernorm", LNSecondMomentMinusMean,
     "Variance as mean(x^2) - m instead of mean(x^2) - m^2: it adds m^2 - m to the true variance; right only for items whose mean is 0 or 1; NaN when var + m^2 - m + eps < 0 (0 < m < 1 with small variance)."),
    ("ln_exp_scale", "check_layernorm", LNExpScale,
     "Scales by mult.exp() (a log-scale parameterisation) while mult still starts at 1: a fresh layer's output is e = 2.718 times the normalised values; for any mult the scale is exp(mult), and mult's gradient is exp(mult) times the right one; add is right."),
    ("ln_sqrt_split_over_sum", "check_layernorm", LNSqrtSplitOverSum,
     "Divides by sqrt(v) + sqrt(eps) (sqrt of a sum 'split' into a sum of sqrts): too small a spread by about sqrt(eps)/std (0.3% at eps 1e-5, 30% at eps 0.1 for std 1)."),
    ("bn_bessel_per_image", "check_batchnorm", BNBesselPerImage,
     "Bessel's factor n/(n-1) with n = H*W (x[0, 0].numel(), the values per channel of one image) instead of N*H*W: running var slightly too big for batches > 1; right for batch 1; training output and running mean right."),
    ("bn_view_after_permute", "check_batchnorm", BNViewAfterPermute,
     "x.permute(1, 0, 2, 3).view(C, -1): view on the permuted (non-contiguous) tensor raises RuntimeError 'view size is not compatible with input tensor's size and stride' in training for every batch > 1; right for batch 1 (and in eval)."),
    ("bn_var_in_two_steps", "check_batchnorm", BNVarInTwoSteps,
     "Variance in two steps: each position's variance over the batch (dim 0), then averaged over H and W: it leaves out the spread between positions' means, so it is too small (0 for batch 1, giving x centred / sqrt(eps)); the mean is right; running var built from the same wrong variance."),
    ("bn_batch_of_one_uses_running", "check_batchnorm", BNBatchOfOneUsesRunning,
     "if self.training and len(x) > 1: a training batch of one item is normalised with the running statistics and never updates them (though it has H*W values per channel); right for batches > 1 and in eval."),
    ("in_affine_applied_twice", "check_instancenorm", INAffineTwice,
     "Applies mults and adds twice (a helper that already scales and shifts, then forward again): returns (xn * mults + adds) * mults + adds; a fresh layer's output is right (mults 1, adds 0), but its mults and adds gradients are doubled (2*sum(g*xn), 2*sum(g)); output wrong for any other mults/adds."),
    ("in_debias_by_width", "check_instancenorm", INDebiasByWidth,
     "Takes the unbiased variance over (2, 3) and 'unbiases it back' with (k-1)/k, k = W (the width) instead of H*W: the variance it divides by is the biased one times HW(W-1)/((HW-1)W), too small (0.842 for H=4, W=5; 0.75 for 3x3); right only for H = 1."),
    ("in_flat_view_var_dim1", "check_instancenorm", INFlatViewVarDim1,
     "On the (N, C, H*W) view the mean is over -1 (right) but the variance over dim 1: at each position the variance across the channels (about their mean there), one divisor per (item, position) shared by all channels."),
    ("in_var_dims_from_layernorm", "check_instancenorm", INVarDimsFromLayerNorm,
     "Subtracts each (item, channel) mean over (2, 3) but the variance is mean((x - m)^2) over (1, 2, 3): the channels' within-channel variances pooled (averaged) over the item, one divisor per item; right where all channels of an item have the same variance."),
    ("gn_item_mean_group_var", "check_groupnorm", GNItemMeanGroupVar,
     "Subtracts the item's mean over (1, 2, 3) but divides by each group's own variance (about the group's mean): the groups are not centred; right with 1 group."),
    ("gn_slice_on_batch_dim", "check_groupnorm", GNSliceOnBatchDim,
     "Loops over groups slicing x[g*cpg:(g+1)*cpg] (dim 0: items) instead of x[:, ...] for the statistics: group g is normalised with the whole-item statistics (over C, H, W) of items g*cpg.. (per item when the slice holds all N items, one item's stats for every item when it holds 1); RuntimeError when a group's slice of items is empty (g*cpg >= N, e.g. 2 groups of 3 channels at batch 2); right with 1 group when N <= C."),
    ("gn_group_stats_not_spread", "check_groupnorm", GNGroupStatsNotSpread,
     "Group stats of shape (N, groups, 1, 1) subtracted from (N, C, H, W) without spreading them to the groups' channels: right with 1 group (broadcasts) and with groups == C (one channel per group), RuntimeError otherwise (size mismatch at dim 1)."),
    ("gn_lazy_params", "check_groupnorm", GNLazyParams,
     "Creates mults and adds in the first forward (from x's channels, dtype and device) instead of __init__: a freshly built layer has no parameters and no mults/adds attribute (AttributeError; an optimiser built before the first call never sees them); the outputs and gradients after the first call are right."),
]


# ================================================================= RIGHT answers

def ewma_affine_matrices(values, mom):
    """Each step as a 2x2 affine matrix in homogeneous coordinates [[1-mom, mom*v], [0, 1]]; the running product applied to [values[0], 1]."""
    P = torch.eye(2, dtype=values.dtype)
    start = torch.stack([values[0], torch.ones((), dtype=values.dtype)])
    outs = []
    for v in values:
        M = torch.eye(2, dtype=values.dtype)
        M[0, 0] = 1 - mom
        M[0, 1] = mom * v
        P = M @ P
        outs.append((P @ start)[0])
    return torch.stack(outs)


class LNCentringMatrix(nn.Module):
    """Centring by the matrix I - 11^T/K on the flattened items; variance as the mean of squares of the centred rows."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        K = x[0].numel()
        flat = x.reshape(len(x), K)
        cm = torch.eye(K, dtype=x.dtype, device=x.device) - 1.0 / K
        xc = flat @ cm
        var = (xc * xc).sum(1, keepdim=True) / K
        return (xc / (var + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNGroupNormTransposed(nn.Module):
    """Training output by F.group_norm with one group on x.transpose(0, 1) (each channel an 'item'); running stats from
    torch.var_mean(correction=1) written with torch.lerp(..., out=buffer); eval with rsqrt."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            xt = x.transpose(0, 1)
            y = F.group_norm(xt, 1, eps=self.eps).transpose(0, 1)
            with torch.no_grad():
                var_u, mean = torch.var_mean(xt.reshape(xt.shape[0], -1), dim=1, correction=1)
                torch.lerp(self.means, mean.view_as(self.means), self.mom, out=self.means)
                torch.lerp(self.vars, var_u.view_as(self.vars), self.mom, out=self.vars)
        else:
            y = (x - self.means) * torch.rsqrt(self.vars + self.eps)
        return y * self.mults + self.adds


class INSumToSize(nn.Module):
    """Per-(item, channel) sums by Tensor.sum_to_size(N, C, 1, 1)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        m = x.sum_to_size(n, c, 1, 1) / (h * w)
        d = x - m
        v = (d * d).sum_to_size(n, c, 1, 1) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNBatchNormGroupsAsChannels(nn.Module):
    """F.batch_norm (training=True, no running stats) on the (1, N*groups, C/groups*H*W) view: each (item, group) is a 'channel'."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        y = F.batch_norm(x.reshape(1, x.shape[0] * self.groups, -1), None, None, training=True, eps=self.eps)
        return y.reshape(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_affine_matrices", "check_ewma", ewma_affine_matrices,
     "each step a 2x2 affine matrix in homogeneous coordinates; the running matrix product applied to [values[0], 1]."),
    ("ln_centring_matrix", "check_layernorm", LNCentringMatrix,
     "the flattened items times the centring matrix I - 11^T/K; variance as the row sums of squares / K."),
    ("bn_group_norm_transposed", "check_batchnorm", BNGroupNormTransposed,
     "training output by F.group_norm(x.transpose(0, 1), 1); running stats by torch.var_mean(correction=1) and torch.lerp(out=buffer); eval with rsqrt."),
    ("in_sum_to_size", "check_instancenorm", INSumToSize,
     "per-(item, channel) sums by Tensor.sum_to_size(N, C, 1, 1)."),
    ("gn_batch_norm_groups_as_channels", "check_groupnorm", GNBatchNormGroupsAsChannels,
     "F.batch_norm(training=True, no running stats) on the (1, N*groups, -1) view, reshaped back, per-channel mults and adds."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
