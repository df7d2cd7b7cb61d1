"""Fifty-sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/*.py (heldoutN.py, sets 2 to 41 and 43 to 54).
       Every one changes a computed number, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the state some entries keep between calls, for repeatable checks (nothing in this set keeps
module-level state; the function is there for the harnesses).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_scan_padded_front_with_zeros(values, mom):
    n = len(values)                                                 # "Hillis-Steele scan of the affine steps: pad the
    size = 1 << max(n - 1, 0).bit_length()                          #  stream to a power of two first" (zeros put in
    x = torch.cat([values.new_zeros(size - n), values])             #  front, so the scan starts from a 0)
    a = torch.cat([x.new_zeros(1), x.new_full((size - 1,), 1 - mom)])
    b = torch.cat([x[:1], mom * x[1:]])
    step = 1
    while step < size:
        a_prev = torch.cat([x.new_ones(step), a[:-step]])
        b_prev = torch.cat([x.new_zeros(step), b[:-step]])
        b = a * b_prev + b
        a = a * a_prev
        step *= 2
    return b[size - n:]


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_triple_tema(values, mom):
    e1 = _lerp_loop(values, mom)                                    # "Mulloy's triple EMA removes the lag of the plain
    e2 = _lerp_loop(e1, mom)                                        #  one: 3*e1 - 3*e2 + e3"
    e3 = _lerp_loop(e2, mom)
    return 3 * e1 - 3 * e2 + e3


def ewma_mom_as_percent_int(values, mom):
    mom = int(mom * 100) / 100                                      # "the config keeps mom as an integer percentage"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_wilder_period_rounded(values, mom):
    period = round(1 / mom) if mom > 0 else math.inf                # "Wilder's smoothing: alpha = 1 / N over a period
    alpha = 1 / period                                              #  of N samples, N = 1 / mom"
    avg, out = values[0], []
    for v in values:
        avg = avg + alpha * (v - avg)
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


class LNInputGradNormalisedHook(_LNBase):
    def forward(self, x):
        if x.requires_grad:                                         # "GradNorm: give every item's input gradient unit
            x = x.clone()                                           #  L2 norm so no item dominates the update"
            x.register_hook(lambda g: g / g.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1))
        return super().forward(x)


class LNSigmaClippedStats(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "sigma clipping, as astronomers do: values more than
        keep = ((x - m).abs() <= 3 * v.sqrt()).to(x.dtype)          #  3 std from the item's mean are outliers; recompute
        k = keep.sum((1, 2, 3), keepdim=True)                       #  the mean and var without them"
        m2 = (x * keep).sum((1, 2, 3), keepdim=True) / k
        v2 = ((x - m2) ** 2 * keep).sum((1, 2, 3), keepdim=True) / k
        return m2, v2


class LNParamGradsSignCompressed(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):                             # "1-bit gradient compression (signSGD): only the
            p.register_hook(lambda g: g.sign())                     #  sign of the affine gradients is sent"


class LNVarLogDomain(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "the variance in log space, for stability: average
        d2 = (x - m) ** 2                                           #  the logs of the squared deviations, exp back"
        return m, d2.log().mean((1, 2, 3), keepdim=True).exp()


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


class BNRunningUpdateSkipsFirstBatch(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0                                              # "warm-up: the first batch of a fresh layer comes

    def update(self, x, m, v):                                      #  from untrained weights, keep it out of the
        self.steps += 1                                             #  running statistics"
        if self.steps > 1:
            super().update(x, m, v)


class BNTrainStatsBlendedWithRunning(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "normalise with half batch, half running statistics:
        mb, vb = (m + self.means) / 2, (v + self.vars) / 2          #  the batch's noise is halved (MABN-style)"
        self.update(x, m, v)
        return self.normalise(x, mb, vb)


class BNVarOfBatchMeanImage(_BNBase):
    def stats(self, x):
        mi = x.mean(0, keepdim=True)                                # "reduce the batch axis first, then the spatial ones"
        return mi.mean((2, 3), keepdim=True), mi.var((2, 3), keepdim=True, correction=0)


class BNEvalEpsSquared(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        scale = self.mults / (self.vars + self.eps ** 2).sqrt()     # the folded eval scale: "eps guards the std, so it
        return (x - self.means) * scale + self.adds                 #  goes in squared"


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


class INAdaptivePool2x2Bins(_INBase):
    def stats(self, x):
        m = F.adaptive_avg_pool2d(x, 2).mean((2, 3), keepdim=True)  # "pool to 2x2 (the fast kernel), then average the
        v = F.adaptive_avg_pool2d((x - m) ** 2, 2).mean((2, 3), keepdim=True)   # four quarter means"
        return m, v


class INVarShrunkToItemPooled(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "empirical Bayes: a small image's variance is noisy,
        hw = x.shape[2] * x.shape[3]                                #  shrink it towards the item's pooled variance over
        vp = v.mean(1, keepdim=True)                                #  its channels (prior weight of 4 pixels)"
        return m, (hw * v + 4 * vp) / (hw + 4)


class _INBackwardUnbiasedRstd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xhat = (x - m) / (v + eps).sqrt()
        ctx.save_for_backward(x, xhat, mults)
        ctx.eps = eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, mults = ctx.saved_tensors
        r = (x.var((2, 3), keepdim=True) + ctx.eps).rsqrt()         # x.var's default: the unbiased variance
        gy = g * mults
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardRstdUnbiased(_INBase):
    def forward(self, x):
        return _INBackwardUnbiasedRstd.apply(x, self.mults, self.adds, self.eps)


class INCentreItemMeanScaleChannelStd(_INBase):
    def stats(self, x):
        _, v = super().stats(x)                                     # "one centre per image (all channels together), each
        return x.mean((1, 2, 3), keepdim=True), v                   #  channel's own spread"


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


class GNStatsFromEverySecondChannel(_GNBase):
    def norm(self, x, groups=None):
        n, c, h, w = x.shape                                        # "half of a group's channels are enough for its
        xg = x.reshape(n, self.groups, c // self.groups, h * w)     #  statistics: take channels 0, 2, 4 ... of each group"
        s = xg[:, :, ::2]
        m, v = s.mean((2, 3), keepdim=True), s.var((2, 3), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNGroupIndexOneBasedWraps(_GNBase):
    def norm(self, x, groups=None):
        n, c, h, w = x.shape                                        # "channel c (counted from 1) goes to group c // cpg",
        cpg = c // self.groups                                      #  wrapped round so the last channel stays in range
        gid = (torch.arange(c) + 1) // cpg % self.groups
        oh = F.one_hot(gid, self.groups).to(x.dtype)                # (C, G)
        cnt = oh.sum(0) * (h * w)
        m = (torch.einsum('nchw,cg->ng', x, oh) / cnt) @ oh.T       # (N, C)
        d = x - m[:, :, None, None]
        v = (torch.einsum('nchw,cg->ng', d * d, oh) / cnt) @ oh.T
        return d / (v[:, :, None, None] + self.eps).sqrt()


class GNBatchFoldedIntoGroups(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(self.groups, -1)                             # the (groups, -1) view of the whole batch: the batch
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)   # axis left out of the reshape
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class _GNProjNormalised(torch.autograd.Function):
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
        xh = xhat.reshape(n, G, -1)                                 # "the projection onto xhat divided by xhat's own
        proj = xh * (gy * xh).mean(-1, keepdim=True) / (xh * xh).mean(-1, keepdim=True)   # squared norm, to be exact"
        gx = r * (gy - gy.mean(-1, keepdim=True) - proj)
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionNormalisedByXhatNorm(_GNBase):
    def forward(self, x):
        return _GNProjNormalised.apply(x, self.mults, self.adds, self.groups, self.eps)


# ====================================================================== RIGHT answers

def ewma_masked_prod_weights(values, mom):
    """Every weight as a product: P[t, k] = prod over j of (1 - mom if k < j <= t else 1), built as an (n, n, n) tensor
    and reduced with torch.prod; W = tril(P) times mom (times 1 for the start column); out = W @ values."""
    n = len(values)
    t = torch.arange(n).view(n, 1, 1)
    k = torch.arange(n).view(1, n, 1)
    j = torch.arange(n).view(1, 1, n)
    fac = torch.where((k < j) & (j <= t), values.new_tensor(1 - mom), values.new_tensor(1.0))
    p = fac.prod(-1)
    coef = torch.cat([values.new_ones(1), values.new_full((n - 1,), mom)])
    w = torch.tril(p) * coef
    return w @ values


class LNScatterReduceItemIds(nn.Module):
    """The flattened batch with one item id per value; each item's mean and mean squared deviation by
    Tensor.scatter_reduce(reduce='mean', include_self=False), gathered back with the ids."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        flat = x.reshape(-1)
        ids = torch.arange(n).repeat_interleave(x[0].numel())
        m = flat.new_zeros(n).scatter_reduce(0, ids, flat, 'mean', include_self=False)
        d = flat - m[ids]
        v = flat.new_zeros(n).scatter_reduce(0, ids, d * d, 'mean', include_self=False)
        y = d / (v[ids] + self.eps).sqrt()
        return y.reshape(x.shape) * self.mult + self.add


