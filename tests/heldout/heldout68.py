"""Sixty-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout66 (heldoutN.py).
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

def ewma_mom_rounded_two_decimals(values, mom):
    w = round(mom, 2)                                               # "mom comes from a config file: two decimals are plenty"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_long_stream_pairs(values, mom):
    if len(values) <= 32:
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)
    w2 = 1 - (1 - mom) ** 2                                         # "long streams: two steps at a time, towards the pair's
    avg, out = values[0], [values[0]]                               #  mean with the two-step weight (half the loop)"
    rest = values[1:]
    i = 0
    while i + 1 < len(rest):
        avg = torch.lerp(avg, (rest[i] + rest[i + 1]) / 2, w2)
        out += [avg, avg]
        i += 2
    if i < len(rest):
        avg = torch.lerp(avg, rest[i], mom)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_falsy_default(values, mom):
    w = mom or 0.1                                                  # "no momentum given: use the usual 0.1"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


class _EWMAMatrixBackwardNoMom(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom, ctx.n = mom, len(values)
        avg, out = values[0], []
        for v in values:
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)

    @staticmethod
    def backward(ctx, g):
        n, d = ctx.n, 1 - ctx.mom                                   # W[t, s] = d**(t - s) for s <= t (the mom of the
        t = torch.arange(n, dtype=g.dtype)                          #  columns s >= 1 forgotten): values.grad = W.T @ g
        age = (t[:, None] - t[None, :])
        w = torch.where(age >= 0, torch.tensor(d, dtype=g.dtype) ** age.clamp_min(0), torch.zeros((), dtype=g.dtype))
        return w.T @ g, None


def ewma_backward_weight_matrix_missing_mom(values, mom):
    return _EWMAMatrixBackwardNoMom.apply(values, mom)


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


class LNTinyItemsPooledOverBatch(_LNBase):
    def stats(self, x):
        if x[0].numel() < 8 and x.shape[0] > 1:                     # "fewer than 8 values per item is too few for stable
            m = x.mean().expand(x.shape[0], 1, 1, 1)                #  statistics: pool them over the batch"
            v = x.var(correction=0).expand(x.shape[0], 1, 1, 1)
            return m, v
        return super().stats(x)


class LNAffineOnlyFirstItem(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        y = (x - m) / (v + self.eps).sqrt()
        return torch.cat([y[:1] * self.mult + self.add, y[1:]])    # slicing slip: the affine applied to item 0 only


class LNSingleItemStatsNoGrad(_LNBase):
    def stats(self, x):
        if x.shape[0] == 1:                                         # "one item: nothing couples the batch, the statistics
            with torch.no_grad():                                   #  need no gradient"
                return super().stats(x)
        return super().stats(x)


class LNVarFromItemHalves(_LNBase):
    def stats(self, x):
        n = x.shape[0]
        flat = x.reshape(n, -1)
        h = flat.shape[1] // 2
        if h < 1:
            return super().stats(x)
        v = (flat[:, :h].var(1, correction=0) + flat[:, h:].var(1, correction=0)) / 2   # "two halves in two passes:
        return flat.mean(1).view(n, 1, 1, 1), v.view(n, 1, 1, 1)                       #  average their variances"


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


class BNRunningVarRobustMAD(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "a robust running variance: (1.4826 * MAD)**2 per
            cols = x.transpose(0, 1).reshape(x.shape[1], -1)        #  channel, outliers cannot spoil it"
            med = cols.median(1, keepdim=True).values
            mad = (cols - med).abs().median(1).values * 1.4826
            self.means.lerp_(m, self.mom)
            self.vars.lerp_((mad ** 2).view_as(self.vars), self.mom)


class BNChannelsLastGuessedFromWidth(_BNBase):
    def forward(self, x):
        nf = self.mults.shape[0]
        if x.shape[-1] == nf:                                       # "accept channels-last input too: the channels are the
            return super().forward(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)   # last axis when its size is nf"
        return super().forward(x)


class BNSmallCountUnbiasedNormaliser(_BNBase):
    def normalise(self, x, m, v):
        n = x.numel() / x.shape[1]
        if self.training and n < 32:                                # "few values per channel: the biased variance
            v = v * n / (n - 1)                                     #  underestimates, normalise with the unbiased one"
        return super().normalise(x, m, v)


class BNVarFromHalfBatches(_BNBase):
    def stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        n = x.shape[0]
        if n < 2:
            return m, x.var((0, 2, 3), keepdim=True, correction=0)
        h = n // 2                                                  # "two half batches use less memory: average their
        v1 = x[:h].var((0, 2, 3), keepdim=True, correction=0)       #  variances"
        v2 = x[h:].var((0, 2, 3), keepdim=True, correction=0)
        return m, (v1 + v2) / 2


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


class INAsymmetricHalfStd(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "skewed images: scale the part above the mean by the
        d = x - m                                                   #  spread above it, the part below by the spread below"
        pos, neg = d.clamp_min(0), d.clamp_max(0)
        cp = (d > 0).sum((2, 3), keepdim=True).clamp_min(1)
        cn = (d < 0).sum((2, 3), keepdim=True).clamp_min(1)
        sp = ((pos * pos).sum((2, 3), keepdim=True) / cp + self.eps).sqrt()
        sn = ((neg * neg).sum((2, 3), keepdim=True) / cn + self.eps).sqrt()
        return (pos / sp + neg / sn) * self.mults + self.adds


class INMultsTiedToChannelAverage(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "one gain for the whole image keeps the channels'
        return (x - m) / (v + self.eps).sqrt() * self.mults.mean() + self.adds   # relative contrast"


class INEvalVarDetached(_INBase):
    def stats(self, x):
        if self.training:
            return super().stats(x)
        m = x.mean((2, 3), keepdim=True)                            # "inference: the variance needs no graph"
        with torch.no_grad():
            v = x.var((2, 3), keepdim=True, correction=0)
        return m, v


class _INXhatFromOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        y = (x - m) * r * mults + adds
        ctx.save_for_backward(y, r, mults)                          # "save the output, xhat can be read off it"
        return y

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors                          # the output used as xhat (mults and adds not undone)
        gy = g * mults
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardXhatTakenFromOutput(_INBase):
    def forward(self, x):
        return _INXhatFromOutput.apply(x, self.mults, self.adds, self.eps)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None, floor=None):
        groups = groups or self.groups
        xg = x.reshape(x.shape[0], groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        if floor is not None:
            v = torch.maximum(v, floor)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNVarFlooredAtItemFraction(_GNBase):
    def forward(self, x):
        iv = x.reshape(x.shape[0], 1, -1).var(-1, keepdim=True, correction=0)   # "a nearly flat group would be blown up:
        return self.norm(x, floor=0.01 * iv) * self.mults + self.adds          #  floor its variance at 1% of the item's"


class GNChannelsGroupedBySortedMults(_GNBase):
    def forward(self, x):
        order = torch.argsort(self.mults.detach().flatten(), stable=True)   # "channels with similar gains belong together:
        inv = torch.argsort(order)                                          #  group them in the order of their gains"
        y = self.norm(x[:, order])[:, inv]
        return y * self.mults + self.adds


class _GNDirectTermNoMults(torch.autograd.Function):
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
        g0 = g.reshape(n, G, -1)                                    # the direct term with the plain g, the mults only in
        gx = r * (g0 - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))   # the mean and projection
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardDirectTermWithoutMults(_GNBase):
    def forward(self, x):
        return _GNDirectTermNoMults.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNSmallGroupsUnbiasedVar(_GNBase):
    def norm(self, x, groups=None, floor=None):
        xg = x.reshape(x.shape[0], self.groups, -1)
        k = xg.shape[-1]
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=1 if 1 < k < 16 else 0)   # "small groups: Bessel's correction"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


# ================================================================= RIGHT answers

def ewma_matrix_power_neumann_sum(values, mom):
    """out = (sum_k ((1 - mom) S)**k) @ b, S the down-shift matrix, each power from torch.linalg.matrix_power;
    b = mom * values with b[0] = values[0]."""
    n = len(values)
    s = (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    total = sum(torch.linalg.matrix_power(s, k) for k in range(n))
    b = torch.cat([values[:1], mom * values[1:]])
    return total @ b


class LNSDPAUniformAttention(nn.Module):
    """Each item's mean and mean squared deviation as the output of F.scaled_dot_product_attention with a zero query
    and zero keys (uniform attention weights 1/K) over the item's K values."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        flat = x.reshape(n, -1, 1)                                          # (N, K, 1) values
        q = torch.zeros(n, 1, 1, dtype=x.dtype)
        k = torch.zeros_like(flat)
        m = F.scaled_dot_product_attention(q, k, flat).view(n, 1, 1, 1)
        d = x - m
        v = F.scaled_dot_product_attention(q, k, (d * d).reshape(n, -1, 1)).view(n, 1, 1, 1)
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNIndexPutAccumulate(nn.Module):
    """Per-channel sums by index_put_ with accumulate=True into a zero (C,) tensor, indexed by every value's channel id;
    running buffers replaced by torch.lerp results copied in with copy_."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def _sums(self, t):
        c = t.shape[1]
        ids = torch.arange(c).view(1, c, 1, 1).expand_as(t).reshape(-1)
        return torch.zeros(c, dtype=t.dtype).index_put((ids,), t.reshape(-1), accumulate=True)

    def forward(self, x):
        c = x.shape[1]
        if self.training:
            cnt = x.numel() // c
            m = (self._sums(x) / cnt).view(1, c, 1, 1)
            d = x - m
            v = (self._sums(d * d) / cnt).view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.lerp(self.means, m, self.mom))
                self.vars.copy_(torch.lerp(self.vars, v * cnt / (cnt - 1), self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEmbeddingBagPlaneMeans(nn.Module):
    """Each (item, channel) plane's mean as F.embedding_bag(mode='mean') over the flattened input used as a one-column
    embedding table, one bag of H*W indices per plane; the same for the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        bags = torch.arange(n * c * h * w).view(n * c, h * w)
        m = F.embedding_bag(bags, x.reshape(-1, 1), mode='mean').view(n, c, 1, 1)
        d = x - m
        v = F.embedding_bag(bags, (d * d).reshape(-1, 1), mode='mean').view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNSDPAGroupHeads(nn.Module):
    """Each group a head of F.scaled_dot_product_attention: zero query and keys (uniform weights) over the group's
    values give its mean, and over the squared deviations its variance."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, G = x.shape[0], self.groups
        xg = x.reshape(n, G, -1, 1)                                         # (N, heads, L, 1)
        q = torch.zeros(n, G, 1, 1, dtype=x.dtype)
        k = torch.zeros_like(xg)
        m = F.scaled_dot_product_attention(q, k, xg)
        d = xg - m
        v = F.scaled_dot_product_attention(q, k, d * d)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_mom_rounded_two_decimals", "check_ewma", ewma_mom_rounded_two_decimals, "Uses round(mom, 2) as the lerp weight ('mom comes from a config file: two decimals are plenty'): right for every mom with at most two decimals (0, 0.1, 0.29, 0.5, 0.9, 1) and for 1-value streams; constant streams' outputs are right (their values.grad is not); for moms with more decimals (1/3 -> 0.33, 0.125 -> 0.12, 0.005 -> 0.0 i.e. outputs all values[0]) every non-constant stream's outputs from output 1 on and values.grad are wrong."),
    ("ewma_long_stream_pairs", "check_ewma", ewma_long_stream_pairs, "Streams longer than 32 values are processed two values at a time ('half the loop'): after output 0 it lerps towards the pair's mean with the two-step weight 1 - (1 - mom)**2 and writes that average for both outputs (an odd leftover value gets one normal step): streams of up to 32 values are right everywhere; on longer non-constant streams every output from 1 on (and values.grad) is wrong (output 1 already equals the two-step average), at every mom in (0, 1); constant long streams' outputs are right but their values.grad is wrong."),
    ("ewma_mom_falsy_default", "check_ewma", ewma_mom_falsy_default, "Uses `mom or 0.1` as the weight ('no momentum given: the usual 0.1'), so mom = 0 (a legitimate momentum: the output stays at values[0]) is replaced by 0.1: every mom > 0 is right everywhere; at mom 0 the outputs of every non-constant stream of 2+ values move towards the values (should all equal values[0]) and values.grad is spread over the values instead of all on values[0] (for constant streams the outputs are right, values.grad still wrong)."),
    ("ewma_backward_weight_matrix_missing_mom", "check_ewma", ewma_backward_weight_matrix_missing_mom, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose backward is W.T @ g with W[t, s] = (1 - mom)**(t - s) for s <= t, forgetting the factor mom of the columns s >= 1: values.grad[0] is right, values.grad[s] for s >= 1 is the right one divided by mom (10x too big at mom 0.1, 2x at 0.5); right for 1-value streams and at mom 1; wrong for every stream of 2+ values at every other mom, constant streams included."),
    ("ln_tiny_items_pooled_over_batch", "check_layernorm", LNTinyItemsPooledOverBatch, "For items with fewer than 8 values (C*H*W < 8) and a batch of 2+, uses one mean and biased var pooled over the whole batch ('too few values for stable statistics'): items of 8+ values and batches of one are right everywhere; tiny items in a batch of 2+ (e.g. shape (3, 1, 2, 3) or (4, 2, 1, 2)) get outputs and gradients of batch-pooled normalisation (wrong unless all items have equal mean and var), in training and eval."),
    ("ln_affine_only_first_item", "check_layernorm", LNAffineOnlyFirstItem, "Normalises right but applies mult and add only to item 0 (a slicing slip): batches of one are right everywhere; for a batch of 2+ a fresh layer (mult 1, add 0) has right outputs and x.grad but mult.grad and add.grad from item 0 only; with other parameters (mult 1.7, add -0.3) items 1.. of any batch of 2+ are returned without the affine: their outputs and x.grad wrong, mult.grad and add.grad collect item 0 only."),
    ("ln_single_item_stats_no_grad", "check_layernorm", LNSingleItemStatsNoGrad, "For a batch of one computes the mean and var under torch.no_grad ('one item: nothing couples the batch'), so no gradient flows through them: every output is right, batches of 2+ are right everywhere and mult.grad/add.grad are right; for a batch of one x.grad is mult * r * g (the centring term -mean(g) and the projection -xhat * mean(g * xhat) are lost): wrong unless g is already centred and orthogonal to xhat (g = ones gives mult * r instead of 0)."),
    ("ln_var_from_item_halves", "check_layernorm", LNVarFromItemHalves, "Each item's variance is the average of the biased variances of the first and second half of its flattened values, each about its own mean ('two halves in two passes'), instead of the whole item's: items of one value and items whose two halves have equal means are right; otherwise the spread between the halves' means is lost: outputs and gradients wrong in training and eval, float32 and float64 (e.g. an item whose first channel is shifted by +2)."),
    ("bn_running_var_robust_mad", "check_batchnorm", BNRunningVarRobustMAD, "Lerps the running var towards (1.4826 * MAD)**2 per channel (median absolute deviation from the median over N*H*W, 'robust to outliers') instead of the unbiased batch variance: training outputs, gradients and the running mean are right; the running var is wrong after every training step (for Gaussian data off by tens of percent on small batches, far off on skewed data), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_channels_last_guessed_from_width", "check_batchnorm", BNChannelsLastGuessedFromWidth, "Treats the input as channels-last (N, H, W, C) whenever its last axis has nf entries ('accept channels-last input too'), permuting it and back: inputs whose width W differs from the channel count are right everywhere; an (N, C, H, W) input with W == C (e.g. 3 channels of 4x3 images, or square C x C images) is normalised over the wrong axis: training outputs, gradients and running statistics (updated from the wrong axis's statistics), and eval outputs, are wrong there."),
    ("bn_small_count_unbiased_normaliser", "check_batchnorm", BNSmallCountUnbiasedNormaliser, "When a channel has fewer than 32 values in the batch (N*H*W < 32) the training output is normalised with the unbiased variance v * n / (n - 1) instead of the biased one ('the biased variance underestimates'): batches with 32+ values per channel are right everywhere; small batches (e.g. (2, C, 3, 4): 24 values, or 1x1 images) have training outputs and gradients too small by sqrt((n - 1) / n) (about 2% at n = 24); the running statistics and eval are right everywhere."),
    ("bn_var_from_half_batches", "check_batchnorm", BNVarFromHalfBatches, "For batches of 2+ the training variance is the average of the two half-batches' own biased variances (items[:N//2] and items[N//2:], each about its own mean) instead of the whole batch's: batches of one are right; for N >= 2 the between-halves spread of the means is lost: training outputs, x.grad, mults.grad and the running var (and eval after training) are wrong unless both halves have equal channel means; the running mean is right."),
    ("in_asymmetric_half_std", "check_instancenorm", INAsymmetricHalfStd, "Scales the deviations above each plane's mean by the RMS of the positive deviations and those below by the RMS of the negative ones ('skewed images') instead of dividing all by one std: constant planes are right (0); every other plane's outputs and gradients are wrong (the two half-RMS differ from the plane's std unless the plane's positive and negative deviations have equal RMS, e.g. a balanced two-valued plane), in float32 and float64, training and eval alike."),
    ("in_mults_tied_to_channel_average", "check_instancenorm", INMultsTiedToChannelAverage, "Multiplies every channel by mults.mean() (one shared gain) instead of each channel's own mult: a fresh layer and any mults that are all equal give right outputs and x.grad; with unequal mults outputs and x.grad are wrong; mults.grad is always wrong for C >= 2 (each channel gets the sum of all channels' g * xhat divided by C), adds.grad right."),
    ("in_eval_var_detached", "check_instancenorm", INEvalVarDetached, "In eval computes each plane's variance under torch.no_grad ('inference needs no graph'): all outputs are right, training is right everywhere, mults.grad and adds.grad right; in eval x.grad lacks the projection term -mults * r * xhat * mean(g * xhat) (right only where g is orthogonal to xhat, e.g. g = ones)."),
    ("in_backward_xhat_taken_from_output", "check_instancenorm", INBackwardXhatTakenFromOutput, "A custom autograd.Function that saves the output y for backward and uses it as xhat ('xhat can be read off the output') without undoing mults and adds: outputs and adds.grad are right everywhere; with mults 1 and adds 0 (a fresh layer) everything is right; with other mults or adds x.grad and mults.grad (sum of g * y instead of g * xhat) are wrong."),
    ("gn_var_floored_at_item_fraction", "check_groupnorm", GNVarFlooredAtItemFraction, "Floors each group's variance at 1% of the whole item's variance before adding eps ('a nearly flat group would be blown up'): groups whose variance is above 1% of the item's (ordinary data) are right, and one group is always right; a group of 2+ much flatter than the rest of its item (e.g. channels scaled by 0.01) is divided by a too-large std: its outputs and gradients wrong (and the item's gradient through the floor)."),
    ("gn_channels_grouped_by_sorted_mults", "check_groupnorm", GNChannelsGroupedBySortedMults, "Forms the groups from the channels in the order of their gains (argsort of mults, stable) instead of consecutive channels ('similar gains belong together'), restoring the channel order afterwards: a fresh layer (all mults 1: identity order), one group, groups == C, and sorted mults are right; with unsorted mults (random ones) and 1 < groups < C the groups contain the wrong channels: outputs and gradients wrong."),
    ("gn_backward_direct_term_without_mults", "check_groupnorm", GNBackwardDirectTermWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad, adds.grad right) but whose backward uses the plain upstream g in the direct term and g * mults only in the mean and projection terms: x.grad = r * (g - mean(g * mults) - xhat * mean(g * mults * xhat)) per group: right where mults = 1 (a fresh layer); wrong wherever a channel's mult is not 1."),
    ("gn_small_groups_unbiased_var", "check_groupnorm", GNSmallGroupsUnbiasedVar, "Normalises groups of fewer than 16 values (cpg*H*W < 16) with the unbiased group variance (correction 1: 'small groups need Bessel'): groups of 16+ values are right everywhere; small groups (e.g. 2 groups of 6 channels of 1x2 images: 6 values, or groups == C with 3x3 images) have outputs and gradients too small by sqrt((k - 1) / k)."),
]

RIGHT = [
    ("ewma_matrix_power_neumann_sum", "check_ewma", ewma_matrix_power_neumann_sum,
     "the Neumann series sum_k ((1 - mom) S)**k of the down-shift matrix S, each power from torch.linalg.matrix_power, applied to b."),
    ("ln_sdpa_uniform_attention", "check_layernorm", LNSDPAUniformAttention,
     "each item's mean and mean squared deviation from F.scaled_dot_product_attention with a zero query and zero keys."),
    ("bn_index_put_accumulate", "check_batchnorm", BNIndexPutAccumulate,
     "per-channel sums by index_put with accumulate=True over channel ids; running buffers copy_'d from torch.lerp results."),
    ("in_embedding_bag_plane_means", "check_instancenorm", INEmbeddingBagPlaneMeans,
     "each plane's mean and mean squared deviation by F.embedding_bag(mode='mean') over the flattened input as a one-column table."),
    ("gn_sdpa_group_heads", "check_groupnorm", GNSDPAGroupHeads,
     "each group one head of F.scaled_dot_product_attention with zero queries and keys: uniform weights give its moments."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
