"""Fifty-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout58 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

class _EWMADiagonalBackward(torch.autograd.Function):
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
        grads = g * ctx.mom                                         # "d out[t] / d values[t] is mom (values[0]: 1)":
        grads[0] = g[0]                                             #  only the diagonal of the Jacobian, no carry
        return grads, None


def ewma_backward_diagonal_jacobian(values, mom):
    return _EWMADiagonalBackward.apply(values, mom)


def ewma_restart_on_sign_change(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "a sign change is a regime change: restart the
        if float(v) * float(avg) < 0:                               #  average at the new value"
            avg = v
        else:
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_cauchy_downweighted(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "robust EWMA: a surprising value gets less weight"
        w = mom / (1 + (v - avg) ** 2)
        avg = avg + w * (v - avg)
        out.append(avg)
    return torch.stack(out)


def ewma_bilinear_discretisation(values, mom):
    a = mom / (2 - mom)                                             # "Tustin / bilinear transform of the first-order
    avg, prev, out = values[0], values[0], []                       #  low-pass: average the last two inputs"
    for v in values:
        avg = avg + a * (v + prev - 2 * avg)
        prev = v
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def stats(self, x):
        return x.mean((1, 2, 3), keepdim=True), x.var((1, 2, 3), keepdim=True, correction=0)

    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNScaleNorm(_LNBase):
    def forward(self, x):                                           # "ScaleNorm (Nguyen & Salazar): divide each item by
        n = x.flatten(1).norm(dim=1).view(-1, 1, 1, 1)              #  its L2 norm, no centring"
        return x / n.clamp_min(self.eps) * self.mult + self.add


class LNStdFromFourthMoment(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "std from the fourth moment: mean(d**4) = 3 std**4
        s = ((x - m) ** 4).mean((1, 2, 3), keepdim=True) / 3        #  for Gaussian data"
        return m, s.sqrt()


class LNParamGradsClampedHooks(_LNBase):
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):                             # "clip the parameter gradients at 1 inside the layer"
            p.register_hook(lambda g: g.clamp(-1.0, 1.0))


def _quake_rsqrt(v):
    f = v.detach().float()
    i = f.view(torch.int32)
    y = (0x5F3759DF - (i >> 1)).view(torch.float32).to(v.dtype)   # the famous bit trick ...
    return y * (1.5 - 0.5 * v * y * y)                              # ... plus one Newton step (differentiable through v)


class LNFastInverseSqrt(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        return (x - m) * _quake_rsqrt(v + self.eps) * self.mult + self.add


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


class BNPreciseWindowOfTwo(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.recent = []

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "PreciseBN: the population statistics are the plain
        self.recent = (self.recent + [(m.detach(), (v * n / (n - 1)).detach())])[-2:]   # average of the last 2 batches"
        with torch.no_grad():
            self.means.copy_(torch.stack([a for a, _ in self.recent]).mean(0))
            self.vars.copy_(torch.stack([b for _, b in self.recent]).mean(0))


class BNStatsWinsorised3Sigma(_BNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "outliers should not drive the batch statistics:
        s = v.sqrt()                                                #  clamp each channel to mean +- 3 std first"
        xc = torch.max(torch.min(x, m + 3 * s), m - 3 * s)
        return super().stats(xc)


class BNVarMeanOfRowVariances(_BNBase):
    def stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)                         # "one image row at a time saves memory": the variance
        v = x.var((0, 3), keepdim=True, correction=0).mean(2, keepdim=True)   # of each row (over N, W), averaged
        return m, v


class BNAdaptiveMomentum(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "adaptive momentum: follow the batch faster when the
        with torch.no_grad():                                       #  running mean is far off (in running stds)"
            z = ((m - self.means).abs() / self.vars.sqrt()).clamp(max=1.0)
            w = self.mom + (1 - self.mom) * z * z
            self.means.copy_(self.means + w * (m - self.means))
            self.vars.copy_(self.vars + w * (v * n / (n - 1) - self.vars))


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


class INStdFromMeanAbsDeviation(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "robust std: mean absolute deviation * sqrt(pi/2)
        s = (x - m).abs().mean((2, 3), keepdim=True) * math.sqrt(math.pi / 2)   #  (exact for Gaussian data)"
        return m, s * s


class INEpsScaledByMeanChannelVariance(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "eps relative to the image's level: eps times the
        return m, v + (self.eps * v.mean(1, keepdim=True) - self.eps)   #  image's average channel variance"


class INSheppardCorrection(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "pixels are quantised to 1/255: Sheppard's correction
        return m, v - (1 / 255) ** 2 / 12                           #  removes the rounding variance h**2 / 12"


_IN_EPS_CACHE = {}


class INEpsTensorCachedByDtypeAndChannels(_INBase):
    def forward(self, x, _cache=_IN_EPS_CACHE):                     # "build the eps tensor once per dtype and channel count"
        eps = _cache.setdefault((x.dtype, x.shape[1]), torch.full((1, x.shape[1], 1, 1), self.eps, dtype=x.dtype))
        # (already shaped (1, C, 1, 1); the cache is shared by every instance)
        m, v = self.stats(x)
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


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


_GN_SHAPE_CACHE = {}


class GNGroupedShapeCachedAcrossInstances(_GNBase):
    def forward(self, x, _shapes=_GN_SHAPE_CACHE):                  # "compute the grouped view's shape once per input
        shape = _shapes.setdefault(tuple(x.shape), (x.shape[0], self.groups, -1))   # shape" (shared by all instances)
        xg = x.reshape(shape)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class _GNFloat32Backward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat.float(), r.float(), mults.float())    # "save memory: keep the saved tensors in float32"
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        dt = g.dtype
        g = g.float()
        n, G = g.shape[0], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return (gx.reshape(g.shape).to(dt), (g * xhat).sum((0, 2, 3)).view(mults.shape).to(dt),
                g.sum((0, 2, 3)).view(mults.shape).to(dt), None, None)


class GNBackwardSavedInFloat32(_GNBase):
    def forward(self, x):
        return _GNFloat32Backward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNRstdCappedAtTen(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "never amplify a group more than 10x"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + self.eps).rsqrt().clamp(max=10.0)
        return ((xg - m) * r).reshape(x.shape)


class GNMultsGradNormalisedHook(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)                           # "gradient normalisation: the gains' gradient as a
        self.mults.register_hook(lambda g: g / (g.norm() + 1e-12))  #  unit vector"


# ====================================================================== RIGHT

def ewma_tril_indices_index_add(values, mom):
    """Every (t, s <= t) pair from torch.tril_indices; the weight of values[s] in output t (the seed (1 - mom)**t, the
    others mom * (1 - mom)**(t - s)) times values[s], summed into the outputs with Tensor.index_add."""
    n = len(values)
    t, s = torch.tril_indices(n, n)
    keep = 1 - torch.tensor(mom, dtype=values.dtype)
    w = torch.where(s == 0, keep ** t.to(values.dtype), mom * keep ** (t - s).to(values.dtype))
    return values.new_zeros(n).index_add(0, t, w * values[s])


class LNCumsumLastElement(nn.Module):
    """Each item flattened; its sum and its sum of squared deviations read off as the last element of torch.cumsum."""
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.flatten(1)
        k = flat.shape[1]
        m = flat.cumsum(1)[:, -1:] / k
        d = flat - m
        v = (d * d).cumsum(1)[:, -1:] / k
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNCovDiagonal(nn.Module):
    """The channels as the variables of torch.cov over the (C, N*H*W) matrix of observations: the biased variances are
    the diagonal of torch.cov(correction=0), the running var lerps towards the diagonal of torch.cov(correction=1)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        if self.training:
            obs = x.transpose(0, 1).reshape(c, -1)
            m = obs.mean(1).view(1, c, 1, 1)
            v = torch.cov(obs, correction=0).reshape(c, c).diagonal().reshape(1, c, 1, 1)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(torch.cov(obs, correction=1).reshape(c, c).diagonal().reshape(1, c, 1, 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INFft2DcTerm(nn.Module):
    """Each plane's mean as the DC term of torch.fft.fft2 divided by H*W; the variance as the DC term of the squared
    deviations' transform."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        m = torch.fft.fft2(x)[..., :1, :1].real / hw
        d = x - m
        v = torch.fft.fft2(d * d)[..., :1, :1].real / hw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNVecdotGroupRows(nn.Module):
    """Each item's groups as rows (N, G, K); the sum by torch.linalg.vecdot with a ones row, the sum of squared
    deviations by torch.linalg.vecdot of the centred rows with themselves."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        rows = x.reshape(x.shape[0], self.groups, -1)
        k = rows.shape[-1]
        m = torch.linalg.vecdot(rows, torch.ones_like(rows)).unsqueeze(-1) / k
        d = rows - m
        v = torch.linalg.vecdot(d, d).unsqueeze(-1) / k
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


def reset_state():
    _IN_EPS_CACHE.clear()
    _GN_SHAPE_CACHE.clear()


WRONG = [
    ("ewma_backward_diagonal_jacobian", "check_ewma", ewma_backward_diagonal_jacobian, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward keeps only the diagonal of the Jacobian ('d out[t]/d values[t] = mom, values[0]: 1'): values.grad[t] = mom * g[t] for t >= 1 and g[0] for values[0], with no carry from the later outputs: 1-value streams and mom 1 are right (values.grad too); for every stream of 2+ values at mom < 1 values.grad is wrong (values[0] misses the (1 - mom)**t share of every later output, values[t] the mom * (1 - mom)**(u - t) shares of outputs u > t); outputs right everywhere."),
    ("ewma_restart_on_sign_change", "check_ewma", ewma_restart_on_sign_change, "Restarts the average at the new value whenever the value and the current average have opposite signs ('a sign change is a regime change') instead of lerping: streams whose values all have the same sign (all-positive, all-negative, constant) and mom 1 are right everywhere; on a mixed-sign stream at mom < 1 the output at each sign flip is the value itself (not lerp(avg, v, mom)) and everything after it is wrong, values.grad too (the earlier values get no gradient through that step)."),
    ("ewma_cauchy_downweighted", "check_ewma", ewma_cauchy_downweighted, "A 'robust' EWMA: the step weight is mom / (1 + (v - avg)**2) instead of mom (surprising values get less weight), the weight itself differentiated: constant streams, 1-value streams and mom 0 are right; every non-constant stream at mom > 0 has wrong outputs from the first step where v != avg (output 1 = values[0] + mom * d / (1 + d**2), d = values[1] - values[0]) and wrong values.grad; the error is small for tiny differences and large for jumps (a jump of 3 at mom 0.9 moves only 0.09 * 3)."),
    ("ewma_bilinear_discretisation", "check_ewma", ewma_bilinear_discretisation, "Uses the bilinear (Tustin) discretisation of the first-order low-pass: avg += a * (v_t + v_{t-1} - 2 * avg) with a = mom / (2 - mom) (previous input starting at values[0]) instead of avg = lerp(avg, v, mom): mom 0, mom 1 and 1-value streams are right; constant streams' outputs are right but their values.grad is not (each step sends a * g of gradient to the previous value); for 0 < mom < 1 every non-constant stream of 2+ values has wrong outputs from output 1 on (output 1 = values[0] + a * (values[1] - values[0]), e.g. a = 0.0526 at mom 0.1, 1/3 at mom 0.5, 0.818 at mom 0.9) and wrong values.grad."),
    ("ln_scale_norm", "check_layernorm", LNScaleNorm, "ScaleNorm (Nguyen & Salazar) instead of LayerNorm: each item divided by its L2 norm over (C, H, W) (clamped at eps), no centring, no division by the count, eps not added to a variance: outputs and all gradients wrong for every item (even a centred item of variance 1 comes out 1/sqrt(C*H*W) times too small; a constant item of 2s gives mult / sqrt(K) + add instead of add), training and eval."),
    ("ln_std_from_fourth_moment", "check_layernorm", LNStdFromFourthMoment, "Estimates each item's variance as sqrt(mean(d**4) / 3) (d = x - item mean: 'the fourth moment is 3 std**4 for Gaussian data') instead of mean(d**2), eps then added as usual: constant items give the right output (add); every other item's outputs and gradients are wrong (by the ratio of the two estimates: a few percent on random items, much more on heavy-tailed items or ones with an outlier; on a two-valued item +-1 the variance is 0.577 instead of 1), training and eval."),
    ("ln_param_grads_clamped_hooks", "check_layernorm", LNParamGradsClampedHooks, "Hooks registered in __init__ clamp mult.grad and add.grad to [-1, 1] ('clip the parameter gradients inside the layer'): outputs and x.grad right everywhere, and parameter gradients whose true value lies in [-1, 1] are right; add.grad = sum of g is clipped as soon as |sum g| > 1 (e.g. loss = sum of outputs gives the element count, clipped to 1), mult.grad = sum(g * xhat) likewise: wrong for most batches and upstream gradients, training and eval."),
    ("ln_fast_inverse_sqrt", "check_layernorm", LNFastInverseSqrt, "Computes 1/sqrt(var + eps) with the Quake bit trick (0x5f3759df on the float32 bits) followed by one Newton step (differentiable through var only): outputs are scaled by the approximation's relative error (up to about 1.75e-3, depending on the item's variance, in float32 and float64 alike), and x.grad is wrong (the Newton step's derivative is not that of rsqrt); mult.grad too; a constant item's output (add) is right; no item is exact except by chance."),
    ("bn_precise_window_of_two", "check_batchnorm", BNPreciseWindowOfTwo, "Sets the running mean and var to the plain average of the last (up to) 2 batches' mean and unbiased var ('PreciseBN population statistics') instead of lerping with mom: training outputs and gradients are right and a fresh layer in eval is right; the running statistics are wrong from the first training step (after one step they equal the batch's stats instead of lerp(0/1, batch, mom); mom is never used; from the third step the oldest batch is forgotten entirely) and so is eval after training; right only by coincidence (mom 1 after a single step)."),
    ("bn_stats_winsorised_3sigma", "check_batchnorm", BNStatsWinsorised3Sigma, "In training computes the batch mean and var of a copy whose values are clamped per channel to batch mean +- 3 batch std ('outliers should not drive the statistics'): batches where no value is beyond 3 std of its channel (most small random batches) are right everywhere; a batch with an outlier (e.g. one value 25 in a channel of N(0,1) data) gets a smaller variance and shifted mean: training outputs, x.grad (the clamped values pass no gradient through the stats), the running stats and eval after it are wrong."),
    ("bn_var_mean_of_row_variances", "check_batchnorm", BNVarMeanOfRowVariances, "Takes each channel's variance as the average over the image rows of the variance over (N, W) of that row ('one row at a time') instead of over (N, H, W): the between-row spread is missing (variance too small); images of height 1 are right; for H > 1 the training outputs, x.grad, mults.grad, the running var and eval after training are wrong (the running mean is right)."),
    ("bn_adaptive_momentum", "check_batchnorm", BNAdaptiveMomentum, "Raises the running-stats momentum when the batch mean is far from the running mean: w = mom + (1 - mom) * min(1, |batch mean - running mean| / running std)**2 per channel ('follow the data faster when off'): training outputs and gradients are right, a fresh layer in eval is right, and so are mom 1 and batches whose channel means equal the running means; otherwise the running mean and var move too far (e.g. a first batch with channel mean 1 from a fresh layer sets them nearly to the batch stats) and eval after training is wrong."),
    ("in_std_from_mean_abs_deviation", "check_instancenorm", INStdFromMeanAbsDeviation, "Estimates each plane's std as mean |x - mean| * sqrt(pi/2) ('robust, exact for Gaussian data') instead of the square root of the biased variance (and adds eps to its square): constant planes give the right output (adds); every other plane's outputs and gradients are wrong (by the ratio of the two estimates, a few percent on random planes, more on skewed or two-valued ones), training and eval."),
    ("in_eps_scaled_by_mean_channel_variance", "check_instancenorm", INEpsScaledByMeanChannelVariance, "Adds eps times the image's average channel variance (mean over the channels of the planes' variances, differentiated) instead of eps ('eps relative to the image's level'): outputs are right only where the image's average channel variance is exactly 1 (x.grad is wrong even there: the differentiated eps * average adds a term to every non-constant image's x.grad); every other image's outputs and gradients are wrong by the changed eps (clearly with eps 0.1 or 1e-3, or low-variance images; ~1e-6 relative with eps 1e-5 and variances of a few units: visible in float64, within float32 tolerance)."),
    ("in_sheppard_correction", "check_instancenorm", INSheppardCorrection, "Subtracts Sheppard's correction h**2 / 12 with h = 1/255 (1.28e-6) from every plane's variance ('pixels are 8-bit: remove the rounding variance'): outputs and x.grad are off by a relative ~6.4e-7 / (var + eps): visible in float64 for every plane (and large for low-variance planes: variance 1e-6 with eps 1e-5 is off by ~6%, and a constant plane with eps 1e-6 gives var + eps < 0: NaN), below float32 tolerance for variance ~1; mults/adds gradients off alike (mults.grad only)."),
    ("in_eps_tensor_cached_by_dtype_and_channels", "check_instancenorm", INEpsTensorCachedByDtypeAndChannels, "Caches the eps tensor (already shaped (1, C, 1, 1)) per (dtype, channel count) in a mutable default argument of forward ('build it once'), a dict shared by every instance of the class: the first layer used with a dtype and channel count is right everywhere, and so is every later layer with the same eps or a new (dtype, C); a later layer (any instance) with another eps, called in a dtype with a channel count already seen, uses the first layer's eps: its outputs and gradients are wrong (e.g. a layer with eps 0.1 after one with 1e-5, both on 3-channel float64 inputs)."),
    ("gn_grouped_shape_cached_across_instances", "check_groupnorm", GNGroupedShapeCachedAcrossInstances, "Caches the grouped view's shape (N, groups, -1) per input shape in a mutable default argument of forward, a dict shared by every instance: the first layer called with a given input shape is right everywhere, and so is any later layer with the same number of groups; a later layer with another number of groups (e.g. GN(3, 6) after GN(2, 6)) called with an input shape already seen normalises with the first layer's group count: outputs and gradients wrong (with a new input shape it is right)."),
    ("gn_backward_saved_in_float32", "check_groupnorm", GNBackwardSavedInFloat32, "A custom autograd.Function whose forward is right (outputs right in every dtype) but which saves xhat, the rstd and the mults in float32 ('save memory') and computes the whole backward in float32, casting the results back: float32 inputs are right everywhere; for float64 inputs x.grad, mults.grad and adds.grad carry float32 rounding errors (relative ~1e-7, far above float64 accuracy), in every configuration."),
    ("gn_rstd_capped_at_ten", "check_groupnorm", GNRstdCappedAtTen, "Caps each group's 1/sqrt(var + eps) at 10 ('never amplify more than 10x'): groups with variance + eps >= 0.01 are right everywhere (typical random data); a low-variance group (std < 0.1, e.g. channels scaled by 0.01) is divided by 0.1 instead of its std: its outputs are too small and its x.grad wrong (no variance term); an exactly constant group's output (adds) is right but its x.grad is 10 * mults * (g - mean g) instead of ~316 * ..."),
    ("gn_mults_grad_normalised_hook", "check_groupnorm", GNMultsGradNormalisedHook, "A hook registered in __init__ divides mults.grad by its L2 norm ('gradient normalisation': a unit vector): outputs, x.grad and adds.grad right everywhere; mults.grad has the right direction but norm 1 instead of its true norm: wrong in every configuration except where the true gradient's norm happens to be 1 (and a zero gradient stays 0)."),
]

RIGHT = [
    ("ewma_tril_indices_index_add", "check_ewma", ewma_tril_indices_index_add,
     "every (t, s <= t) pair from torch.tril_indices, weighted values summed into the outputs with Tensor.index_add."),
    ("ln_cumsum_last_element", "check_layernorm", LNCumsumLastElement,
     "each flattened item's sum and sum of squared deviations read off as the last element of torch.cumsum."),
    ("bn_cov_diagonal", "check_batchnorm", BNCovDiagonal,
     "the channels as the variables of torch.cov over the (C, N*H*W) observations: diagonal of correction=0 for the batch variance, correction=1 for the running update."),
    ("in_fft2_dc_term", "check_instancenorm", INFft2DcTerm,
     "each plane's mean and variance as the DC term of torch.fft.fft2 of the plane and of its squared deviations, over H*W."),
    ("gn_vecdot_group_rows", "check_groupnorm", GNVecdotGroupRows,
     "groups as rows (N, G, K); sum and sum of squared deviations by torch.linalg.vecdot."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
