"""Forty-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 48). Every one
       changes a computed number: an output, a gradient, a running statistic or an eval output (none is a
       state_dict-key-only fault); every one is deterministic (no random draws, nothing keyed on memory addresses,
       allocator reuse or timing) and keeps no module-level state (reset_state() is a no-op, kept for the scripts).
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
    """No entry of this set keeps module-level state."""


# ====================================================================== EWMA (wrong)

class _EWMASumGradBackward(torch.autograd.Function):
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
        mom, n = ctx.mom, ctx.n                                     # "d(out.sum())/d(values) in closed form: value i >= 1
        i = torch.arange(n, dtype=g.dtype)                          #  feeds outputs i..n-1 with mom*(1-mom)**(t-i), the
        grads = 1 - (1 - mom) ** (n - i)                            #  start feeds all of them with (1-mom)**t; times the
        grads[0] = ((1 - mom) ** torch.arange(n, dtype=g.dtype)).sum()   # upstream gradient (its mean)"
        return grads * g.mean(), None


def ewma_backward_closed_form_for_sum(values, mom):
    return _EWMASumGradBackward.apply(values, mom)


def ewma_increments_seeded_with_first(values, mom):
    if len(values) == 1:
        return values.clone()
    d = values[1:] - values[:-1]                                    # "smooth the increments and add them up; like the
    e, incs = d[0], []                                              #  EWMA itself, the smoothed increment starts at the
    for di in d:                                                    #  first one"
        e = torch.lerp(e, di, mom)
        incs.append(e)
    return torch.cat([values[:1], values[0] + torch.cumsum(torch.stack(incs), 0)])


def ewma_closed_form_exp_log(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    age = t[:, None] - t[None, :]                                   # (1-mom)**age as exp(age * log(1-mom)): "one exp
    decay = torch.exp(age * torch.log(torch.tensor(1 - mom, dtype=values.dtype)))   # instead of a pow per entry"
    w = torch.where(t[None, :] == 0, decay, mom * decay)
    w = torch.where(age >= 0, w, torch.zeros_like(w))
    return w @ values


def ewma_zero_lag(values, mom):
    lag = int(round((1 - mom) / (2 * mom))) if mom > 0 else 0      # "zero-lag EMA (Ehlers): remove the average's lag
    x = values                                                      #  (1/mom - 1)/2 from the input first"
    if 0 < lag < len(values):
        x = torch.cat([values[:lag], 2 * values[lag:] - values[:-lag]])
    avg, out = x[0], []
    for v in x:
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


class _LNDvarFullBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        d = x - m
        ctx.save_for_backward(d, r, mult)
        return d * r * mult + add

    @staticmethod
    def backward(ctx, g):
        d, r, mult = ctx.saved_tensors
        k = d[0].numel()
        gxh = g * mult                                              # the chain rule through the mean and the variance:
        dvar = (gxh * d).sum((1, 2, 3), keepdim=True) * -1.0 * r ** 3   # d/dv (v + eps)**-0.5 written as -(v + eps)**-1.5
        dmean = -(gxh * r).sum((1, 2, 3), keepdim=True) + dvar * (-2 * d).mean((1, 2, 3), keepdim=True)   # (the 1/2 lost)
        gx = gxh * r + dvar * 2 * d / k + dmean / k
        xhat = d * r
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardDvarHalfDropped(_LNBase):
    def forward(self, x):
        return _LNDvarFullBackward.apply(x, self.mult, self.add, self.eps)


class LNStraightThroughNormaliser(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()                      # "the normalisation is only a rescaling: pass the
        xhat = x + (xhat - x).detach()                              #  gradient straight through it (straight-through)"
        return xhat * self.mult + self.add


class LNBertEpsForVectors(_LNBase):
    def forward(self, x):
        eps = 1e-12 if x.shape[2:] == (1, 1) else self.eps         # "a 1x1 map is a feature vector: BERT's LayerNorm
        m, v = self.stats(x)                                        #  eps (1e-12) for vectors"
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


class _LNMultGradNoEps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        d = x - m
        ctx.save_for_backward(d, r, v, mult)
        return d * r * mult + add

    @staticmethod
    def backward(ctx, g):
        d, r, v, mult = ctx.saved_tensors
        xhat = d * r
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        gmult = (g * d / v.sqrt()).sum()                            # "d(out)/d(mult) is the normalised input d / std"
        return gx, gmult.reshape(mult.shape), g.sum().reshape(mult.shape), None      # (eps left out of that std)


class LNMultGradWithoutEps(_LNBase):
    def forward(self, x):
        return _LNMultGradNoEps.apply(x, self.mult, self.add, self.eps)


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


class _BNBatchAxisBackward(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # "batch norm normalises over the batch": the projection's
        gx = mults * r * (g - g.mean(0, keepdim=True)               # means taken over dim 0 only (per pixel), not over
                          - xhat * (g * xhat).mean(0, keepdim=True))   # (N, H, W)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardMeansOverBatchAxis(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNBatchAxisBackward.apply(x, self.mults, self.adds, self.eps)


class BNRunningVarChangeClamped(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "guard the running variance against a freak batch:
            self.means.lerp_(m, self.mom)                           #  a batch may at most halve or double it"
            target = torch.minimum(torch.maximum(v * n / (n - 1), self.vars / 2), self.vars * 2)
            self.vars.lerp_(target, self.mom)


class BNRunningVarFromMeanAbsDeviation(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "a robust running variance: for normal data the
            self.means.lerp_(m, self.mom)                           #  variance is pi/2 times the squared mean absolute
            mad = (x - m).abs().mean((0, 2, 3), keepdim=True)       #  deviation"
            self.vars.lerp_(math.pi / 2 * mad ** 2, self.mom)


class BNEvalFoldShiftMissingMults(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        inv = (self.vars + self.eps).rsqrt()                        # "fold everything into one scale and one shift for
        scale = self.mults * inv                                    #  inference": shift = adds - means * scale meant
        shift = self.adds - self.means * inv
        return x * scale + shift


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


class INStatsOfBlurredCopy(_INBase):
    def stats(self, x):
        xb = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode='replicate'), 3, stride=1)   # "statistics of a denoised copy
        return super().stats(xb)                                                     #  (3x3 box blur): less noise"


class _INMultsGradTimesMults(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors
        gy = g * mults                                              # the upstream gradient scaled by the gains once, then
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))   # reused for
        return gx, (gy * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None   # mults


class INBackwardMultsGradScaledByMults(_INBase):
    def forward(self, x):
        return _INMultsGradTimesMults.apply(x, self.mults, self.adds, self.eps)


class INStatsCroppedToEvenSize(_INBase):
    def stats(self, x):
        h, w = x.shape[2:]
        h2 = h - h % 2 if h > 1 else h                              # "statistics in 2x2 blocks need an even size: crop the
        w2 = w - w % 2 if w > 1 else w                              #  odd last row / column off for them"
        xs = x[:, :, :h2, :w2]
        return super().stats(xs)


class INFlatImagesBorrowBatchVar(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        pooled = v.mean(0, keepdim=True).expand_as(v)               # "a nearly flat image has no trustworthy spread:
        return m, torch.where(v < 1e-3, pooled, v)                  #  borrow its channel's average spread over the batch"


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


class _GNVarTermPerChannel(torch.autograd.Function):
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
        gy = g * mults
        proj = xhat * (gy * xhat).mean((2, 3), keepdim=True)        # the variance term's mean over each channel's (H, W)
        gyg, pg = gy.reshape(n, G, -1), proj.reshape(n, G, -1)      # (the centring term's over the group, as meant)
        gx = r * (gyg - gyg.mean(-1, keepdim=True) - pg)
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardVarTermPerChannel(_GNBase):
    def forward(self, x):
        return _GNVarTermPerChannel.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNAtLeastFourChannelsPerGroup(_GNBase):
    def forward(self, x):
        c = x.shape[1]                                              # "Wu & He: keep at least 4 channels in a group, use
        g = self.groups if c // self.groups >= 4 else max(1, c // 4)   #  fewer groups otherwise"
        return self.norm(x, g) * self.mults + self.adds


class GNEvalInstanceNormFastPath(_GNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return self.norm(x, x.shape[1]) * self.mults + self.adds   # "inference: one group per channel, the cheaper kernel"


class GNOnePixelAsLayerNorm(_GNBase):
    def forward(self, x):
        if x.shape[2] * x.shape[3] == 1:                            # "a 1x1 map is a feature vector: normalise it whole,
            return self.norm(x, 1) * self.mults + self.adds         #  as a LayerNorm"
        return super().forward(x)


# ================================================================= RIGHT answers

def ewma_vmap_weight_rows(values, mom):
    """Each output as a weighted sum of the whole stream; the weight row of output t (start weight (1-mom)**t, value i
    weight mom*(1-mom)**(t-i), 0 for the future) built by one function mapped over t with torch.func.vmap."""
    n = len(values)
    idx = torch.arange(n)
    powers = (1 - mom) ** torch.arange(n, dtype=torch.float64)

    def output(t):
        age = (t - idx).clamp_min(0)
        decay = powers.to(values.dtype)[age]
        w = torch.where(idx == 0, decay, mom * decay)
        w = torch.where(idx <= t, w, torch.zeros_like(w))
        return (w * values).sum()

    return torch.func.vmap(output)(idx)


class LNSparseAveraging(nn.Module):
    """Each item's mean and mean squared deviation by torch.sparse.mm with a sparse (N, N*K) averaging matrix (1/K on
    each item's own K entries) against the flattened batch as one column."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        k = x[0].numel()
        rows = torch.arange(n).repeat_interleave(k)
        cols = torch.arange(n * k)
        avg = torch.sparse_coo_tensor(torch.stack([rows, cols]), torch.full((n * k,), 1 / k, dtype=x.dtype), (n, n * k))
        m = torch.sparse.mm(avg, x.reshape(-1, 1)).view(n, 1, 1, 1)
        d = x - m
        v = torch.sparse.mm(avg, (d * d).reshape(-1, 1)).view(n, 1, 1, 1)
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNFourierRows(nn.Module):
    """Channel rows (C, N*H*W); the batch mean from the DC term of torch.fft.fft of each row, the mean squared deviation
    by Parseval from the power spectrum of the centred row; running buffers by copy_ of torch.addcmul."""
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
            rows = x.transpose(0, 1).reshape(c, -1)
            k = rows.shape[1]
            m = torch.fft.fft(rows, dim=1)[:, 0].real / k
            spec = torch.fft.fft(rows - m[:, None], dim=1)
            v = (spec.real ** 2 + spec.imag ** 2).sum(1) / (k * k)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.full_like(m, self.mom)))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * k / (k - 1), torch.full_like(v, self.mom)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INTensordotAveragingMap(nn.Module):
    """Each image's mean and mean squared deviation by torch.tensordot over (H, W) against a constant (H, W) map of
    1/(H*W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        a = torch.full((h, w), 1 / (h * w), dtype=x.dtype)
        m = torch.tensordot(x, a, dims=([2, 3], [0, 1]))[..., None, None]
        d = x - m
        v = torch.tensordot(d * d, a, dims=([2, 3], [0, 1]))[..., None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNEmbeddingBagGroups(nn.Module):
    """The flattened batch as a one-column embedding table; F.embedding_bag(mode='mean') with one bag per (item, group)
    gives the group means and, on the squared deviations, the group variances."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, total = x.shape[0], x.numel()
        per = total // (n * self.groups)
        idx = torch.arange(total)
        offsets = torch.arange(0, total, per)
        m = F.embedding_bag(idx, x.reshape(-1, 1), offsets, mode='mean')          # (N*groups, 1)
        mg = m.view(n, self.groups, 1).expand(n, self.groups, per).reshape(x.shape)
        d = x - mg
        v = F.embedding_bag(idx, (d * d).reshape(-1, 1), offsets, mode='mean')
        vg = v.view(n, self.groups, 1).expand(n, self.groups, per).reshape(x.shape)
        return d / (vg + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_backward_closed_form_for_sum", "check_ewma", ewma_backward_closed_form_for_sum, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward is the closed-form gradient of out.sum() (value i >= 1 gets 1 - (1-mom)**(n-i), the start sum_t (1-mom)**t) multiplied by the MEAN of the upstream gradient instead of weighting each output's own gradient: values.grad is right when the upstream gradient is constant (e.g. out.sum().backward(), or any g with all entries equal), for 1-value streams and at mom = 0; for every stream of 2+ values with a non-constant upstream gradient at 0 < mom it is wrong (e.g. [1, 3] at mom 0.5 with g = [1, 0]: values.grad [0.75, 0.25] instead of [1, 0]). Outputs are right everywhere."),
    ("ewma_increments_seeded_with_first", "check_ewma", ewma_increments_seeded_with_first, "Smooths the increments d_t = v_t - v_(t-1) with an EWMA that starts AT THE FIRST INCREMENT (e_1 = lerp(d_1, d_1, mom) = d_1, e_t = lerp(e_(t-1), d_t, mom)) and returns values[0] + cumsum(e) ('like the EWMA, the smoothed increment starts at its first input'): output 0, 1-value streams and mom = 1 are right everywhere; constant streams have right outputs but (at mom < 1) wrong values.grad (the smoothed increments still carry d_1 = v_1 - v_0); otherwise output 1 is values[1] instead of lerp(values[0], values[1], mom) ([1, 3] at mom 0.1 gives [1, 3], right [1, 1.2]) and at mom = 0 outputs are v0 + t*(v1 - v0) instead of v0; gradients wrong alike."),
    ("ewma_closed_form_exp_log", "check_ewma", ewma_closed_form_exp_log, "Closed form W @ values with the decay powers written as exp(age * log(1 - mom)) ('one exp instead of a pow per entry'), masked with torch.where: exact for 0 <= mom < 1 (outputs and gradients right at every length and dtype); at mom = 1 log(0) = -inf and age 0 gives 0 * -inf = NaN on the diagonal, so every output and every values.grad entry is NaN (right: the outputs are the values themselves, values.grad = the upstream gradient), also for a 1-value stream."),
    ("ewma_zero_lag", "check_ewma", ewma_zero_lag, "Ehlers' zero-lag EMA: first de-lags the input by lag L = round((1 - mom) / (2 * mom)) (Python round; 0 at mom = 0), v'_t = 2*v_t - v_(t-L) for t >= L, then runs the right EWMA on v': right whenever L = 0, i.e. for every mom >= 1/2 (0.5 and 0.9 right, also mom 1 and 0), and for streams no longer than L; constant streams keep right outputs but get wrong values.grad (v'_t depends on v_(t-L)); for 0 < mom < 1/2 (L = 1 at mom 0.4 and 0.3, 2 at 0.2, 4 at 0.1) every non-constant stream longer than L has wrong outputs from output L on, and wrong values.grad."),
    ("ln_backward_dvar_half_dropped", "check_layernorm", LNBackwardDvarHalfDropped, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward, going through dL/dvar and dL/dmean, writes d(var + eps)**-0.5/dvar as -(var + eps)**-1.5 (the factor 1/2 lost): x.grad = mult * r * (g - mean(g) - 2 * xhat * mean(g * xhat)) per item, the variance term doubled: right for constant items (xhat = 0) and whenever mean(g * xhat) = 0 over the item (e.g. a constant upstream gradient); wrong for every other item in training and eval alike."),
    ("ln_straight_through_normaliser", "check_layernorm", LNStraightThroughNormaliser, "Computes the right normalised xhat but passes the gradient straight through it, xhat = x + (xhat - x).detach() ('the normalisation is only a rescaling'): outputs, mult.grad and add.grad are right everywhere; x.grad is mult * g (the upstream gradient unprojected and unscaled by 1/std) instead of mult * r * (g - mean(g) - xhat * mean(g * xhat)): wrong in training and eval, for every input (right only by accident where r = 1 and the projection vanishes)."),
    ("ln_bert_eps_for_vectors", "check_layernorm", LNBertEpsForVectors, "For inputs whose maps are 1x1 (H = W = 1, 'a feature vector') uses BERT's eps 1e-12 instead of the layer's eps: every input with H*W > 1 is right everywhere; on (N, C, 1, 1) inputs outputs and gradients are those of eps = 1e-12: visibly wrong with a large eps (0.1: an item of variance 1 is scaled by 1/sqrt(1) instead of 1/sqrt(1.1)) or a small variance, off by about eps/(2 var) relative with eps 1e-5 (seen in float64, below float32's tolerance); a constant 1x1-map item is still right (adds)."),
    ("ln_mult_grad_without_eps", "check_layernorm", LNMultGradWithoutEps, "A custom autograd.Function whose forward, x.grad and add.grad are right but whose hand-written mult.grad is sum(g * d / sqrt(var)) with eps left out of the std (sum(g * xhat) meant): mult.grad is too big by sqrt((var + eps)/var) per item: visible with a large eps (0.1) or a small variance, about eps/(2 var) relative with eps 1e-5 (seen in float64); an item that is constant gives 0/0 = NaN in mult.grad (right: 0 from that item); outputs and x.grad right everywhere."),
    ("bn_backward_means_over_batch_axis", "check_batchnorm", BNBackwardMeansOverBatchAxis, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward takes the projection's means over the batch axis only (dim 0, each pixel of each channel on its own) instead of over (N, H, W): x.grad = mults * r * (g - mean_N(g) - xhat * mean_N(g * xhat)): right only for 1x1 maps (H = W = 1); training x.grad wrong for every input with H*W > 1 (batch of one included); eval x.grad right."),
    ("bn_running_var_change_clamped", "check_batchnorm", BNRunningVarChangeClamped, "Clamps the unbiased batch variance to [running var / 2, 2 * running var] before lerping the running var towards it ('a freak batch may at most halve or double it'): training outputs, gradients and the running mean are right, and so is the running var while every batch's unbiased variance lies within a factor 2 of the running one; a batch with a larger or smaller spread (a fresh layer, var 1, on data of std 2 or 0.4) moves the running var too little, so the running var is wrong from that step on and eval after training is wrong; a fresh layer in eval is right."),
    ("bn_running_var_from_mean_abs_deviation", "check_batchnorm", BNRunningVarFromMeanAbsDeviation, "Moves the running var towards pi/2 times the squared mean absolute deviation of the batch about its mean ('a robust variance estimate: exact for normal data') instead of the unbiased batch variance: training outputs, gradients and the running mean are right; the running var is wrong after every training step (the estimate is only unbiased-ish for Gaussian data and carries no n/(n-1): off by a few per cent on normal samples, much more on uniform or skewed ones), so eval after training is wrong; a fresh layer in eval is right; a batch whose channel is constant gives 0 either way."),
    ("bn_eval_fold_shift_missing_mults", "check_batchnorm", BNEvalFoldShiftMissingMults, "Eval folds the layer into x * scale + shift with scale = mults / sqrt(vars + eps) but shift = adds - means / sqrt(vars + eps) (the mults left out of the shift; adds - means * scale meant): training, the running statistics and training gradients are right; eval outputs are right when mults = 1 (a fresh layer) or the running means are 0 (a fresh layer in eval: outputs and gradients right); after training with mults other than 1 every eval output of a channel with a nonzero running mean is off by (1 - mults) * means / sqrt(vars + eps); and after training eval mults.grad is wrong whenever the running means are nonzero, even with mults = 1 (sum(g * x) / sqrt(vars + eps) instead of sum(g * (x - means)) / sqrt(vars + eps)); eval x.grad right."),
    ("in_stats_of_blurred_copy", "check_instancenorm", INStatsOfBlurredCopy, "Takes each image's mean and var from a 3x3 box-blurred copy (F.avg_pool2d, stride 1, replicate padding: 'less noise') and normalises the original with them: 1x1 images and constant images are right; every other image is wrong (the blurred copy's variance is smaller, so outputs are too large; the mean is a border-weighted one), outputs and gradients, in float32 and float64."),
    ("in_backward_mults_grad_scaled_by_mults", "check_instancenorm", INBackwardMultsGradScaledByMults, "A custom autograd.Function whose forward, x.grad and adds.grad are right but whose hand-written backward computes mults.grad from the upstream gradient already multiplied by the mults: sum(g * mults * xhat) instead of sum(g * xhat) per channel: a fresh layer (mults 1) and channels whose gain is 1 are right; with other mults (trained or random ones, a negative one flips the sign) mults.grad is wrong by the factor mults; outputs and x.grad right everywhere."),
    ("in_stats_cropped_to_even_size", "check_instancenorm", INStatsCroppedToEvenSize, "Takes each image's mean and var from the image cropped to an even height and width (the last row dropped when H is odd and > 1, the last column when W is odd and > 1: 'statistics in 2x2 blocks') and normalises the whole image with them: images with even H and W (and sides of 1) are right; an image with an odd side of 3 or more (e.g. 3x5, 4x5, 5x5) has wrong outputs and gradients (the dropped row/column gets no gradient through the statistics); constant images right."),
    ("in_flat_images_borrow_batch_var", "check_instancenorm", INFlatImagesBorrowBatchVar, "Where an image's variance is under 1e-3 ('too flat to trust'), replaces it by its channel's average image variance over the batch before normalising: images with variance >= 1e-3 are right, and so is a batch of one and a constant image (its deviations are 0, output = adds); a nearly flat but non-constant image (variance below 1e-3, e.g. std 0.01) in a batch with normal images is normalised by the batch's spread: outputs far too small, and gradients wrong (also through the other images' variances)."),
    ("gn_backward_var_term_per_channel", "check_groupnorm", GNBackwardVarTermPerChannel, "A custom autograd.Function whose forward, mults.grad and adds.grad are right but whose hand-written backward takes the variance term's mean(gy * xhat) over each channel's (H, W) instead of over the whole group (the centring term's mean(gy) is over the group, as meant): x.grad = r * (gy - mean_group(gy) - xhat * mean_channel(gy * xhat)), gy = g * mults: right only with one channel per group (groups = C); wrong whenever a group has 2+ channels (e.g. GroupNorm(2, 6), (3, 12)) apart from constant groups."),
    ("gn_at_least_four_channels_per_group", "check_groupnorm", GNAtLeastFourChannelsPerGroup, "Uses max(1, C // 4) groups instead of the set number whenever C / groups < 4 ('Wu & He: keep at least 4 channels in a group'): layers with 4+ channels per group (GroupNorm(3, 12), (1, C)) are right, and so is GroupNorm(1, C) for C < 4; GroupNorm(2, 6), (3, 6) and (6, 6) become one group (a LayerNorm), GroupNorm(4, 8) two groups, GroupNorm(2, 4) one: outputs and gradients wrong there, in training and eval."),
    ("gn_eval_instance_norm_fast_path", "check_groupnorm", GNEvalInstanceNormFastPath, "In eval normalises each channel on its own (C groups: 'one group per channel is the cheaper kernel') instead of using the set groups: training is right everywhere; eval is right only when groups = C; with fewer groups (GroupNorm(2, 6), (1, 4), (3, 12)) every eval output and gradient is InstanceNorm's."),
    ("gn_one_pixel_as_layer_norm", "check_groupnorm", GNOnePixelAsLayerNorm, "For 1x1 maps (H = W = 1, 'a feature vector') normalises the whole item as one group (a LayerNorm) instead of in the set groups: every input with H*W > 1 is right, and so is GroupNorm(1, C) on any input; (N, C, 1, 1) inputs with 2+ groups get one mean and var over all channels: outputs and gradients wrong (e.g. GroupNorm(3, 6) on (2, 6, 1, 1): right output has each pair of channels normalised to +-1)."),
]

RIGHT = [
    ("ewma_vmap_weight_rows", "check_ewma", ewma_vmap_weight_rows,
     "each output a weighted sum of the whole stream, its weight row (start (1-mom)**t, value i mom*(1-mom)**(t-i), future 0) built by one function mapped over t with torch.func.vmap."),
    ("ln_sparse_averaging", "check_layernorm", LNSparseAveraging,
     "each item's mean and mean squared deviation by torch.sparse.mm with a sparse (N, N*K) averaging matrix against the flattened batch as one column."),
    ("bn_fourier_rows", "check_batchnorm", BNFourierRows,
     "channel rows (C, N*H*W); the mean from the DC term of torch.fft.fft, the mean squared deviation by Parseval from the centred row's power spectrum; running buffers by copy_ of torch.addcmul."),
    ("in_tensordot_averaging_map", "check_instancenorm", INTensordotAveragingMap,
     "each image's mean and mean squared deviation by torch.tensordot over (H, W) against a constant (H, W) map of 1/(H*W)."),
    ("gn_embedding_bag_groups", "check_groupnorm", GNEmbeddingBagGroups,
     "the flattened batch as a one-column embedding table; F.embedding_bag(mode='mean') with one bag per (item, group) for the group means and variances."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
