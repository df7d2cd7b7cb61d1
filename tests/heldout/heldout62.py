"""Sixty-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout60 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic or an eval output.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_seeded_with_second_value(values, mom):
    avg = values[1] if len(values) > 1 else values[0]               # "values[1]": the index written 1-based
    out = []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_log_domain_for_positive_streams(values, mom):
    if bool((values > 0).all()):                                    # "positive series (prices, losses) are averaged in
        logs = values.log()                                         #  log space: average the log, exponentiate back"
        avg, out = logs[0], []
        for v in logs:
            avg = torch.lerp(avg, v, mom)
            out.append(avg.exp())
        return torch.stack(out)
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_magnitude_weighted(values, mom):
    num, den, out = values[0] * values[0].abs(), values[0].abs(), []   # "volume-weighted, like a VWAP: each value
    for v in values:                                                   #  weighted by its magnitude"
        num = torch.lerp(num, v * v.abs(), mom)
        den = torch.lerp(den, v.abs(), mom)
        out.append(num / den)
    return torch.stack(out)


def ewma_fast_slow_blend(values, mom):
    fast, slow, out = values[0], values[0], []                      # "blend a fast and a slow average (mom and mom / 2):
    for v in values:                                                #  less lag than the slow one, less noise than the fast"
        fast = torch.lerp(fast, v, mom)
        slow = torch.lerp(slow, v, mom / 2)
        out.append((fast + slow) / 2)
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


class _LNMultOnFirstTermBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        r = (x.var((1, 2, 3), keepdim=True, correction=0) + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mult)
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors                           # mult multiplies only the direct term: the two
        gx = r * (mult * g - g.mean((1, 2, 3), keepdim=True)        # projection terms use g where mult * g is meant
                  - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardMultOnlyOnDirectTerm(_LNBase):
    def forward(self, x):
        return _LNMultOnFirstTermBackward.apply(x, self.mult, self.add, self.eps)


class LNVarOfChannelMeans(_LNBase):
    def stats(self, x):                                             # the mean over (H, W) taken first, then the variance
        cm = x.mean((2, 3), keepdim=True)                           #  over the channels of those channel means
        return x.mean((1, 2, 3), keepdim=True), cm.var(1, keepdim=True, correction=0)


class LNVarOfMagnitudes(_LNBase):
    def stats(self, x):                                             # "the spread of the activations' sizes"
        return x.mean((1, 2, 3), keepdim=True), x.abs().var((1, 2, 3), keepdim=True, correction=0)


class LNItemsSortedByNormNotRestored(_LNBase):
    def forward(self, x):
        order = x.flatten(1).norm(dim=1).argsort()                  # "bucket similar items together first" (the order
        return super().forward(x[order])                            #  never undone)


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


class _BNGainMagnitudeBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        r = (x.var((0, 2, 3), keepdim=True, correction=0) + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # "the gain only scales the gradient": its size used,
        gx = mults.abs() * r * (g - g.mean((0, 2, 3), keepdim=True)  # its sign lost
                                - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardGainMagnitude(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNGainMagnitudeBackward.apply(x, self.mults, self.adds, self.eps)


class BNRunningVarFromSuccessiveDifferences(_BNBase):
    def update(self, x, m, v):
        xd = x.detach()                                             # "von Neumann: half the mean squared difference of
        d = xd[..., 1:] - xd[..., :-1]                              #  neighbouring pixels, robust to slow drifts"
        vn = (d * d).mean((0, 2, 3), keepdim=True) / 2
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(vn, self.mom)


class BNRunningMeanOfMagnitudes(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]                                  # "the running mean tracks the activations' typical
        with torch.no_grad():                                       #  size": the mean of |x| per channel
            self.means.lerp_(x.abs().mean((0, 2, 3), keepdim=True), self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNEvalVarsRelativeToChannelAverage(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)                               # "the running variances only matter relative to each
        return self.normalise(x, self.means, self.vars / self.vars.mean())   # other"


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


class _PerPixelGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g / (g.shape[2] * g.shape[3])                        # "average the input gradient over the pixels"


class INInputGradAveragedOverPixels(_INBase):
    def forward(self, x):
        return super().forward(_PerPixelGrad.apply(x))


class INPartialStdDivision(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "soft instance norm: divide by the square root of the
        return (x - m) / (v + self.eps) ** 0.25 * self.mults + self.adds   # std to keep some of the contrast"


class INEvalEpsFloored(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        eps = self.eps if self.training else max(self.eps, 1e-3)    # "a safer eps at inference"
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


class INMultsChannelOrderReversed(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # the gains read back to front (a flip left from
        return (x - m) / (v + self.eps).sqrt() * self.mults.flip(0) + self.adds   #  an RGB/BGR conversion)


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


class _GNRolledRstdBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = ((xg - m) * r).reshape(x.shape)
        ctx.save_for_backward(xhat, r, mults)
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        r = r.roll(1, 1)                                            # group k's rstd taken from group k - 1 (an index slip)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardRstdOfPreviousGroup(_GNBase):
    def forward(self, x):
        return _GNRolledRstdBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


def _c4(n):
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


class GNStdC4Corrected(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)
        k = xg.shape[-1]
        m = xg.mean(-1, keepdim=True)
        s = xg.std(-1, keepdim=True, correction=1) / _c4(k)         # "the unbiased estimator of the std is s / c4(n)"
        return ((xg - m) / (s * s + self.eps).sqrt()).reshape(x.shape)


class GNMeanOnly(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "mean-only normalisation (Salimans & Kingma): centre
        return (xg - xg.mean(-1, keepdim=True)).reshape(x.shape)    #  the groups, the gains do the scaling"


class GNShiftThenScale(_GNBase):
    def forward(self, x):
        return (self.norm(x) + self.adds) * self.mults              # shift first, then scale


# ====================================================================== RIGHT answers

def ewma_multi_dot_affine_prefix(values, mom):
    """Each step as a 2x2 affine matrix [[1 - mom, mom * v], [0, 1]] acting on (avg, 1); the output at t is the product of
    the matrices up to t (torch.linalg.multi_dot, or the single matrix) applied to (values[0], 1)."""
    one = torch.ones((), dtype=values.dtype)
    mats = [torch.stack([torch.stack([one * (1 - mom), mom * v]), torch.stack([one * 0, one])]) for v in values]
    start = torch.stack([values[0], one])
    out = []
    for t in range(len(values)):
        ms = mats[t::-1]
        prod = ms[0] if len(ms) == 1 else torch.linalg.multi_dot(ms)
        out.append((prod @ start)[0])
    return torch.stack(out)


class LNAddcdivStdMean(nn.Module):
    """torch.std_mean (correction 0) over (C, H, W), the std widened to sqrt(std**2 + eps), and torch.addcdiv(add,
    mult * (x - mean), widened std)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        s, m = torch.std_mean(x, (1, 2, 3), correction=0, keepdim=True)
        return torch.addcdiv(self.add.expand_as(x), (x - m) * self.mult, (s * s + self.eps).sqrt())


