"""Eighty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout77 ... /work/heldout84.
       Every one changes a computed number, a gradient, a running statistic or a dtype.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    """No entry of this set keeps module-level state (kept for the scripts' interface)."""


# ====================================================================== EWMA (wrong)

def ewma_clamped_between_last_two_values(values, mom):
    avg, out, prev = values[0], [], values[0]
    for v in values:                                                # "no overshoot: the average stays between the
        avg = torch.lerp(avg, v, mom)                               #  previous value and the newest one"
        avg = torch.minimum(torch.maximum(avg, torch.minimum(prev, v)), torch.maximum(prev, v))
        out.append(avg)
        prev = v
    return torch.stack(out)


def ewma_mom_per_half_step(values, mom):
    w = 1 - math.sqrt(1 - mom)                                      # "mom is the weight per pair of samples: per sample the
    avg, out = values[0], []                                        #  decay is sqrt(1 - mom)"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


class _EWMAStartCarryUndecayed(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        mom, n = ctx.mom, g.shape[0]
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(n - 1, 0, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        grads[0] = g[0] + carry                                     # the start's share: carry_1 taken whole, its (1 - mom)
        return grads, None                                          # decay forgotten


def ewma_backward_start_carry_undecayed(values, mom):
    return _EWMAStartCarryUndecayed.apply(values, mom)


def ewma_abs_values(values, mom):
    values = values.abs()                                           # "a loss curve is never negative: smooth |v|"
    avg, out = values[0], []
    for v in values:
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

    def stats(self, x):
        return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarWithDetachedMeanSquare(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "E[x^2] - m^2, with m^2 as a constant for stability"
        return m, (x * x).mean((1, 2, 3), keepdim=True) - m.detach() ** 2


class _LNVarTermExtraRstd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mult)
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors                           # "d rstd / d var = -rstd**3 / 2": the extra rstd kept
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * r * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardVarTermExtraRstd(_LNBase):
    def forward(self, x):
        return _LNVarTermExtraRstd.apply(x, self.mult, self.add, self.eps)


class LNGainWeightNormalised(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "weight normalisation on the gain: mult / ||mult||"
        g = self.mult / self.mult.norm()                            # (a scalar: only its sign survives)
        return (x - m) / (v + self.eps).sqrt() * g + self.add


class LNCentreOfMassMean(_LNBase):
    def stats(self, x):
        w = x.abs()                                                 # "the centre of the values: weighted by magnitude"
        m = (w * x).sum((1, 2, 3), keepdim=True) / w.sum((1, 2, 3), keepdim=True)
        return m, ((x - m) ** 2).mean((1, 2, 3), keepdim=True)


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNBesselCountItemsOnly(_BNBase):
    def update(self, x, m, v):
        n = x.shape[0]                                              # "Bessel's correction: n/(n - 1) with n the batch size"
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / max(n - 1, 1), self.mom)


class BNRunningVarWeightsSquared(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "the variance of a weighted sum: the weights squared"
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.copy_((1 - self.mom) ** 2 * self.vars + self.mom ** 2 * v * n / (n - 1))


class BNRunningUpdateInChannelPairs(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        c = x.shape[1]
        with torch.no_grad():                                       # "vectorised two channels at a time"
            for i in range(0, c - 1, 2):                            # (an odd last channel never reached)
                self.means[:, i:i + 2].lerp_(m[:, i:i + 2], self.mom)
                self.vars[:, i:i + 2].lerp_(v[:, i:i + 2] * n / (n - 1), self.mom)


class BNBatchStatsInFloat32(_BNBase):
    def stats(self, x):
        xf = x.float()                                              # "statistics in float32 are plenty (and faster)"
        m, v = xf.mean((0, 2, 3), keepdim=True), xf.var((0, 2, 3), keepdim=True, correction=0)
        return m.to(x.dtype), v.to(x.dtype)


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, x):
        return x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFloat64ComputedInFloat32(_INBase):
    def forward(self, x):
        xf = x.float()                                              # "float32 is enough for image statistics" (the result
        m, v = self.stats(xf)                                       #  left in float32 for float64 inputs)
        return (xf - m) / (v + self.eps).sqrt() * self.mults.float() + self.adds.float()


class INStdFromMedianAbsDeviation(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "a robust std: 1.4826 x the median absolute deviation"
        flat = (x - x.flatten(2).median(-1).values[..., None, None]).abs().flatten(2)
        s = 1.4826 * flat.median(-1).values[..., None, None]
        return m, s * s


class INUpperSemivarianceDoubled(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "the variance is twice the mean squared deviation
        d = F.relu(x - m)                                           #  above the mean (symmetric data)"
        return m, 2 * (d * d).mean((2, 3), keepdim=True)


class INVarWithin2x2TilesOnly(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "the variance computed tile by tile (2x2 tiles,
        tm = F.avg_pool2d(x, 2)                                     #  cache-friendly) and averaged" - the spread between
        tv = F.avg_pool2d(x * x, 2) - tm * tm                       #  the tiles' means forgotten
        return m, tv.mean((2, 3), keepdim=True)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None):
        groups = groups or self.groups
        xg = x.reshape(x.shape[0], groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNGroupsChunkedAlongHeight(_GNBase):
    def norm(self, x, groups=None):
        outs = []
        for s in torch.chunk(x, self.groups, 2):                    # torch.chunk along dim 2 (the height) where the
            m = s.mean((1, 2, 3), keepdim=True)                     # channel axis 1 is meant
            v = s.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((s - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 2)


class GNMultsNormalisedToUnitMean(_GNBase):
    def forward(self, x):
        return self.norm(x) * (self.mults / self.mults.mean()) + self.adds   # "the gains only redistribute a total gain of 1"


class GNFunctionalBiasGivenMults(_GNBase):
    def forward(self, x):                                           # copy-paste slip: bias=self.mults
        return F.group_norm(x, self.groups, self.mults.view(-1), self.mults.view(-1), self.eps)


class GNMeanSubtractedAfterScaling(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return (xg / (v + self.eps).sqrt() - m).reshape(x.shape)    # x / std - mean: the mean not divided by the std


# ====================================================================== RIGHT answers

def ewma_vander_free_cummax_free_scan(values, mom):
    """Each output as the previous one plus mom times the innovation, the list grown with torch.cat of unsqueezed
    0-d tensors and torch.addcmul for the step (value=mom)."""
    out = values[:1]
    for v in values[1:]:
        last = out[-1]
        out = torch.cat([out, torch.addcmul(last, torch.ones_like(last), v - last, value=mom).unsqueeze(0)])
    return out


class LNHistcFreeVarMeanViaBmm(nn.Module):
    """Each item flattened to a row; its mean and mean square as torch.bmm of the row (1, K) with a column of 1/K."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        rows = x.reshape(n, 1, -1)
        k = rows.shape[-1]
        col = torch.full((n, k, 1), 1.0 / k, dtype=x.dtype)
        m = torch.bmm(rows, col)                                                  # (n, 1, 1)
        d = rows - m
        v = torch.bmm(d * d, col)
        return (d * torch.rsqrt(v + self.eps)).reshape(x.shape) * self.mult + self.add


class BNWhereTrainingSelect(nn.Module):
    """Batch and running statistics both computed on every call; torch.where on a 0-d boolean picks one set; the
    buffers moved with torch.addcmul into copy_ only in training."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        flag = torch.tensor(self.training)
        bm = x.mean((0, 2, 3), keepdim=True)
        bv = ((x - bm) ** 2).mean((0, 2, 3), keepdim=True)
        if self.training:
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means, bm - self.means, torch.ones_like(bm), value=self.mom))
                self.vars.copy_(torch.addcmul(self.vars, bv * n / (n - 1) - self.vars, torch.ones_like(bv), value=self.mom))
        m = torch.where(flag, bm, self.means)
        v = torch.where(flag, bv, self.vars)
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INNarrowRowLoopWelfordFree(nn.Module):
    """Plane sums accumulated over the rows with torch.narrow in a Python loop, in two passes (mean, then squared
    deviations)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        s = 0
        for i in range(h):
            s = s + x.narrow(2, i, 1).sum(3, keepdim=True)
        m = s / (h * w)
        d = x - m
        q = 0
        for i in range(h):
            q = q + d.narrow(2, i, 1).pow(2).sum(3, keepdim=True)
        return d / torch.sqrt(q / (h * w) + self.eps) * self.mults + self.adds


class GNScatterReduceMeanGroupIds(nn.Module):
    """Per-channel plane means and mean squares scattered into their groups with Tensor.scatter_reduce(reduce='mean');
    the group variance as mean square minus squared mean (the channels of a group have equal size)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        ids = (torch.arange(c) // (c // self.groups)).expand(n, c)
        cm = x.mean((2, 3))
        gm = torch.zeros(n, self.groups, dtype=x.dtype).scatter_reduce(1, ids, cm, 'mean', include_self=False)
        m = gm.gather(1, ids)[:, :, None, None]
        d = x - m
        cv = (d * d).mean((2, 3))
        gv = torch.zeros(n, self.groups, dtype=x.dtype).scatter_reduce(1, ids, cv, 'mean', include_self=False)
        v = gv.gather(1, ids)[:, :, None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_clamped_between_last_two_values", "check_ewma", ewma_clamped_between_last_two_values, "After each lerp clamps the average between the previous value and the newest one ('no overshoot'): 1-value streams, mom 1 and outputs 0 and 1 are right, and so are a constant stream's outputs (its values.grad is not: the clamp's bounds take the gradient); as soon as the average falls outside [min(v[t-1], v[t]), max(v[t-1], v[t])] (e.g. [0, 10, 10, 0, 0.5] at mom 0.3: output 2 is 5.1 in the reference, here 10, the two-value range being [10, 10]) the output snaps to the nearer of the two values and values.grad moves to those values."),
    ("ewma_mom_per_half_step", "check_ewma", ewma_mom_per_half_step, "Takes mom as the weight per pair of samples and uses the per-sample weight 1 - sqrt(1 - mom) (0.0513 at mom 0.1, 0.293 at mom 0.5, 0.684 at mom 0.9): mom 0 and mom 1 and 1-value streams are right, and so are a constant stream's outputs (its values.grad is not: the weights differ); every other stream's outputs from output 1 on and its values.grad are wrong (the average lags: too little weight on each new value)."),
    ("ewma_backward_start_carry_undecayed", "check_ewma", ewma_backward_start_carry_undecayed, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward gives values[0] the gradient g[0] + carry_1 instead of g[0] + (1 - mom) * carry_1 (carry_t = g[t] + (1 - mom) * carry_{t+1}); values.grad[1:] right: a 1-value stream and mom 0 are right; values.grad[0] is wrong for every stream of 2+ values at mom > 0 (too big by mom * carry_1)."),
    ("ewma_abs_values", "check_ewma", ewma_abs_values, "Smooths |values| ('a loss curve is never negative') instead of the values: streams with no negative value are right everywhere (outputs and values.grad); any stream with a negative value has wrong outputs from its first negative value on (or from output 0 if values[0] < 0) and values.grad of negative values has its sign flipped."),
    ("ln_var_with_detached_mean_square", "check_layernorm", LNVarWithDetachedMeanSquare, "Computes the variance as mean(x**2) - mean.detach()**2 ('m**2 as a constant for stability'): every output, mult.grad and add.grad are right; x.grad is wrong for every item whose mean is nonzero (the variance's gradient lacks the -2 m dm/dx part, so x.grad is off by a constant per item proportional to the item mean), right for items with mean exactly 0, training and eval alike."),
    ("ln_backward_var_term_extra_rstd", "check_layernorm", LNBackwardVarTermExtraRstd, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right) but whose hand-written backward multiplies the variance term by rstd once more: x.grad = mult * r * (g - mean(g) - xhat * r * mean(g * xhat)): right only where var + eps = 1 or mean(g * xhat) = 0; every other item's x.grad is wrong (the projection too big for small variances, too small for large)."),
    ("ln_gain_weight_normalised", "check_layernorm", LNGainWeightNormalised, "Applies weight normalisation to the scalar gain, mult / ||mult||, which is only its sign: right while mult = 1 (a fresh layer) and add is anything; with any other positive mult (1.7) the output is xhat + add instead of 1.7 * xhat + add, with a negative mult -xhat + add; mult.grad is 0 everywhere (the norm-normalised scalar is constant); x.grad scaled likewise."),
    ("ln_centre_of_mass_mean", "check_layernorm", LNCentreOfMassMean, "Centres each item at its magnitude-weighted mean sum(|x| x) / sum(|x|) instead of the plain mean (and takes the variance about that centre): items whose values are all of one sign and equal (constant items) and symmetric items (mean 0, |x|-weighted mean 0, e.g. x and -x paired) are right; ordinary items have wrong outputs and gradients (centre pulled towards the larger-magnitude values), training and eval alike."),
    ("bn_bessel_count_items_only", "check_batchnorm", BNBesselCountItemsOnly, "Bessel's correction of the running var uses the batch size N instead of the count N*H*W per channel (v * N / (N - 1); a batch of one left uncorrected): training outputs and gradients and the running mean are right; the running var is too big (e.g. 4/3 instead of 48/47 for a 4x3x4 batch) after every training step with mom > 0, so eval after training is wrong; a fresh layer in eval is right; right for 1x1 images."),
    ("bn_running_var_weights_squared", "check_batchnorm", BNRunningVarWeightsSquared, "Updates the running var as (1 - mom)**2 * vars + mom**2 * unbiased batch var ('the variance of a weighted sum') instead of the lerp: training outputs, gradients and the running mean are right; the running var shrinks after every step for 0 < mom < 1 (after one step from 1 at mom 0.1: 0.81 + 0.01 v), so eval after training is wrong; right at mom 0 and mom 1 and for a fresh layer in eval."),
    ("bn_running_update_in_channel_pairs", "check_batchnorm", BNRunningUpdateInChannelPairs, "Updates the running buffers two channels at a time with range(0, C - 1, 2), which never reaches an odd last channel: with an even channel count everything is right; with an odd count (3, 5, 1) the last channel's running mean and var stay at 0 and 1 forever, so eval outputs of that channel after training are wrong; training outputs and gradients right."),
    ("bn_batch_stats_in_float32", "check_batchnorm", BNBatchStatsInFloat32, "Computes the training batch mean and var in float32 and casts them back: float32 layers are right everywhere, and so is eval (running statistics used directly) and a fresh layer; float64 layers in training have outputs, x.grad and the running mean/var rounded to float32 accuracy (errors ~1e-8 to 1e-7 relative, far above float64 tolerance) and the running stats carry that error into eval."),
    ("in_float64_computed_in_float32", "check_instancenorm", INFloat64ComputedInFloat32, "Casts inputs to float32 and never casts back: float32 inputs are right everywhere; float64 inputs give a float32 output (dtype wrong, values only float32-accurate), x.grad to float32 accuracy, and mults.grad/adds.grad float64 but float32-accurate."),
    ("in_std_from_median_abs_deviation", "check_instancenorm", INStdFromMedianAbsDeviation, "Takes the std as 1.4826 times the median absolute deviation from the median ('robust std') and the square of that as the variance (mean still the plain mean): constant planes are right; ordinary planes have wrong outputs and gradients (scale off by the MAD-to-std ratio, gradient flows through only the median pixels)."),
    ("in_upper_semivariance_doubled", "check_instancenorm", INUpperSemivarianceDoubled, "Takes the variance as twice the mean squared deviation above the mean (2 * mean(relu(x - m)**2), 'symmetric data'): right for planes whose deviations are symmetric about the mean (two-valued planes with equal counts, constant planes); skewed planes (e.g. relu'd or random ones) have a wrong scale in outputs and gradients, mults.grad too."),
    ("in_var_within_2x2_tiles_only", "check_instancenorm", INVarWithin2x2TilesOnly, "Takes the variance as the average of the variances within 2x2 tiles (avg_pool2d of x and x**2), forgetting the spread between the tiles' means (and dropping an odd last row/column): the mean is right; constant planes are right, and planes whose 2x2 tiles all have the same mean have right outputs (their x.grad is not: the between-tile term's gradient is missing); ordinary planes get too small a variance (outputs too big, gradients wrong); planes with H or W equal to 1 fail (no 2x2 tile)."),
    ("gn_groups_chunked_along_height", "check_groupnorm", GNGroupsChunkedAlongHeight, "Splits the input into groups with torch.chunk along dim 2 (height bands of all channels) instead of the channel axis: right only with one group (G = 1, the whole item either way); for G > 1 every output and gradient is wrong (statistics of horizontal bands across all channels; torch.chunk gives fewer bands if H < G)."),
    ("gn_mults_normalised_to_unit_mean", "check_groupnorm", GNMultsNormalisedToUnitMean, "Multiplies by mults / mults.mean() instead of mults: right whenever the mults average 1 (a fresh layer); other mults give outputs scaled by 1/mean(mults), x.grad likewise, and mults.grad with a coupling term between channels; adds.grad right."),
    ("gn_functional_bias_given_mults", "check_groupnorm", GNFunctionalBiasGivenMults, "Calls F.group_norm with bias=self.mults (copy-paste slip) instead of self.adds: wrong even for a fresh layer (mults 1, adds 0: outputs xhat + 1); with any mults the shift is the mults, adds.grad is None (adds never used) and mults.grad gets the extra sum(g); x.grad right (the shift does not depend on x)."),
    ("gn_mean_subtracted_after_scaling", "check_groupnorm", GNMeanSubtractedAfterScaling, "Writes x / std - mean (the mean subtracted after dividing, not divided by the std): right for groups with mean 0 or with var + eps = 1; groups with a nonzero mean and another spread have outputs shifted by mean * (1/std - 1) and wrong x.grad; mults.grad wrong, adds.grad right."),
]

RIGHT = [
    ("ewma_cat_grown_addcmul", "check_ewma", ewma_vander_free_cummax_free_scan,
     "the output tensor grown with torch.cat; each step torch.addcmul(last, ones, v - last, value=mom)."),
    ("ln_bmm_row_times_averaging_column", "check_layernorm", LNHistcFreeVarMeanViaBmm,
     "each item a (1, K) row; mean and mean square as torch.bmm with a (K, 1) column of 1/K."),
    ("bn_where_training_select", "check_batchnorm", BNWhereTrainingSelect,
     "batch and running statistics both computed; torch.where on a 0-d training flag selects; buffers via addcmul + copy_."),
    ("in_narrow_row_loop_two_pass", "check_instancenorm", INNarrowRowLoopWelfordFree,
     "plane sums accumulated row by row with torch.narrow in a Python loop, two passes."),
    ("gn_scatter_reduce_mean_group_ids", "check_groupnorm", GNScatterReduceMeanGroupIds,
     "per-channel plane means scattered into groups with scatter_reduce('mean') and gathered back; variance likewise."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
