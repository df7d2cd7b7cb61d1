"""Fifty-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout56 (heldoutN.py).
       Every one changes a computed number, a gradient or a running statistic.
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

def ewma_innovation_clipped_at_one(values, mom):
    avg, out = values[0], []                                        # "robust smoothing: a single spike must not drag the
    for v in values:                                                #  average, so clip each innovation to [-1, 1]"
        avg = avg + mom * (v - avg).clamp(-1.0, 1.0)
        out.append(avg)
    return torch.stack(out)


def ewma_step_limited_to_avg_magnitude(values, mom):
    avg, out = values[0], []                                        # "never let one step move the average by more than
    for v in values:                                                #  its own size (a 100% relative change)"
        lim = avg.abs().detach()
        avg = avg + torch.maximum(torch.minimum(mom * (v - avg), lim), -lim)
        out.append(avg)
    return torch.stack(out)


def ewma_values_grad_divided_by_sqrt_length(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out = torch.stack(out)
    if out.requires_grad:                                           # "every output reuses the values: average the gradient
        n = len(values)                                             #  over the n outputs so it does not grow with n"
        out.register_hook(lambda g: g / math.sqrt(n))
    return out


def ewma_start_at_stream_median(values, mom):
    avg, out = values.median(), []                                  # "start from the stream's median, not one noisy value"
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


class LNDeepNormAlphaInside(_LNBase):
    alpha = 2.0

    def forward(self, x):                                           # "DeepNet: LN(alpha * x), alpha = 2"
        return super().forward(self.alpha * x)


class LNEvalUsesTrainingStatsEMA(_LNBase):
    def __init__(self, dummy, eps=1e-5, mom=0.1):
        super().__init__(dummy, eps)
        self.mom = mom
        self.register_buffer('m_ema', torch.zeros(()))
        self.register_buffer('v_ema', torch.ones(()))

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            with torch.no_grad():                                   # "like BatchNorm: keep running statistics in training
                self.m_ema.lerp_(m.mean().to(self.m_ema.dtype), self.mom)   #  and use them at inference"
                self.v_ema.lerp_(v.mean().to(self.v_ema.dtype), self.mom)
        else:
            m, v = self.m_ema.to(x.dtype), self.v_ema.to(x.dtype)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class _LNMeanOfG(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors
        d = (1, 2, 3)                                               # mean(g * xhat) written as mean(g)
        gx = mult * r * (g - g.mean(d, keepdim=True) - xhat * g.mean(d, keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardVarTermMeanOfG(_LNBase):
    def forward(self, x):
        return _LNMeanOfG.apply(x, self.mult, self.add, self.eps)


class LNMultThroughSoftplus(_LNBase):
    def forward(self, x):                                           # "keep the gain positive: softplus(mult)"
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * F.softplus(self.mult) + self.add


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


class BNMomLinearScalingRule(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        mom = min(1.0, self.mom * x.shape[0] / 32)                  # "linear scaling rule: mom was tuned for batch 32"
        with torch.no_grad():
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)


class BNVarMomHalved(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "the variance estimate is noisier: half the momentum"
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom / 2)


class BNRunningVarAddsMeanDrift(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "law of total variance: the spread about the running
            drift = (m - self.means) ** 2                           #  mean also includes how far the batch mean is from it"
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1) + drift, self.mom)


class _BNVarTermPerItem(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # the variance term's mean taken per item (over H, W)
        d = (0, 2, 3)
        gx = mults * r * (g - g.mean(d, keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum(d).view(mults.shape), g.sum(d).view(mults.shape), None


class BNBackwardVarTermPerItem(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNVarTermPerItem.apply(x, self.mults, self.adds, self.eps)


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


class INRstdRoundedToPowerOfTwo(_INBase):
    def forward(self, x):                                           # "shift-based normalisation: divide by a power of two"
        m, v = self.stats(x)
        r = torch.exp2(torch.round(torch.log2((v + self.eps).rsqrt())))
        return (x - m) * r * self.mults + self.adds


class INBilinearResizeStats(_INBase):
    def stats(self, x):                                             # "the mean is the image shrunk to one pixel"
        m = F.interpolate(x, size=(1, 1), mode='bilinear', align_corners=False)
        v = F.interpolate((x - m) ** 2, size=(1, 1), mode='bilinear', align_corners=False)
        return m, v


class INStatsAveragedWithPreviousFrame(_INBase):
    def stats(self, x):                                             # "video: neighbouring frames show the same scene,
        m, v = super().stats(x)                                     #  average each frame's statistics with the previous's"
        prev = torch.cat([m[:1], m[:-1]]), torch.cat([v[:1], v[:-1]])
        return (m + prev[0]) / 2, (v + prev[1]) / 2


class INMultsAbs(_INBase):
    def forward(self, x):                                           # "a gain's sign is meaningless: use |mults|"
        m, v = self.stats(x)
        return (x - m) / (v + self.eps).sqrt() * self.mults.abs() + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNMultsZeroInit(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.mults = nn.Parameter(torch.zeros(nf, 1, 1))            # "zero-init the gains (Goyal et al.)"


class GNMultsStandardisedPerGroup(_GNBase):
    def forward(self, x):                                           # "Weight Standardization goes with GroupNorm"
        w = self.mults
        wg = w.view(self.groups, -1)                                #  (per group)
        w = ((wg - wg.mean(1, keepdim=True)) / (wg.var(1, keepdim=True, correction=0) + 1e-5).sqrt()).view_as(self.mults)
        return self.norm(x) * w + self.adds


class GNStdFlooredAtOne(_GNBase):
    def norm(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        s = (v + self.eps).sqrt().clamp_min(1.0)                    # "never amplify a group: divide by at least 1"
        return ((xg - m) / s).reshape(x.shape)


class GNGroupVarGeometricMeanOfChannels(_GNBase):
    def norm(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        dc = (x.reshape(n, self.groups, c // self.groups, -1) - m[..., None]) ** 2
        v = dc.mean(-1).clamp_min(1e-30).log().mean(-1, keepdim=True).exp()   # "the geometric mean of the channels' spreads"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


# ====================================================================== RIGHT

def ewma_cartesian_prod_age_weights(values, mom):
    """Weights from torch.pow of a (t, s) age grid built with torch.cartesian_prod, masked by torch.ge; the start's
    weight is the remainder 1 - (sum of the value weights)."""
    n = values.shape[0]
    idx = torch.arange(n)
    ts = torch.cartesian_prod(idx, idx)
    age = (ts[:, 0] - ts[:, 1]).view(n, n).to(values.dtype)
    mask = (ts[:, 0] >= ts[:, 1]).view(n, n)
    w = torch.where(mask, mom * torch.pow(torch.tensor(1 - mom, dtype=values.dtype), age.clamp_min(0)),
                    torch.zeros((), dtype=values.dtype))
    start = torch.pow(torch.tensor(1 - mom, dtype=values.dtype), idx.to(values.dtype) + 1)
    return w @ values + start * values[0]


class LNCosineWithOnes(nn.Module):
    """Each item's mean from F.cosine_similarity with a ones vector (cos * |x| / sqrt(K)), the variance from the squared
    norm of the centred item."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        k = f.shape[1]
        ones = torch.ones_like(f)
        m = (f * ones).sum(1) / k
        d = f - m[:, None]
        v = torch.linalg.vector_norm(d, dim=1) ** 2 / k
        y = d / (v[:, None] + self.eps).sqrt()
        return y.view_as(x) * self.mult + self.add


