"""Sixty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout65 (heldoutN.py).
       Every one changes a computed number, an output's dtype, a gradient or a running statistic.
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


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_weight_mom_squared(values, mom):
    w = mom * mom                                                   # "the new value's weight is mom squared (mom is the
    avg, out = values[0], []                                        #  weight of its standard deviation)"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_spread_over_whole_stream(values, mom):
    n = len(values)                                                 # "mom is how far the average moves over the whole
    w = mom if n <= 2 else 1 - (1 - mom) ** (1 / (n - 1))           #  stream: spread it over the n - 1 steps"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_output_grad_centralised(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    res = torch.stack(out)
    if res.requires_grad:                                           # "gradient centralisation: the upstream gradient minus its mean,
        res.register_hook(lambda g: g - g.mean())          # centralise it"
    return res


def ewma_weight_ramped_to_mom(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "ramp the weight up to mom: (t + 1)/(t + 2) of it"
        avg = torch.lerp(avg, v, mom * (t + 1) / (t + 2))
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


class LNLargeItemsStridedStats(_LNBase):
    def stats(self, x):
        if x[0].numel() >= 48:                                      # "large items: the statistics from every second row
            x = x[:, :, ::2, ::2]                                   #  and column are good enough, and 4x cheaper"
        return super().stats(x)


class LNMultGradClippedHook(_LNBase):
    def forward(self, x):
        if self.mult.requires_grad:                                 # "clip the gain's gradient to [-1, 1]" (a hook added on
            self.mult.register_hook(lambda g: g.clamp(-1, 1))       #  every call; clamping twice changes nothing)
        return super().forward(x)


class LNVarDropsLargestDeviation(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "robust variance: leave out the one pixel with the
        d2 = ((x - m) ** 2).flatten(1)                              #  largest squared deviation"
        k = d2.shape[1]
        v = (d2.sum(1) - d2.max(1).values) / (k - 1)
        return m, v.view(-1, 1, 1, 1)


class LNEpsAsVarianceFloor(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps only guards against a zero variance: floor it"
        return (x - m) / v.clamp_min(self.eps).sqrt() * self.mult + self.add


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


class BNXhatClampedAtThree(_BNBase):
    def normalise(self, x, m, v):
        xhat = (x - m) / (v + self.eps).sqrt()                      # "keep activations bounded: no normalised value
        if self.training:                                           #  beyond 3 std in training"
            xhat = xhat.clamp(-3, 3)
        return xhat * self.mults + self.adds


class BNEvalEMAOfAffine(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('ema_mults', torch.ones(nf, 1, 1))
        self.register_buffer('ema_adds', torch.zeros(nf, 1, 1))

    def forward(self, x):
        if self.training:                                           # "evaluate with an EMA of the weights (Polyak), kept
            with torch.no_grad():                                   #  with the same mom as the statistics"
                self.ema_mults.lerp_(self.mults, self.mom)
                self.ema_adds.lerp_(self.adds, self.mom)
            return super().forward(x)
        return (x - self.means) / (self.vars + self.eps).sqrt() * self.ema_mults + self.ema_adds


class BNSwitchableEqualWeights(_BNBase):
    def forward(self, x):
        mi = x.mean((2, 3), keepdim=True)                           # "Switchable Normalization at initialisation: the
        vi = x.var((2, 3), keepdim=True, correction=0)              #  statistics are the equal-weight average of the
        ml = x.mean((1, 2, 3), keepdim=True)                        #  instance, layer and batch ones"
        vl = x.var((1, 2, 3), keepdim=True, correction=0)
        if self.training:
            mb, vb = self.stats(x)
            self.update(x, mb, vb)
        else:
            mb, vb = self.means, self.vars
        return self.normalise(x, (mi + ml + mb) / 3, (vi + vl + vb) / 3)


class BNEvalAffineSwapped(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        xhat = (x - self.means) / (self.vars + self.eps).sqrt()     # the eval line written with the parameters swapped
        return xhat * self.adds + self.mults


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


class INSmallImagesChannelPairs(_INBase):
    def stats(self, x):
        n, c, h, w = x.shape
        if h * w >= 8 or c < 2:
            return super().stats(x)
        out_m, out_v = [], []                                       # "fewer than 8 pixels is too few for a variance: pool
        for k in range(0, c, 2):                                    #  each pair of neighbouring channels"
            s = x[:, k:k + 2]
            m = s.mean((1, 2, 3), keepdim=True)
            v = s.var((1, 2, 3), keepdim=True, correction=0)
            out_m.append(m.expand(n, s.shape[1], 1, 1))
            out_v.append(v.expand(n, s.shape[1], 1, 1))
        return torch.cat(out_m, 1), torch.cat(out_v, 1)


class INGainExpParametrised(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "keep the gains positive: gain = exp(mults - 1),
        return (x - m) / (v + self.eps).sqrt() * torch.exp(self.mults - 1) + self.adds   # which is 1 at init"


class _INVarTermDoubled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # "d var / dx = 2 (x - m) / n: keep the 2"
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - 2 * xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardVarTermDoubled(_INBase):
    def forward(self, x):
        return _INVarTermDoubled.apply(x, self.mults, self.adds, self.eps)


class INTrimmedMeanCentre(_INBase):
    def stats(self, x):
        n, c, h, w = x.shape
        k = (h * w) // 10                                           # "a robust centre: the 10%-trimmed mean"
        flat = x.flatten(2)
        s = flat.sort(-1).values
        m = s[..., k:h * w - k].mean(-1).view(n, c, 1, 1)
        v = ((x - m) ** 2).mean((2, 3), keepdim=True)
        return m, v


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


class GNVarShrunkTowardsItemVar(_GNBase):
    def norm(self, x):
        n, G = x.shape[0], self.groups
        xg = x.reshape(n, G, -1)                                    # "small groups give noisy variances: shrink each
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)   # towards the item's (weight 1/G)"
        vi = x.reshape(n, 1, -1).var(-1, keepdim=True, correction=0)
        v = (1 - 1 / G) * v + vi / G
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNSkipsAlreadyNormalised(_GNBase):
    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        if bool((m.abs() < 1e-2).all() and ((v - 1).abs() < 5e-2).all()):   # "input already normalised: skip the work"
            return x
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNAffineCachedInEval(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.frozen = None

    def forward(self, x):
        if self.training:
            return super().forward(x)
        if self.frozen is None:                                     # "freeze the affine once for inference"
            self.frozen = (self.mults.detach().clone(), self.adds.detach().clone())
        return self.norm(x) * self.frozen[0] + self.frozen[1]


class GNGainAsOnePlusMults(_GNBase):
    def forward(self, x):
        return self.norm(x) * (1 + self.mults) + self.adds          # "gains stored as offsets from 1 (like RMSNorm in Gemma)"


# ====================================================================== RIGHT

def ewma_grown_weight_vector_dot(values, mom):
    """Output t as the dot product of values[:t+1] with a weight vector grown one slot per step:
    w <- cat((1 - mom) * w, [mom]), starting from w = [1]."""
    w = torch.ones(1, dtype=values.dtype)
    out = [torch.dot(w, values[:1])]
    for t in range(1, len(values)):
        w = torch.cat([(1 - mom) * w, torch.full((1,), mom, dtype=values.dtype)])
        out.append(torch.dot(w, values[:t + 1]))
    return torch.stack(out)


class LNTorchCovRows(nn.Module):
    """Each item's variance as torch.cov(correction=0) of its flattened row (a 1-variable covariance); the mean by sum/K."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        rows = x.flatten(1)
        v = torch.stack([torch.cov(r, correction=0) for r in rows]).view(-1, 1, 1, 1)
        m = (rows.sum(1) / rows.shape[1]).view(-1, 1, 1, 1)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class BNNestedAxisSumsFloatPower(nn.Module):
    """Channel sums as three nested single-axis sums (batch, then height, then width); the squared deviations by
    torch.float_power (float64) cast back; running buffers replaced with copy_ of the blended values."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            n = x.shape[0] * x.shape[2] * x.shape[3]
            m = x.sum(0, keepdim=True).sum(2, keepdim=True).sum(3, keepdim=True) / n
            sq = torch.float_power(x - m, 2).to(x.dtype)
            v = sq.sum(0, keepdim=True).sum(2, keepdim=True).sum(3, keepdim=True) / n
            with torch.no_grad():
                self.means.copy_(self.means * (1 - self.mom) + m * self.mom)
                self.vars.copy_(self.vars * (1 - self.mom) + v * (n / (n - 1)) * self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INTrilTriuSums(nn.Module):
    """Each image plane's sum split as the sum of its lower triangle (torch.tril) and its strict upper triangle
    (torch.triu, diagonal 1); the same for the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    @staticmethod
    def plane_sum(t):
        return torch.tril(t).sum((2, 3), keepdim=True) + torch.triu(t, 1).sum((2, 3), keepdim=True)

    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        m = self.plane_sum(x) / k
        d = x - m
        v = self.plane_sum(d * d) / k
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNPairwiseDifferences(nn.Module):
    """Each group's variance from the pairwise identity var = mean over all pairs (i, j) of (x_i - x_j)**2 / 2."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        d = xg.unsqueeze(-1) - xg.unsqueeze(-2)
        v = (d * d).mean((-1, -2)).unsqueeze(-1) / 2
        m = xg.mean(-1, keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_weight_mom_squared", "check_ewma", ewma_weight_mom_squared, "Lerps with weight mom**2 instead of mom (0.01 at mom 0.1, 0.25 at mom 0.5, 0.81 at mom 0.9): output 0, 1-value streams, mom 0 and 1 and the outputs (not values.grad) of constant streams are right; from output 1 on every non-constant stream's outputs and values.grad are wrong for 0 < mom < 1 (most at mid-range mom)."),
    ("ewma_mom_spread_over_whole_stream", "check_ewma", ewma_mom_spread_over_whole_stream, "Reads mom as how far the average moves over the whole stream and uses the per-step weight 1 - (1 - mom)**(1/(n - 1)) for a stream of n > 2 values: streams of 1 or 2 values, mom 0 or 1 and the outputs (not values.grad) of constant streams are right; every non-constant stream of 3+ values with 0 < mom < 1 has outputs (from output 1 on) and values.grad wrong, the more so the longer the stream (the weight shrinks with n)."),
    ("ewma_output_grad_centralised", "check_ewma", ewma_output_grad_centralised, "Outputs are the right lerp loop, but a hook on the stacked output subtracts the mean of the upstream gradient ('gradient centralisation'): every output right; values.grad is the right one for g - mean(g): wrong whenever mean(g) != 0 (g = ones gives values.grad = 0; a 1-value stream always gets 0); right only for upstream gradients of zero mean."),
    ("ewma_weight_ramped_to_mom", "check_ewma", ewma_weight_ramped_to_mom, "Ramps the step weight up towards mom as mom * (t + 1)/(t + 2) at step t (2/3 of mom at step 1, 3/4 at step 2, ...) instead of mom: output 0, 1-value streams and the outputs (not values.grad) of constant streams are right; from output 1 on every non-constant stream's outputs and values.grad are wrong for every mom > 0 (mom 1 no longer returns the values)."),
    ("ln_large_items_strided_stats", "check_layernorm", LNLargeItemsStridedStats, "For items of 48 values or more (C*H*W >= 48) takes the mean and var from every second row and column (x[:, :, ::2, ::2]: 'good enough, 4x cheaper') and normalises the whole item with them: items of fewer than 48 values are right; larger items have outputs and gradients wrong (the statistics of a quarter-sized subsample; the skipped pixels get no gradient through the statistics), training and eval alike."),
    ("ln_mult_grad_clipped_hook", "check_layernorm", LNMultGradClippedHook, "Registers on every forward a hook that clamps mult.grad to [-1, 1] ('gradient clipping for the gain'): outputs, x.grad and add.grad right everywhere; mult.grad right only where |sum(g * xhat)| <= 1, otherwise it is clipped to +-1 (with random g on a few dozen values it is usually larger); a call with an input that needs no grad changes nothing."),
    ("ln_var_drops_largest_deviation", "check_layernorm", LNVarDropsLargestDeviation, "Takes each item's variance as the mean of its squared deviations with the largest one left out (sum minus max, over K - 1) ('robust to one outlier'): a constant item is right; every other item is normalised by a too-small variance (slightly, ~1-5% for Gaussian items of 20-80 values; hugely for an item with one outlier): outputs and gradients wrong, training and eval alike."),
    ("ln_eps_as_variance_floor", "check_layernorm", LNEpsAsVarianceFloor, "Divides by sqrt(max(var, eps)) instead of sqrt(var + eps) ('eps only guards against zero'): the relative error is eps / (2 var) where var > eps: invisible in float32 for eps 1e-5 and var ~ 1, visible in float64 and for a large eps (0.1: outputs ~1-5% off); items with var < eps (constant or nearly constant ones) are normalised by sqrt(eps) instead of sqrt(var + eps); gradients wrong likewise (no gradient through the variance where it is clamped)."),
    ("bn_xhat_clamped_at_three", "check_batchnorm", BNXhatClampedAtThree, "In training clamps the normalised values to [-3, 3] before the affine ('keep activations bounded'): training outputs right wherever every |xhat| <= 3 (most Gaussian batches); a batch with an outlier (a value more than 3 batch std from its channel mean) has that output clipped and its gradients wrong (no gradient through the clamped value: x.grad and mults.grad wrong); the running statistics and eval are right."),
    ("bn_eval_ema_of_affine", "check_batchnorm", BNEvalEMAOfAffine, "Keeps an EMA of mults and adds (weight mom, updated before each training forward) and uses it instead of mults and adds in eval ('Polyak averaging of the weights'): training, gradients in training and the running statistics are right; a fresh layer in eval is right with its initial mults 1 and adds 0 (wrong if the parameters were set to other values); after training with parameters other than 1 and 0 eval outputs are wrong and eval mults.grad / adds.grad are None (the EMA buffers carry no gradient)."),
    ("bn_switchable_equal_weights", "check_batchnorm", BNSwitchableEqualWeights, "Switchable Normalization at its initial equal weights: the mean and var used are the averages of the instance, layer and batch (in eval: running) statistics instead of the batch ones: outputs and gradients wrong in training and in eval (a fresh layer in eval too); the running statistics themselves are updated from the batch statistics and are right."),
    ("bn_eval_affine_swapped", "check_batchnorm", BNEvalAffineSwapped, "In eval multiplies the normalised value by adds and adds mults (the affine parameters swapped in the eval line): training, gradients in training and the running statistics are right; every eval output is wrong (a fresh layer in eval returns 1 everywhere: xhat * 0 + 1), eval x.grad is scaled by adds, and eval mults.grad / adds.grad are swapped."),
    ("in_small_images_channel_pairs", "check_instancenorm", INSmallImagesChannelPairs, "For images of fewer than 8 pixels (H*W < 8) pools each pair of neighbouring channels (0-1, 2-3, ...; an odd last channel alone) for the mean and var ('too few pixels for a variance'): images of 8 or more pixels and 1-channel inputs are right; small images (1x5, 2x3, 1x7 ...) with 2+ channels have outputs and gradients wrong (unless the paired channels have equal statistics)."),
    ("in_gain_exp_parametrised", "check_instancenorm", INGainExpParametrised, "Applies the gain as exp(mults - 1) ('keep the gains positive', 1 at init) instead of mults: a fresh layer (mults 1) is right everywhere, gradients included; with any other mults (trained or set, negative ones especially) outputs, x.grad and mults.grad are wrong (mults.grad is multiplied by exp(mults - 1)); adds.grad right."),
    ("in_backward_var_term_doubled", "check_instancenorm", INBackwardVarTermDoubled, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward doubles the variance term: x.grad = mults * r * (g - mean(g) - 2 * xhat * mean(g * xhat)) over each image: right where mean(g * xhat) = 0 (e.g. g = ones, or a constant image); wrong for a general upstream gradient."),
    ("in_trimmed_mean_centre", "check_instancenorm", INTrimmedMeanCentre, "Centres each image with its 10%-trimmed mean (the floor(H*W/10) smallest and largest pixels dropped) and takes the var as the mean squared deviation about it: images of fewer than 10 pixels are right (nothing trimmed), and so are symmetric images; images of 10+ pixels with skewed values have outputs and gradients wrong."),
    ("gn_var_shrunk_towards_item_var", "check_groupnorm", GNVarShrunkTowardsItemVar, "Shrinks each group's variance towards the whole item's: var_used = (1 - 1/G) * group var + (1/G) * item var ('small groups are noisy'): 1 group is right; with G > 1 every item whose group variances differ from its overall variance has wrong outputs and gradients (training and eval alike)."),
    ("gn_skips_already_normalised", "check_groupnorm", GNSkipsAlreadyNormalised, "Skips the normalisation when every group of every item already has |mean| < 0.01 and |var - 1| < 0.05 ('already normalised'), returning x * mults + adds: general inputs are right; an input that is nearly normalised (e.g. the output of F.group_norm with a small perturbation) keeps its small deviations (outputs off by up to ~2.5%) and x.grad lacks the projection (wrong)."),
    ("gn_affine_cached_in_eval", "check_groupnorm", GNAffineCachedInEval, "Caches a copy of mults and adds at the first eval call and uses it in every later eval call: training is right everywhere and so is the first eval call; after the parameters change (an optimiser step, a set value) later eval outputs use the stale parameters and eval mults.grad / adds.grad are None."),
    ("gn_gain_as_one_plus_mults", "check_groupnorm", GNGainAsOnePlusMults, "Multiplies by 1 + mults (gains stored as offsets from 1, as in some RMSNorm code) while mults start at 1: every output is the normalised value times 1 + mults (twice the right gain for a fresh layer), x.grad likewise wrong; mults.grad and adds.grad right."),
]

RIGHT = [
    ("ewma_grown_weight_vector_dot", "check_ewma", ewma_grown_weight_vector_dot,
     "output t as torch.dot of values[:t+1] with a weight vector grown one slot per step (w <- cat((1-mom) w, [mom]))."),
    ("ln_torch_cov_rows", "check_layernorm", LNTorchCovRows,
     "each item's variance as torch.cov(correction=0) of its flattened row."),
    ("bn_nested_axis_sums_float_power", "check_batchnorm", BNNestedAxisSumsFloatPower,
     "channel sums as nested single-axis sums; squared deviations with torch.float_power cast back; buffers replaced by copy_."),
    ("in_tril_triu_sums", "check_instancenorm", INTrilTriuSums,
     "each plane's sum as the sum of its torch.tril lower triangle plus its torch.triu(…, 1) strict upper triangle."),
    ("gn_pairwise_differences", "check_groupnorm", GNPairwiseDifferences,
     "each group's variance from the pairwise identity: the mean over all pairs of (x_i - x_j)**2 / 2."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
