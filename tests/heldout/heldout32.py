"""Thirty-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout31 (heldoutN.py).
       Every one changes a computed number, a dtype or a gradient (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)


class _EWMAFnBackwardFiltersForward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, values, mom):
        ctx.mom = mom
        with torch.no_grad():
            return _lerp_loop(values, mom, values[0])

    @staticmethod
    def backward(ctx, g):
        # "the gradient of an EWMA is the EWMA of the gradient": the upstream gradient smoothed forward in time
        # (the same recursion from g[0]), instead of carried backwards from the last output
        return _lerp_loop(g, ctx.mom, g[0]), None


def ewma_backward_filters_forward(values, mom):
    return _EWMAFnBackwardFiltersForward.apply(values, mom)


def ewma_history_detached(values, mom):
    out = _lerp_loop(values, mom, values[0])
    return torch.cat([out[:-1].detach(), out[-1:]])                 # "only the final average is trained on"


def ewma_float32_math_cast_back(values, mom):
    v32 = values.float()                                            # "float32 is plenty for an average"
    return _lerp_loop(v32, mom, v32[0]).to(values.dtype)            # cast back: a float64 stream gets float64 with float32 accuracy


def ewma_negatives_skipped(values, mom):
    avg, out = values[0], []
    for v in values:
        if v >= 0:                                                  # "negative readings are sensor glitches: hold the average"
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

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class LNStatsCachedByShape(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self._cache = {}

    def forward(self, x):
        key = tuple(x.shape)
        if key not in self._cache:                                  # "same shape, same statistics: compute them once"
            self._cache[key] = (x.mean((1, 2, 3), keepdim=True).detach(),
                                x.var((1, 2, 3), keepdim=True, correction=0).detach())
        m, v = self._cache[key]
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class _LNFnAddGradAveraged(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, r, mult = ctx.saved_tensors
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        return dx, (g * xh).sum(), g.sum() / g.shape[0], None       # "average over the batch": the sum meant


class LNBackwardAddGradAveraged(_LNBase):
    def forward(self, x):
        return _LNFnAddGradAveraged.apply(x, self.mult, self.add, self.eps)


class _LNFnMultGradUncentred(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = (x - m) * r
        ctx.save_for_backward(x, xh, r, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        x, xh, r, mult = ctx.saved_tensors
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        return dx, (g * x * r).sum(), g.sum(), None                 # x * r: the centred (x - m) * r meant


class LNBackwardMultGradUncentred(_LNBase):
    def forward(self, x):
        return _LNFnMultGradUncentred.apply(x, self.mult, self.add, self.eps)


class LNMedianCentred(_LNBase):
    def forward(self, x):
        med = x.flatten(1).median(1).values.view(-1, 1, 1, 1)       # "the median is robust to outliers"
        d = x - med
        v = (d * d).mean((1, 2, 3), keepdim=True)
        return d / (v + self.eps).sqrt() * self.mult + self.add


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

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNEpsBakedIntoRunningVar(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1) + self.eps, self.mom)   # "store var + eps so eval need not add it"

    def forward(self, x):
        if self.training:
            return super().forward(x)
        return (x - self.means) / self.vars.sqrt() * self.mults + self.adds


class BNRunningVarAboutRunningMean(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            d2 = ((x - self.means) ** 2).mean((0, 2, 3), keepdim=True)   # deviations from the running mean: the batch mean meant
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(d2 * n / (n - 1), self.mom)


class BNRunningVarFromStdUnsquared(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(x.std((0, 2, 3), keepdim=True), self.mom)   # the unbiased std: its square (the var) meant


class BNRunningVarOfImageMeans(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():
            im = x.mean((2, 3), keepdim=True)                       # each image's channel means
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(im.var(0, keepdim=True), self.mom)      # the spread of the image means: the spread of all values meant


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class INEpsOnlyWhereSmall(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        v = torch.where(v < self.eps, v + self.eps, v)              # "eps only where it is needed, to avoid 0/0"
        return (x - m) / v.sqrt() * self.mults + self.adds


class INChannelLoopFromOne(_INBase):
    def forward(self, x):
        out = x.clone()
        for c in range(1, x.shape[1]):                              # range(x.shape[1]) meant: channel 0 left as it came
            out[:, c] = self.norm(x[:, c:c + 1])[:, 0]
        return out * self.mults + self.adds


class INChannelsLastReshapeScrambled(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xs = x.permute(0, 2, 3, 1).reshape(n, c, h * w)             # "channels last for speed": reshape(n, h*w, c).transpose meant
        m = xs.mean(-1, keepdim=True)
        v = xs.var(-1, keepdim=True, correction=0)
        xn = ((xs - m) / (v + self.eps).sqrt()).reshape(n, h, w, c).permute(0, 3, 1, 2)
        return xn * self.mults + self.adds


class INBesselInTraining(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=1 if self.training else 0)   # "unbiased while training, like BatchNorm"
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape)


class GNVarAboutItemMean(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        mi = x.mean((1, 2, 3)).view(-1, 1, 1)                       # the item's mean: the group's m meant
        v = ((xg - mi) ** 2).mean(-1, keepdim=True)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNEvalUsesLastBatchStats(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        if self.training or not hasattr(self, 'last'):
            m = xg.mean(-1, keepdim=True)
            v = xg.var(-1, keepdim=True, correction=0)
            if self.training:
                self.last = (m.detach().mean(0, keepdim=True), v.detach().mean(0, keepdim=True))   # "like BatchNorm"
        else:
            m, v = self.last
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class _GNFnMultsGradFromOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n, c = x.shape[:2]
        xg = x.view(n, groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = ((xg - m) * r).view(x.shape)
        y = xh * mults + adds
        ctx.save_for_backward(xh, y, r, mults)
        ctx.groups = groups
        return y

    @staticmethod
    def backward(ctx, g):
        xh, y, r, mults = ctx.saved_tensors
        n, c = g.shape[:2]
        G = ctx.groups
        gh = (g * mults).view(n, G, -1)
        xhg = xh.view(n, G, -1)
        dx = (r * (gh - gh.mean(-1, keepdim=True) - xhg * (gh * xhg).mean(-1, keepdim=True))).view(g.shape)
        dm = (g * y).sum((0, 2, 3)).view(mults.shape)               # the output y used: the normalised xhat meant
        return dx, dm, g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMultsGradFromOutput(_GNBase):
    def forward(self, x):
        return _GNFnMultsGradFromOutput.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNOneGroupLayerNormShortcut(_GNBase):
    def forward(self, x):
        if self.groups == 1:                                        # "one group is just LayerNorm"
            return F.layer_norm(x, x.shape[1:]) * self.mults + self.adds   # eps=self.eps forgotten: the default 1e-5 used
        return self.norm(x) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_unrolled_by_two(values, mom):
    """The loop unrolled two values at a time: from avg_t, avg_{t+1} = avg_t + mom * (v_{t+1} - avg_t) and
    avg_{t+2} = (1 - mom)**2 * avg_t + mom * (1 - mom) * v_{t+1} + mom * v_{t+2}; an odd last value takes one plain step."""
    n = len(values)
    avg = values[0]
    out = [avg]
    k, i = 1 - mom, 1
    while i + 1 < n:
        a1 = avg + mom * (values[i] - avg)
        a2 = k * k * avg + mom * k * values[i] + mom * values[i + 1]
        out += [a1, a2]
        avg, i = a2, i + 2
    if i < n:
        out.append(avg + mom * (values[i] - avg))
    return torch.stack(out)


class LNItemsAsColumns(nn.Module):
    """Each item's values laid out as one column of a (C*H*W, N) matrix (x.reshape(N, -1).T); column means and
    mean squared deviations along dim 0; the result transposed back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        cols = x.reshape(x.shape[0], -1).T
        d = cols - cols.mean(0)
        v = (d * d).mean(0)
        y = (d / (v + self.eps).sqrt()).T.reshape(x.shape)
        return y * self.mult + self.add