class BNLoadStateDictRunning(nn.Module):
    """Channel statistics by torch.var_mean over the rows of x.movedim(1, -1).reshape(-1, C); the running buffers
    written through the module's own load_state_dict(strict=False)."""
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
            rows = x.movedim(1, -1).reshape(-1, c)
            v, m = torch.var_mean(rows, 0, correction=0)
            k = rows.shape[0]
            with torch.no_grad():
                self.load_state_dict({
                    'means': (1 - self.mom) * self.means + self.mom * m.detach().view(1, c, 1, 1),
                    'vars': (1 - self.mom) * self.vars + self.mom * (v.detach() * k / (k - 1)).view(1, c, 1, 1)},
                    strict=False)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCovDiagonalPerItem(nn.Module):
    """For each item, torch.cov of its (C, H*W) pixel matrix (channels as variables, correction=0): the diagonal is
    each channel's variance; means by Tensor.mean over the pixel axis."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        rows = x.flatten(2)
        v = torch.stack([torch.cov(rows[i], correction=0).reshape(c, c).diagonal() for i in range(n)])
        m = rows.mean(-1)
        return (x - m[:, :, None, None]) / (v[:, :, None, None] + self.eps).sqrt() * self.mults + self.adds


class GNPairwiseDistanceNoEps(nn.Module):
    """Each group's spread as F.pairwise_distance(centred group, zeros, eps=0) (its L2 norm) squared over the group's
    size; the group as the rows of the (N*G, C/G*H*W) view."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        rows = x.reshape(x.shape[0] * self.groups, -1)
        k = rows.shape[1]
        d = rows - rows.mean(1, keepdim=True)
        sq = F.pairwise_distance(d, torch.zeros_like(d), eps=0.0) ** 2
        y = d / (sq / k + self.eps).sqrt()[:, None]
        return y.reshape(x.shape) * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_scan_padded_front_with_zeros", "check_ewma", ewma_scan_padded_front_with_zeros, "A Hillis-Steele scan of the affine steps (a = 1 - mom, b = mom * v; the first step maps anything to the first element) over the stream padded IN FRONT with zeros to the next power of two, the last n outputs returned: the padded stream starts at 0, so the average starts from 0 and the real values[0] is lerped in with weight mom like any other value: streams of length 1, 2, 4, 8, 16 ... (no padding) are right everywhere; every other length (3, 5, 6, 7, 9 ...) has wrong outputs and values.grad (output 0 = mom * values[0] instead of values[0], the start's weight (1 - mom)**t is missing from every output), constant streams included; at mom 1 every output is the raw value (right)."),
    ("ewma_triple_tema", "check_ewma", ewma_triple_tema, "Returns Mulloy's triple exponential moving average 3*e1 - 3*e2 + e3 (e1 the right EWMA, e2 the EWMA of e1, e3 the EWMA of e2; 'it removes the lag') instead of e1: output 0 and 1-value streams are right, and so are mom 1 (every EMA is the raw stream) and mom 0 (all three constant); on every non-constant stream of 2+ values at 0 < mom < 1 outputs from output 1 on and values.grad are wrong (constant streams: outputs right, but values.grad wrong, since the three nested EMAs' Jacobians do not combine to the EWMA's; it overshoots: on the step stream [0, 1, 1, ...] at mom 0.5 output 1 is 0.875 instead of 0.5 and later outputs exceed 1)."),
    ("ewma_mom_as_percent_int", "check_ewma", ewma_mom_as_percent_int, "Truncates mom to an integer percentage first (mom = int(mom * 100) / 100, 'the config keeps mom as a percentage'): moms that are whole percents whose float product mom * 100 is not below the integer (0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.9, 1) are right everywhere; moms with more digits (0.123 -> 0.12, 1/3 -> 0.33, 0.015 -> 0.01, 0.999 -> 0.99) and whole percents whose float product falls just short (0.29 -> 0.28, 0.57 -> 0.56, 0.58 -> 0.57) use the truncated weight: outputs from output 1 on and values.grad wrong on every non-constant stream of 2+ values (constant and 1-value streams' outputs right)."),
    ("ewma_wilder_period_rounded", "check_ewma", ewma_wilder_period_rounded, "Wilder's smoothing: reads mom as a period N = round(1 / mom) and uses alpha = 1 / N ('alpha = 1/N over a period of N samples'): moms whose reciprocal is a whole number (0.1, 0.125, 0.2, 0.25, 0.5, 1) and mom 0 are right everywhere; every other mom is replaced (0.9 -> 1: every output the raw value; 0.3 -> 1/3; 0.7 -> 1; 0.4 -> 1/2 (round half to even); 0.15 -> 1/7): outputs from output 1 on and values.grad wrong on every non-constant stream of 2+ values."),
    ("ln_input_grad_normalised_hook", "check_layernorm", LNInputGradNormalisedHook, "Clones the input when it requires grad and hooks the clone so that each item's input gradient is divided by its L2 norm ('GradNorm: no item dominates'): outputs (training and eval), mult.grad and add.grad right everywhere; x.grad is the right one rescaled to unit norm per item: right only where an item's true gradient already has norm 1 (or is all zero); otherwise wrong (e.g. a (3, 2, 3, 4) batch with a random upstream gradient: each item's x.grad has norm 1 instead of several)."),
    ("ln_sigma_clipped_stats", "check_layernorm", LNSigmaClippedStats, "One pass of 3-sigma clipping: values more than 3 item-stds from the item's mean are dropped and the mean and (biased) var recomputed from the rest, and the whole item (outliers included) normalised with those: items with no value beyond 3 std are right (always so for items of 10 values or fewer, where no z-score can exceed 3; a constant item is right); an item with an outlier (e.g. one value of 25 among 60 standard-normal ones, or a random item of 100+ values that happens to have one) gets a smaller var and a shifted mean: outputs, x.grad and mult.grad wrong for that item, in float32 and float64, training and eval."),
    ("ln_param_grads_sign_compressed", "check_layernorm", LNParamGradsSignCompressed, "Hooks on mult and add (registered in __init__) replace their gradients by the sign ('1-bit compression, signSGD'): outputs and x.grad right everywhere; mult.grad and add.grad are -1, 0 or +1 instead of sum(g * xhat) and sum(g) (right only where those happen to be exactly -1, 0 or 1), on every call, training and eval."),
    ("ln_var_log_domain", "check_layernorm", LNVarLogDomain, "Takes the variance 'in log space': exp(mean(log((x - mean)**2))), the GEOMETRIC mean of the squared deviations, instead of their arithmetic mean: it is never larger and, for Gaussian data, about 0.28 times the variance, so outputs are about 1.9 times too spread (with eps 1e-5) and x.grad, mult.grad wrong for every non-constant item; an item containing a value exactly equal to its mean gets var 0 (log 0 = -inf): outputs divided by sqrt(eps); a constant item's output (add) is right but its x.grad is NaN."),
    ("bn_running_update_skips_first_batch", "check_batchnorm", BNRunningUpdateSkipsFirstBatch, "Counts the training calls and leaves the running mean and var untouched on the layer's first one ('warm-up: the first batch comes from untrained weights'), lerping normally from the second on: training outputs and gradients are right everywhere; after the first training step the running stats are still 0 and 1 (wrong unless mom is 0), after k steps they are those of k - 1 updates on batches 2..k: running stats and eval after training wrong (at mom 1 only after the first step, later right; mom 0 right everywhere); a fresh layer in eval is right."),
    ("bn_train_stats_blended_with_running", "check_batchnorm", BNTrainStatsBlendedWithRunning, "In training normalises with the averages of the batch's statistics and the running ones from before this call's update ((m + running mean) / 2, (v + running var) / 2; 'the batch noise halved'), the running update itself right: the running statistics, eval outputs and eval gradients are right; training outputs and all training gradients are wrong whenever the batch stats differ from the running ones (from the first call of a fresh layer, whose running stats are 0 and 1, against data of mean ~1 and std ~2)."),
    ("bn_var_of_batch_mean_image", "check_batchnorm", BNVarOfBatchMeanImage, "Averages the batch first and takes the per-channel variance of that mean image over (H, W) (x.mean(0).var((H, W)), 'reduce the batch axis first, then the spatial ones') instead of the variance over (N, H, W): the mean is right; a batch of one is right everywhere; with 2+ items the training variance misses the spread between items at each pixel (too small: outputs too spread, x.grad wrong), the running var lerps towards it (eval after training wrong), and with H = W = 1 it is 0 (outputs divided by sqrt(eps)); a fresh layer in eval is right."),
    ("bn_eval_eps_squared", "check_batchnorm", BNEvalEpsSquared, "In eval folds the normaliser as mults / sqrt(running var + eps**2) ('eps guards the std, so it goes in squared') instead of + eps, while training uses eps: training outputs, gradients and running statistics are right; every eval output and x.grad (fresh layer included) uses eps**2: wrong by a relative ~eps / (2 var): clearly at eps 0.1 (0.01 instead of 0.1) or 1e-3 or for channels with small running var, by ~5e-6 relative at eps 1e-5 with var 1 (visible in float64, within float32 tolerance)."),
    ("in_adaptive_pool_2x2_bins", "check_instancenorm", INAdaptivePool2x2Bins, "Takes each image's mean and variance as the average of F.adaptive_avg_pool2d(., 2)'s four bin means: for an even side the bins split it evenly, but for an odd side of 3 or more they overlap (side 5: rows 0-2 and 2-4: the middle row is counted twice): images with even H and even W (and sides of 1) are right everywhere; images with an odd H or W of 3+ (e.g. 3x5, 5x5, 4x7) have a wrongly weighted mean and var: outputs and gradients wrong (a constant image's output (adds) is right but its x.grad is not: the overlapped pixels carry more weight in the centring)."),
    ("in_var_shrunk_to_item_pooled", "check_instancenorm", INVarShrunkToItemPooled, "Shrinks each (item, channel) variance towards the average variance of that item's channels: v' = (H*W * v + 4 * mean_c v) / (H*W + 4) ('empirical Bayes for small images'): one channel (C = 1) is right everywhere; items whose channels have equal variances have right outputs but wrong x.grad (the gradient flows through the other channels' variances); otherwise outputs and gradients are wrong, strongly for small images (H*W = 4: halfway to the pooled var), slightly for large ones (H*W = 100: 4%), and each channel's output depends on the other channels of its item."),
    ("in_backward_rstd_unbiased", "check_instancenorm", INBackwardRstdUnbiased, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward recomputes 1/std from x.var((2, 3)) (unbiased by default) + eps: x.grad is the right one times sqrt((v + eps) / (v * HW / (HW - 1) + eps)), about sqrt((HW - 1) / HW): too small by 1/(2 HW) relative (6% for a 2x3 image, 0.5% for 10x10); a constant image is right; 1-pixel images (H*W = 1) get NaN x.grad."),
    ("in_centre_item_mean_scale_channel_std", "check_instancenorm", INCentreItemMeanScaleChannelStd, "Centres every channel of an image on the item's overall mean (over C, H, W) but scales each channel by its own std: one channel (C = 1) is right everywhere; an image whose channel means are all equal has right outputs but wrong x.grad (the centring gradient is spread over all channels: the per-channel mean of x.grad is no longer 0); otherwise each channel's output is shifted by (channel mean - item mean) / std (outputs no longer centred per channel) and gradients are wrong."),
    ("gn_stats_from_every_second_channel", "check_groupnorm", GNStatsFromEverySecondChannel, "Takes each group's mean and var from channels 0, 2, 4 ... of the group only (xg[:, :, ::2]) and normalises all its channels with them: one channel per group (groups = C) is right everywhere; with 2+ channels per group (e.g. GroupNorm(1, 4), (2, 6), (3, 12), (4, 8), (5, 10)) the statistics ignore the odd channels: outputs and gradients wrong (a group of 2 uses only its first channel's stats: that channel is InstanceNorm'd, the other is normalised by a foreign mean and std)."),
    ("gn_group_index_one_based_wraps", "check_groupnorm", GNGroupIndexOneBasedWraps, "Assigns channel c to group ((c + 1) // cpg) % groups (the channels counted from 1, wrapped round): one group and one channel per group (groups = C) give the right sets and are right everywhere; otherwise every group is shifted by one channel, the first holding channels 0 .. cpg-2 and the LAST channel (GroupNorm(2, 6): {0, 1, 5} and {2, 3, 4}): outputs and gradients wrong (channels with different spreads make it plain)."),
    ("gn_batch_folded_into_groups", "check_groupnorm", GNBatchFoldedIntoGroups, "Views the whole batch as (groups, -1) (the batch axis left out of the reshape): each 'group' is a contiguous 1/groups of the flattened batch, spanning items: a batch of one is right everywhere; with 2+ items the statistics mix items (GroupNorm(2, 6) on 2 items: each item normalised as one group, like LayerNorm; GroupNorm(1, 4) on 2 items: one set of statistics for the whole batch): outputs and gradients wrong, and each item's output depends on the others."),
    ("gn_backward_projection_normalised_by_xhat_norm", "check_groupnorm", GNBackwardProjectionNormalisedByXhatNorm, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward divides the projection term by xhat's mean square ('the projection onto xhat divided by its squared norm, to be exact'): x.grad = r * (gy - mean(gy) - xhat * mean(gy * xhat) / mean(xhat**2)) per group, where mean(xhat**2) = var / (var + eps) < 1: the projection is (var + eps) / var times too big: x.grad wrong, clearly at eps 0.1 or 1e-3 or for groups of small variance, by about eps / var relative at eps 1e-5 (visible in float64, within float32 tolerance for unit-spread data); a constant group gets NaN x.grad (0/0)."),
]

RIGHT = [
    ("ewma_masked_prod_weights", "check_ewma", ewma_masked_prod_weights,
     "every weight as a torch.prod over a masked (n, n, n) tensor of (1 - mom)s and ones; tril, times mom (1 for the start column), W @ values."),
    ("ln_scatter_reduce_item_ids", "check_layernorm", LNScatterReduceItemIds,
     "item ids per value of the flattened batch; means and mean squared deviations by Tensor.scatter_reduce(reduce='mean', include_self=False), gathered back by the ids."),
    ("bn_load_state_dict_running", "check_batchnorm", BNLoadStateDictRunning,
     "torch.var_mean over the rows of x.movedim(1, -1).reshape(-1, C); running buffers written with the module's own load_state_dict(strict=False)."),
    ("in_cov_diagonal_per_item", "check_instancenorm", INCovDiagonalPerItem,
     "per item, the diagonal of torch.cov(correction=0) of its (C, H*W) pixel matrix as the channels' variances."),
    ("gn_pairwise_distance_no_eps", "check_groupnorm", GNPairwiseDistanceNoEps,
     "each group's squared L2 norm of deviations as F.pairwise_distance(d, zeros, eps=0) squared, over the group's size."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