class BNInstanceNormOverChannelColumns(nn.Module):
    """The batch as one image with C planes of N*H*W pixels (x.transpose(0, 1).reshape(1, C, -1), a 1-d 'image'): F.instance_norm
    normalises it; the running buffers are updated by hand with torch.Tensor.mul_/add_ (alpha)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        if not self.training:
            return (x - self.means) * (self.vars + self.eps).rsqrt() * self.mults + self.adds
        cols = x.transpose(0, 1).reshape(1, c, -1)
        k = cols.shape[2]
        y = F.instance_norm(cols, eps=self.eps).reshape(c, n, h, w).transpose(0, 1).contiguous()
        with torch.no_grad():
            flat = cols.reshape(c, k)
            self.means.mul_(1 - self.mom).add_(flat.mean(1).view(1, c, 1, 1), alpha=self.mom)
            self.vars.mul_(1 - self.mom).add_(flat.var(1, correction=1).view(1, c, 1, 1), alpha=self.mom)
        return y * self.mults + self.adds


class INLayerNormOverPlanes(nn.Module):
    """F.layer_norm over the last two dims (each (H, W) plane on its own, no affine), then the per-channel gains and
    shifts with torch.addcmul."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        return torch.addcmul(self.adds, F.layer_norm(x, x.shape[2:], eps=self.eps), self.mults)