class BNBlockDiagRows(nn.Module):
    """Channel sums by a (C, C*N) torch.block_diag of ones rows times the (C*N, H*W) channel-major rows; running buffers
    written with torch.Tensor.copy_ of an explicit (1 - mom) * old + mom * new."""
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
            rows = x.transpose(0, 1).reshape(c * n, h * w)
            blk = torch.block_diag(*[torch.ones(1, n, dtype=x.dtype)] * c)        # (C, C*N)
            k = n * h * w
            m = (blk @ rows).sum(1) / k
            d = x - m.view(1, c, 1, 1)
            v = (blk @ (d * d).transpose(0, 1).reshape(c * n, h * w)).sum(1) / k
            with torch.no_grad():
                self.means.copy_((1 - self.mom) * self.means + self.mom * m.view(1, c, 1, 1))
                self.vars.copy_((1 - self.mom) * self.vars + self.mom * (v * k / (k - 1)).view(1, c, 1, 1))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INTrapezoidEndCorrected(nn.Module):
    """Pixel sums from torch.trapezoid along the width plus half the two end columns (the trapezoid rule's end
    correction), then a plain sum over the rows."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    @staticmethod
    def _sum(t):
        s = torch.trapezoid(t, dim=3) + (t[..., 0] + t[..., -1]) / 2 if t.shape[3] > 1 else t[..., 0]
        return s.sum(2)[..., None, None]

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        m = self._sum(x) / hw
        d = x - m
        v = self._sum(d * d) / hw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNPointwiseConvMembership(nn.Module):
    """Group means by an ungrouped 1x1 F.conv2d with a (G, C, 1, 1) membership weight (1/cpg), averaged over the
    pixels, spread back to the channels by F.conv_transpose2d with the 0/1 membership."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        c, g = x.shape[1], self.groups
        cpg = c // g
        member = (torch.arange(c) // cpg == torch.arange(g)[:, None]).to(x.dtype)[..., None, None]   # (G, C, 1, 1)
        avg = lambda t: F.conv2d(t, member / cpg).mean((2, 3), keepdim=True)
        spread = lambda t: F.conv_transpose2d(t, member)
        m = spread(avg(x))
        d = x - m
        v = spread(avg(d * d))
        return d / (v + self.eps).sqrt() * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_innovation_clipped_at_one", "check_ewma", ewma_innovation_clipped_at_one, "Clips each innovation v - avg to [-1, 1] before the step (avg += mom * clamp(v - avg, -1, 1), 'a spike must not drag the average'): streams whose every innovation stays within 1 (small-amplitude streams, constant and 1-value streams) are right everywhere; wherever |v - avg| > 1 (a jump of 3 at any mom but 1, large-scale random streams) that output and the later ones are too small in the move, and values.grad is wrong (a clipped innovation passes no gradient: the value's gradient is 0 there and avg's factor is 1 instead of 1 - mom)."),
    ("ewma_step_limited_to_avg_magnitude", "check_ewma", ewma_step_limited_to_avg_magnitude, "Limits each step's move mom * (v - avg) to at most |avg| in size (detached; 'never move the average by more than 100% of itself'): streams whose every step is smaller than the current |avg| are right (e.g. positive streams near a level of 5: [5, 5.5, 4.8, ...]); wherever a step exceeds |avg| (an average near 0, a sign change, a start at 0: [0, 1, ...] stays 0) outputs and values.grad are wrong (a limited step passes no gradient to v)."),
    ("ewma_values_grad_divided_by_sqrt_length", "check_ewma", ewma_values_grad_divided_by_sqrt_length, "Registers a hook on the stacked outputs that divides the upstream gradient by sqrt(n) (n the stream length; 'the outputs are a mean of n noisy terms'): every output is right; values.grad is the right one divided by sqrt(n): right only for a 1-value stream, wrong for every stream of 2+ values (by 1/sqrt(2) at n 2), constant ones included."),
    ("ewma_start_at_stream_median", "check_ewma", ewma_start_at_stream_median, "Starts the average at the median of the whole stream (torch.median: the lower middle value for even lengths) instead of values[0], then the right lerp loop: 1-value streams are right, constant streams have right outputs, and mom 1 has right outputs (the start's weight is 0); at mom < 1 every stream whose median is not values[0] has every output wrong (output 0 = lerp(median, values[0], mom)) and values.grad wrong (values[0] lacks the start's share (1 - mom)**(t+1), which goes to the median element instead)."),
    ("ln_deepnorm_alpha_inside", "check_layernorm", LNDeepNormAlphaInside, "Multiplies the input by alpha = 2 before normalising ('DeepNet: LN(alpha * x)'): the normalisation cancels the scale except in eps, so the layer is LayerNorm with eps / 4: within float32 tolerance where eps is negligible against the item variance (eps 1e-5, variance about 1 and above; in float64 still off by about 1e-6); clearly wrong where eps matters: eps 0.1 or 1e-3 with small-variance items (outputs, x.grad, mult.grad bigger by up to sqrt((v + eps) / (v + eps/4))), a constant item is right (output add)."),
    ("ln_eval_uses_training_stats_ema", "check_layernorm", LNEvalUsesTrainingStatsEMA, "Keeps BatchNorm-style running statistics (an EMA, mom 0.1, of the batch average of the item means and variances, starting at 0 and 1) in training and normalises with them in eval instead of each item's own statistics: training (outputs and gradients) is right everywhere; every eval output and gradient is wrong (a fresh layer in eval normalises with mean 0, var 1: outputs x * mult + add ... divided by sqrt(1 + eps)), except inputs whose every item happens to have those statistics."),
    ("ln_backward_var_term_mean_of_g", "check_layernorm", LNBackwardVarTermMeanOfG, "A custom autograd.Function with a right forward (outputs, mult.grad, add.grad right) whose hand-written backward writes the variance term's mean(g * xhat) as mean(g): x.grad = mult * r * (g - mean(g) - xhat * mean(g)) per item: a constant item (xhat = 0) is right; for every other item x.grad is wrong in training and eval: with g = ones it is -mult * r * xhat instead of 0, and with random g it is off by mult * r * xhat * (mean(g) - mean(g * xhat))."),
    ("ln_mult_through_softplus", "check_layernorm", LNMultThroughSoftplus, "Uses softplus(mult) as the gain ('keep the gain positive'): the centring and scaling are right, but every output is xhat * softplus(mult) + add: already a fresh layer (mult 1) scales by 1.3133 instead of 1; outputs, x.grad and mult.grad (times sigmoid(mult)) wrong everywhere except where xhat = 0 (constant items); add.grad right."),
    ("bn_mom_linear_scaling_rule", "check_batchnorm", BNMomLinearScalingRule, "Scales the running-statistics momentum by the batch size over 32 (min(1, mom * N / 32), 'linear scaling rule: mom was tuned for batch 32'): training outputs and gradients are right; the running mean and var move far too little for N < 32 (mom 0.1, N 4: 0.0125 per step) and too much for N > 32: wrong after every training step unless N = 32 (or mom 0), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_var_mom_halved", "check_batchnorm", BNVarMomHalved, "Updates the running variance with half the momentum (mom / 2, 'the variance estimate is noisier') while the running mean uses mom: training outputs, gradients and the running mean are right; the running var is wrong after every training step at mom > 0 (at mom 1 it becomes the average of old and new instead of the new); eval after training wrong; a fresh layer in eval right."),
    ("bn_running_var_adds_mean_drift", "check_batchnorm", BNRunningVarAddsMeanDrift, "Lerps the running variance towards the unbiased batch variance PLUS the squared distance between the batch mean and the running mean (taken before the mean's update; 'law of total variance: the spread about the running mean includes the drift'): training outputs, gradients and the running mean are right; the running var is too big after every step where a batch mean differs from the running mean (always the first steps of a fresh layer: channel means about 1 against a running mean of 0), so eval after training is wrong; a fresh layer in eval is right; batches whose means equal the running mean are right."),
    ("bn_backward_var_term_per_item", "check_batchnorm", BNBackwardVarTermPerItem, "A custom autograd.Function in training with a right forward (outputs, running statistics, mults.grad, adds.grad, eval right) whose hand-written backward takes the variance term's mean(g * xhat) over (H, W) per item instead of over (N, H, W): x.grad = mults * r * (g - mean_NHW(g) - xhat * mean_HW(g * xhat)): a batch of one is right; batches of 2+ have wrong training x.grad (with g = ones too, since each item's mean of xhat is not 0); eval x.grad right."),
    ("in_rstd_rounded_to_power_of_two", "check_instancenorm", INRstdRoundedToPowerOfTwo, "Rounds each image's 1/sqrt(var + eps) to the nearest power of two ('shift-based normalisation') and multiplies the centred image by it: right only for images whose var + eps is an exact power of four (e.g. var 4 - eps); otherwise outputs are off by a factor between 2**-0.5 and 2**0.5, and x.grad is wrong everywhere (the rounded rstd passes no gradient: the variance term is missing, and the scale is rounded); a constant image is right in outputs (adds)."),
    ("in_bilinear_resize_stats", "check_instancenorm", INBilinearResizeStats, "Takes each image's mean (and mean squared deviation) as F.interpolate(..., size=(1, 1), mode='bilinear') ('shrink the image to one pixel'), which samples the centre (the 4, 2 or 1 pixels around it) instead of averaging all pixels: images with at most 2 rows and at most 2 columns (1x2, 2x1, 2x2) and constant images are right; larger images (3x3, 4x5, 1x7, ...) have wrong outputs and gradients."),
    ("in_stats_averaged_with_previous_frame", "check_instancenorm", INStatsAveragedWithPreviousFrame, "Averages each item's per-channel mean and variance with those of the previous item in the batch (the first item with itself; 'video frames: neighbouring frames show the same scene'): a batch of one is right, and so is item 0 (outputs); every later item is wrong unless its statistics equal the previous item's (a batch of identical items is right); x.grad wrong for every item of a batch of 2+ (item 0 also gets gradient through item 1)."),
    ("in_mults_abs", "check_instancenorm", INMultsAbs, "Uses |mults| as the gains ('a gain's sign is meaningless'): a fresh layer and any non-negative mults are right everywhere; a channel with a negative gain has its output (minus the adds) and x.grad sign-flipped and its mults.grad negated; other channels right."),
    ("gn_mults_zero_init", "check_groupnorm", GNMultsZeroInit, "Initialises the gains to 0 instead of 1 ('zero-init gamma, as for the last norm of a residual block'): the normalisation is right, so a layer whose mults are set (copied in) is right everywhere; a fresh layer outputs the adds (0) everywhere, its x.grad is 0 and mults.grad is right (sum g * xhat) for zero gains; differs from the right fresh layer in outputs and x.grad."),
    ("gn_mults_standardised_per_group", "check_groupnorm", GNMultsStandardisedPerGroup, "Standardises the gains within each group before use ((mults - group mean) / sqrt(group var + 1e-5), 'Weight Standardization goes with GroupNorm'): a fresh layer (gains 1) gets gains 0 (outputs = adds, x.grad 0) and every set of gains becomes mean 0, var 1 within its group (one-channel groups become 0): outputs, x.grad and mults.grad wrong everywhere except where xhat = 0."),
    ("gn_std_floored_at_one", "check_groupnorm", GNStdFlooredAtOne, "Divides each group by max(sqrt(var + eps), 1) ('never amplify a group') instead of sqrt(var + eps): groups whose std is at least 1 are right (outputs and gradients); groups with std below 1 (small-scale inputs, e.g. scale 0.3) are left unamplified: outputs too small and x.grad wrong (no variance term through the floor)."),
    ("gn_group_var_geometric_mean_of_channels", "check_groupnorm", GNGroupVarGeometricMeanOfChannels, "Divides by the square root of the geometric mean over the group's channels of each channel's spread about the group mean (exp(mean(log(spread_c)))) instead of the pooled (arithmetic mean) group variance: one-channel groups (groups = C) are right, and so are groups whose channels have equal spreads about the group mean; every other group's outputs are too big (geometric <= arithmetic mean) and the gradients wrong."),
]