class BNDoubleInsideCastBack(nn.Module):
    """All arithmetic in float64 (x.double(), the buffers read with .double()); the output cast back with .to(x.dtype);
    the running statistics written back into the buffers with copy_ (which keeps the buffers' dtype)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        xd = x.double()
        if self.training:
            k = xd.numel() // xd.shape[1]
            m = xd.mean((0, 2, 3), keepdim=True)
            v = ((xd - m) ** 2).mean((0, 2, 3), keepdim=True)
            with torch.no_grad():
                self.means.copy_(self.means.double() * (1 - self.mom) + m * self.mom)
                self.vars.copy_(self.vars.double() * (1 - self.mom) + v * (k / (k - 1)) * self.mom)
        else:
            m, v = self.means.double(), self.vars.double()
        y = (xd - m) / (v + self.eps).sqrt() * self.mults.double() + self.adds.double()
        return y.to(x.dtype)


class INSparseAveraging(nn.Module):
    """Per-(item, channel) sums by torch.sparse.mm with a sparse (N*C, N*C*H*W) 0/1 membership matrix times the
    flattened input, divided by H*W, for x and for the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        rows, k = n * c, h * w
        idx = torch.stack([torch.arange(rows).repeat_interleave(k), torch.arange(rows * k)])
        A = torch.sparse_coo_tensor(idx, torch.ones(rows * k, dtype=x.dtype), (rows, rows * k))
        flat = x.reshape(-1, 1)
        m = torch.sparse.mm(A, flat).view(n, c, 1, 1) / k
        d = x - m
        v = torch.sparse.mm(A, (d * d).reshape(-1, 1)).view(n, c, 1, 1) / k
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNVmapGroupAxis(nn.Module):
    """torch.vmap over the group axis of the (N, G, C/G*H*W) view (in_dims=1, out_dims=1), each call normalising
    one group of every item."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        eps = self.eps

        def one_group(g):                                           # g: (N, K), one group of every item
            d = g - g.mean(1, keepdim=True)
            return d / ((d * d).mean(1, keepdim=True) + eps).sqrt()

        y = torch.vmap(one_group, in_dims=1, out_dims=1)(x.reshape(x.shape[0], self.groups, -1))
        return y.reshape(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_backward_filters_forward", "check_ewma", ewma_backward_filters_forward, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward returns the upstream gradient smoothed FORWARD in time by the same recursion (values.grad = the EWMA of g started at g[0]: 'the gradient of an EWMA is the EWMA of the gradient') instead of the adjoint, which carries the gradient BACKWARD from the last output (values.grad[t] = mom * sum_{s>=t} (1-mom)**(s-t) * g[s] for t >= 1, and values.grad[0] = sum_s (1-mom)**s * g[s]): a 1-value stream is right; on every longer stream values.grad is wrong (also on a constant stream)."),
    ("ewma_history_detached", "check_ewma", ewma_history_detached, "Detaches every output but the last (torch.cat([out[:-1].detach(), out[-1:]]): 'only the final average is trained on'): every output value is right and a 1-value stream is right everywhere; on longer streams only the last output passes a gradient, so values.grad holds just g[-1] times the last output's weights (mom*(1-mom)**(n-1-t), (1-mom)**(n-1) for values[0]) and misses the contributions of outputs 0 .. n-2."),
    ("ewma_float32_math_cast_back", "check_ewma", ewma_float32_math_cast_back, "Computes the whole average in float32 (values.float()) and casts the result back to the input's dtype ('float32 is plenty'): float32 streams are right everywhere; a float64 stream gets float64 outputs (and gradients) that carry float32 rounding (relative errors around 1e-7 .. 1e-8, above float64 tolerance on most streams longer than a couple of values), so float64 results are not float64-accurate. (Returning float32 for a float64 stream would be accepted; returning float64 with float32 accuracy is not.)"),
    ("ewma_negatives_skipped", "check_ewma", ewma_negatives_skipped, "Holds the average unchanged at every negative value (if v >= 0: lerp, else keep: 'negative readings are sensor glitches'): streams with no negative value (a constant 1.5 stream, short all-positive streams) are right everywhere; from the first negative value on, the outputs are wrong (the negative values get no weight, and later outputs inherit the difference), and the negative values get no gradient."),
    ("ln_stats_cached_by_shape", "check_layernorm", LNStatsCachedByShape, "Caches each input shape's per-item mean and variance (detached) in a dict on the first call and reuses them for every later call of the same shape ('same shape, same statistics'): the first call of each shape gives the right outputs (and the right mult/add gradients), but its x.grad is wrong (the statistics are detached, so the centring and projection terms are missing: x.grad = g*mult/std); every later call with an input of the same shape normalises with the first input's statistics, so outputs and all gradients are wrong (in training and eval alike); a new layer starts with an empty cache."),
    ("ln_backward_add_grad_averaged", "check_layernorm", LNBackwardAddGradAveraged, "A custom autograd.Function whose forward, x.grad and mult.grad are right, but whose hand-written backward returns add.grad = g.sum() / N (averaged over the batch's items: 'average over the batch') instead of g.sum(): a batch of one is right everywhere; with N >= 2 items add.grad is N times too small."),
    ("ln_backward_mult_grad_uncentred", "check_layernorm", LNBackwardMultGradUncentred, "A custom autograd.Function whose forward, x.grad and add.grad are right, but whose hand-written backward returns mult.grad = sum(g * x / std) (the raw input scaled, the item mean not subtracted) instead of sum(g * (x - mean) / std) = sum(g * xhat): mult.grad is off by sum over items of mean_i * sum(g_i) / std_i, so it is wrong on every input whose items have nonzero means (right only where they are 0)."),
    ("ln_median_centred", "check_layernorm", LNMedianCentred, "Centres each item with its median (x.flatten(1).median(1), the lower median for an even count: 'robust to outliers') instead of its mean, and takes the variance as the mean squared deviation about that median: outputs and gradients are wrong on every item whose median differs from its mean (an item of constant values is right); the output no longer has mean 0 per item."),
    ("bn_eps_baked_into_running_var", "check_batchnorm", BNEpsBakedIntoRunningVar, "Stores var + eps in the running var (vars.lerp_(unbiased var + eps, mom): 'so eval need not add it') and in eval divides by sqrt(vars) without adding eps: training outputs, gradients and the running mean are right; the running var is larger than PyTorch's by eps*(1 - (1-mom)**steps) (a float64 difference at every eps), and eval outputs are wrong: a fresh layer in eval divides by sqrt(1) instead of sqrt(1 + eps), and after training eval lacks (1-mom)**steps * eps of the eps (and x.grad in eval is off accordingly)."),
    ("bn_running_var_about_running_mean", "check_batchnorm", BNRunningVarAboutRunningMean, "Updates the running var from the mean squared deviations about the running mean (the old buffer, before this step's update) times n/(n-1), instead of from the batch variance (about the batch mean): training outputs, gradients and the running mean are right; the running var is too large by mom * (batch mean - old running mean)**2 * n/(n-1) per step, so it and every eval output after training are wrong (right only where the batch mean equals the running mean)."),
    ("bn_running_var_from_std_unsquared", "check_batchnorm", BNRunningVarFromStdUnsquared, "Moves the running var towards the batch's unbiased standard deviation (x.std over (0, 2, 3)) instead of its square, the unbiased variance: training outputs, gradients and the running mean are right; the running var (and every eval output after training) is wrong wherever the channel's variance is not 0 or 1."),
    ("bn_running_var_of_image_means", "check_batchnorm", BNRunningVarOfImageMeans, "Moves the running var towards the unbiased variance of the per-image channel means (x.mean((2, 3)).var(0): the spread between images only) instead of the unbiased variance of all N*H*W values of the channel: training outputs, gradients and the running mean are right; the running var is far too small (the within-image spread is lost), and NaN for a batch of one image (the variance of one value), so it and every eval output after training are wrong."),
    ("in_eps_only_where_small", "check_instancenorm", INEpsOnlyWhereSmall, "Adds eps to the variance only where it is below eps (torch.where(v < eps, v + eps, v): 'only where needed to avoid 0/0'): an instance whose variance is below eps (a constant one) is right; every other instance is divided by sqrt(v) instead of sqrt(v + eps), so outputs and gradients are slightly too large by sqrt((v + eps)/v) (tiny at eps 1e-5, visible at 1e-3 and 0.1), in training and eval alike."),
    ("in_channel_loop_from_one", "check_instancenorm", INChannelLoopFromOne, "Normalises the channels in a loop for c in range(1, C) over a clone of x (range(C) meant): channel 0 is never normalised, so it comes out as x[:, 0] * mults[0] + adds[0]; channels 1 .. C-1 are right: outputs of channel 0, x.grad of channel 0 (g * mults[0] instead of the normalisation's gradient) and mults.grad[0] are wrong on every input."),
    ("in_channels_last_reshape_scrambled", "check_instancenorm", INChannelsLastReshapeScrambled, "Goes channels-last (x.permute(0, 2, 3, 1)) and then reshapes straight to (N, C, H*W) (reshape(N, H*W, C) and a transpose meant), normalises each row and maps back the same way: each 'row' is a run of H*W consecutive channels-last values, i.e. a few pixels with all their channels, so every value is normalised with the statistics of a set that mixes channels and pixels: outputs and gradients are wrong on every input (the mapping back is consistent, so no value is moved)."),
    ("in_bessel_in_training", "check_instancenorm", INBesselInTraining, "Uses the unbiased (Bessel, correction=1) variance in training mode and the biased one in eval ('unbiased while training, like BatchNorm'): eval is right everywhere (a fresh layer in eval too); every training call divides by sqrt(v*k/(k-1) + eps) (k = H*W), so training outputs and gradients are wrong."),
    ("gn_var_about_item_mean", "check_groupnorm", GNVarAboutItemMean, "Centres each group with its own mean but takes the group's variance as the mean squared deviation about the whole item's mean (the mean over all channels), not about the group mean: with one group it is right; with 2+ groups the variance is too large by (group mean - item mean)**2, so outputs and gradients are wrong."),
    ("gn_eval_uses_last_batch_stats", "check_groupnorm", GNEvalUsesLastBatchStats, "Copies BatchNorm's habit: each training call keeps the group means and variances of its batch, averaged over the items and detached, and eval uses those instead of the input's own group statistics ('like BatchNorm'): training is right, and a fresh layer in eval (no training call yet) computes its own statistics and is right; every eval call after a training call normalises with the last training batch's statistics, so its outputs and gradients are wrong."),
    ("gn_backward_mults_grad_from_output", "check_groupnorm", GNBackwardMultsGradFromOutput, "A custom autograd.Function whose forward, x.grad and adds.grad are right, but whose hand-written backward returns mults.grad = sum(g * y) with y the layer's output (xhat * mults + adds) instead of sum(g * xhat): a fresh layer (mults 1, adds 0, so y = xhat) is right everywhere; with any other mults or adds, mults.grad is wrong."),
    ("gn_one_group_layer_norm_shortcut", "check_groupnorm", GNOneGroupLayerNormShortcut, "Shortcuts groups == 1 as LayerNorm with F.layer_norm(x, x.shape[1:]) but forgets eps=self.eps, so the default 1e-5 is used: 2+ groups are right everywhere, and one group is right at eps 1e-5; with one group and any other eps (1e-3, 0.1) outputs and gradients are wrong (the variance gets 1e-5 added instead of eps)."),
]

RIGHT = [
    ("ewma_unrolled_by_two", "check_ewma", ewma_unrolled_by_two,
     "the loop unrolled two values at a time (the second value of each pair from the closed two-step form (1-mom)**2 * avg + mom*(1-mom)*v1 + mom*v2), an odd last value taking one plain step."),
    ("ln_items_as_columns", "check_layernorm", LNItemsAsColumns,
     "each item laid out as one column of a (C*H*W, N) matrix (x.reshape(N, -1).T); column means and mean squared deviations along dim 0; transposed back."),
    ("bn_double_inside_cast_back", "check_batchnorm", BNDoubleInsideCastBack,
     "all arithmetic in float64 (x.double(), buffers and parameters read with .double()); the output cast back with .to(x.dtype); running statistics written back with copy_ (keeping the buffers' dtype)."),
    ("in_sparse_averaging", "check_instancenorm", INSparseAveraging,
     "per-(item, channel) sums by torch.sparse.mm with a sparse 0/1 membership matrix (N*C rows, N*C*H*W columns) times the flattened input, divided by H*W, for x and for the squared deviations."),
    ("gn_vmap_group_axis", "check_groupnorm", GNVmapGroupAxis,
     "torch.vmap over the group axis of the (N, G, C/G*H*W) view (in_dims=1, out_dims=1), each call normalising one group of every item."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