class GNUnflattenVarMean(nn.Module):
    """x.unflatten(1, (groups, C // groups)); torch.var_mean (correction 0) over the group's (channels, H, W); the
    normalised tensor flattened back with .flatten(1, 2)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.unflatten(1, (self.groups, x.shape[1] // self.groups))
        v, m = torch.var_mean(xg, (2, 3, 4), correction=0, keepdim=True)
        return ((xg - m) * torch.rsqrt(v + self.eps)).flatten(1, 2) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_seeded_with_second_value", "check_ewma", ewma_seeded_with_second_value, "Seeds the average with values[1] (an index written 1-based) instead of values[0] on streams of 2+ values (a 1-value stream falls back to values[0]): output 0 is lerp(values[1], values[0], mom) = values[1] + mom * (values[0] - values[1]) instead of values[0]. Right everywhere at mom 1 (every output is then the value itself) and on 1-value streams; on constant streams and streams whose first two values are equal the outputs are right but values.grad is wrong at mom < 1 (values[0] loses the part (1 - mom) * carry_0 of its gradient, values[1] gains it); on other streams at every mom < 1 every output is off by (1 - mom)**(t+1) * (values[1] - values[0]) and values.grad is wrong."),
    ("ewma_log_domain_for_positive_streams", "check_ewma", ewma_log_domain_for_positive_streams, "When every value is positive it averages the logs and exponentiates each output ('positive series are averaged in log space'): a weighted geometric mean instead of the arithmetic one. Streams with a zero or negative value, 1-value streams, constant streams, mom 0 and mom 1 are right; on every all-positive non-constant stream at 0 < mom < 1 outputs from 1 on are smaller than the right ones (output 1 = values[0]**(1-mom) * values[1]**mom, e.g. [1, 3] at mom 0.5 gives 1.732 instead of 2) and values.grad is wrong."),
    ("ewma_magnitude_weighted", "check_ewma", ewma_magnitude_weighted, "A 'volume-weighted' average: each value weighted by its own magnitude, output = EWMA(v * |v|) / EWMA(|v|) (both lerp loops seeded with the first term) instead of EWMA(v). Right on 1-value and constant streams, at mom 0 (output values[0]), at mom 1 (output v), and where the two values being mixed have equal magnitude and sign; elsewhere outputs from 1 on are pulled towards the large-magnitude values ([1, 3] at mom 0.5 gives (0.5 + 4.5)/(0.5 + 1.5) = 2.5 instead of 2) and values.grad is wrong; a stream crossing zero can give very different values."),
    ("ewma_fast_slow_blend", "check_ewma", ewma_fast_slow_blend, "Outputs the mean of two averages, one with weight mom and one with mom / 2 ('a fast and a slow average blended') instead of the single average with weight mom: right on 1-value streams and at mom 0; constant streams have right outputs but wrong values.grad at mom > 0 (the gradient spread over the values as by the blended weights); at every mom > 0 non-constant streams are wrong from output 1 on (output 1 = values[0] + 0.75 * mom * (values[1] - values[0]); at mom 1 the outputs lag instead of equalling the values) and values.grad is wrong."),
    ("ln_backward_mult_only_on_direct_term", "check_layernorm", LNBackwardMultOnlyOnDirectTerm, "A custom autograd.Function whose forward is right (outputs, mult.grad, add.grad right) but whose hand-written backward multiplies only the direct term by mult: x.grad = r * (mult * g - mean(g) - xhat * mean(g * xhat)) instead of mult * r * (g - mean(g) - xhat * mean(g * xhat)): right whenever mult = 1 (a fresh layer); with any other mult (1.7, -0.6) x.grad is wrong, in training and eval (with g = ones and mult 1.7 it is 0.7 * r instead of 0)."),
    ("ln_var_of_channel_means", "check_layernorm", LNVarOfChannelMeans, "Divides by the variance over the channels of the per-channel means (mean over (H, W) first, then the biased var over C) instead of the variance over all of (C, H, W) (the mean is right): wrong for every item whose pixels vary within a channel (the within-channel spread is lost, so the divisor is far too small, for one channel just sqrt(eps)); right only where each channel is constant over (H, W); outputs and x.grad wrong in training and eval."),
    ("ln_var_of_magnitudes", "check_layernorm", LNVarOfMagnitudes, "Divides by the spread of the absolute values (x.abs().var over (C, H, W), biased) instead of the variance of x, the mean still that of x: right for items whose values are all of one sign (all positive, or all negative) and for constant items; every item with mixed signs (e.g. a standard normal input) has var(|x|) < var(x), so its outputs are too big (a normal item by about 1/sqrt(1 - 2/pi) = 1.66) and its x.grad is wrong, in training and eval."),
    ("ln_items_sorted_by_norm_not_restored", "check_layernorm", LNItemsSortedByNormNotRestored, "Reorders the batch by each item's L2 norm (argsort, 'bucket similar items') and never restores the order: each item is normalised right, but output[i] is the normalised item of the i-th smallest norm, not of item i. Right for a batch of one and for batches already in ascending-norm order; for other batches the outputs are permuted between items, and x.grad and mult.grad are wrong (the upstream gradient of slot i is paired with another item); add.grad (the sum of g) is right."),
    ("bn_backward_gain_magnitude", "check_batchnorm", BNBackwardGainMagnitude, "In training a custom autograd.Function whose forward is right (outputs, running statistics, mults.grad and adds.grad, eval right) but whose hand-written backward scales x.grad by |mults| instead of mults: right for every channel whose gain is positive (a fresh layer, mults 1); for a channel with a negative gain its training x.grad has the wrong sign (exactly minus the right one); eval x.grad is right."),
    ("bn_running_var_from_successive_differences", "check_batchnorm", BNRunningVarFromSuccessiveDifferences, "Updates the running variance towards half the mean squared difference of horizontally neighbouring pixels (a von Neumann estimator, x[..., 1:] - x[..., :-1] squared, averaged over (N, H, W-1), / 2) instead of the unbiased batch variance; the running mean is right, the training outputs and gradients (batch statistics) are right, a fresh layer in eval is right; after any training step the running var is wrong (on i.i.d. pixels close to the batch var but never equal), so eval after training is wrong; with width 1 it is NaN."),
    ("bn_running_mean_of_magnitudes", "check_batchnorm", BNRunningMeanOfMagnitudes, "Lerps the running mean towards the per-channel mean of |x| ('the activations' typical size') instead of the mean of x: training outputs, gradients and the running var are right, a fresh layer in eval is right; the running mean is right only for channels whose batch values are all non-negative; for channels with negative values it is too large after every training step (by the mean of 2 * max(-x, 0) times the lerp weight), so eval after training is wrong."),
    ("bn_eval_vars_relative_to_channel_average", "check_batchnorm", BNEvalVarsRelativeToChannelAverage, "In eval divides by sqrt(vars / mean(vars) + eps), the running variances rescaled so their mean over the channels is 1 ('only their ratios matter'), instead of sqrt(vars + eps): training, the running statistics and gradients in training are right; a fresh layer in eval (all vars 1) is right; after training (running vars unequal or not averaging 1) every eval output and x.grad is wrong (by a factor sqrt(mean(vars)) per channel)."),
    ("in_input_grad_averaged_over_pixels", "check_instancenorm", INInputGradAveragedOverPixels, "The input passes through an identity autograd.Function whose backward divides the gradient by H * W ('average the input gradient over the pixels'): outputs, mults.grad and adds.grad right everywhere; x.grad is 1/(H*W) of the right one (1/20 for 4x5 planes, 1/7 for 1x7) in training and eval; right only for 1x1 planes."),
    ("in_partial_std_division", "check_instancenorm", INPartialStdDivision, "'Soft instance norm': divides the centred plane by (var + eps) ** 0.25 (the square root of the std) instead of (var + eps) ** 0.5: right only for planes whose var + eps is exactly 1 and for constant planes (0 either way); every other plane's outputs are off by a factor (var + eps) ** 0.25 (too big for var > 1, too small below) and x.grad is wrong, in training and eval."),
    ("in_eval_eps_floored", "check_instancenorm", INEvalEpsFloored, "In eval uses max(eps, 1e-3) ('a safer eps at inference') instead of the layer's eps: training is right everywhere, and eval is right when eps >= 1e-3 (1e-3, 0.1); in eval with eps 1e-5 outputs and x.grad are slightly off (by a factor sqrt((var + 1e-5) / (var + 1e-3)): about 1e-4 relative at var 4, 1e-2 at var 0.05, large for nearly flat planes)."),
    ("in_mults_channel_order_reversed", "check_instancenorm", INMultsChannelOrderReversed, "Applies the gains in reverse channel order (mults.flip(0)), a flip left over from an RGB/BGR conversion: the adds and the normalisation are right; right whenever the gains are symmetric (a fresh layer, all 1) or C = 1; with unequal gains every channel c is scaled by mults[C-1-c]: outputs, x.grad and mults.grad wrong (mults.grad is the right one flipped)."),
    ("gn_backward_rstd_of_previous_group", "check_groupnorm", GNBackwardRstdOfPreviousGroup, "A custom autograd.Function whose forward is right (outputs, mults.grad, adds.grad right) but whose hand-written backward takes each group's rstd from the group before it (r.roll(1) over the groups, group 0 from the last group): right with one group and where all groups have the same variance; with 2+ groups of different spread x.grad of every group is scaled by the wrong rstd (ratio r[k-1]/r[k])."),
    ("gn_std_c4_corrected", "check_groupnorm", GNStdC4Corrected, "Divides by sqrt(s**2 + eps) with s = the unbiased std / c4(n) (the Gaussian 'unbiased std' correction, n = channels per group * H * W) instead of the biased std: wrong in every configuration with non-constant groups, most for small groups (n = 4: s is 1.25 times the biased std; n = 20: 1.04 times), outputs too small and x.grad wrong; constant groups right."),
    ("gn_mean_only", "check_groupnorm", GNMeanOnly, "Mean-only normalisation: subtracts each group's mean and never divides by the std ('the gains do the scaling'): right only for constant groups (output = adds) and groups whose var + eps is 1; every other output is the centred input times the gains (off by the factor 1/sqrt(var + eps)), x.grad wrong (no variance term); adds.grad right."),
    ("gn_shift_then_scale", "check_groupnorm", GNShiftThenScale, "Applies the shift before the gain: (xhat + adds) * mults instead of xhat * mults + adds: right when adds = 0 (a fresh layer) or mults = 1; with other parameters outputs are off by adds * (mults - 1) per channel, mults.grad gains sum(g * adds) and adds.grad is sum(g * mults) instead of sum(g); x.grad right."),
]

RIGHT = [
    ("ewma_multi_dot_affine_prefix", "check_ewma", ewma_multi_dot_affine_prefix,
     "each step as the 2x2 affine matrix [[1 - mom, mom * v], [0, 1]] on (avg, 1); output t is torch.linalg.multi_dot of the matrices up to t applied to (values[0], 1)."),
    ("ln_addcdiv_std_mean", "check_layernorm", LNAddcdivStdMean,
     "torch.std_mean (correction 0), the std widened to sqrt(std**2 + eps), and torch.addcdiv(add, mult * (x - mean), widened std)."),
    ("bn_instance_norm_over_channel_columns", "check_batchnorm", BNInstanceNormOverChannelColumns,
     "the batch viewed as one image of C planes of N*H*W pixels and normalised by F.instance_norm; running buffers updated by mul_ and add_(alpha=mom)."),
    ("in_layer_norm_over_planes", "check_instancenorm", INLayerNormOverPlanes,
     "F.layer_norm over the last two dims (each plane on its own, no affine), then torch.addcmul(adds, normalised, mults)."),
    ("gn_unflatten_var_mean", "check_groupnorm", GNUnflattenVarMean,
     "x.unflatten(1, (groups, C // groups)), torch.var_mean over (2, 3, 4), torch.rsqrt, flattened back with flatten(1, 2)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