RIGHT = [
    ("ewma_cartesian_prod_age_weights", "check_ewma", ewma_cartesian_prod_age_weights,
     "weights mom * (1 - mom)**age from an age grid built by torch.cartesian_prod, masked with torch.where; the start's weight (1 - mom)**(t + 1) on values[0]."),
    ("ln_sum_with_ones_vector_norm", "check_layernorm", LNCosineWithOnes,
     "each item flattened; the mean as the sum of item times a ones_like tensor over K; the variance as torch.linalg.vector_norm of the centred item squared over K."),
    ("bn_block_diag_rows", "check_batchnorm", BNBlockDiagRows,
     "channel sums as torch.block_diag of ones rows (C, C*N) times the channel-major (C*N, H*W) rows; running buffers written by copy_ of (1 - mom) * old + mom * new."),
    ("in_trapezoid_end_corrected", "check_instancenorm", INTrapezoidEndCorrected,
     "pixel sums as torch.trapezoid along the width plus half of the two end columns, summed over the rows."),
    ("gn_pointwise_conv_membership", "check_groupnorm", GNPointwiseConvMembership,
     "group means by an ungrouped 1x1 F.conv2d with a (G, C, 1, 1) membership weight over cpg, spread back by F.conv_transpose2d with the 0/1 membership."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
