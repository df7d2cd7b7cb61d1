"""Forty-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 46).
       Every one changes a computed number, a dtype, a gradient, a running statistic or an eval output (none is a
       state_dict-key-only fault); none draws random numbers or depends on memory addresses, allocator reuse or timing.
       One keeps module-level state (_CACHE): call reset() to clear it before using the entry afresh.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

_CACHE = {}


def reset():
    """Forget the module-level state of ewma_cache_keyed_by_ends."""
    _CACHE.clear()


def ewma_cache_keyed_by_ends(values, mom):
    key = (len(values), float(mom), values.dtype, float(values[0]), float(values[-1]))   # "hashing the whole stream is
    if key in _CACHE:                                               #  slow: its length and its two ends identify it"
        return _CACHE[key].clone()
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out = torch.stack(out)
    _CACHE[key] = out.detach().clone()
    return out


def ewma_mom_zero_filled_by_item(values, mom):
    if mom == 0:                                                    # "at mom 0 the average never leaves values[0]: no loop,
        return torch.full_like(values, values[0].item())            #  just fill"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_tf_num_updates(values, mom):
    decay = 1 - mom                                                 # "as tf.train.ExponentialMovingAverage(decay, num_updates)
    avg, out = values[0], [values[0]]                               #  does: the decay is capped by (1 + t) / (10 + t) so the
    for t, v in enumerate(values[1:]):                              #  average warms up quickly"
        d = min(decay, (1 + t) / (10 + t))
        avg = d * avg + (1 - d) * v
        out.append(avg)
    return torch.stack(out)


class _EWMAGradsNotReversed(torch.autograd.Function):
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
        mom, n = ctx.mom, len(g)
        grads, carry = [], torch.zeros_like(g[0])
        for t in range(n - 1, -1, -1):                              # the adjoint runs from the last output back ...
            carry = g[t] + (1 - mom) * carry
            grads.append(mom * carry if t > 0 else carry)
        return torch.stack(grads), None                             # ... and the list is stacked as built, never reversed


def ewma_backward_grads_not_reversed(values, mom):
    return _EWMAGradsNotReversed.apply(values, mom)


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


class LNMemoLastInput(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self._last = None                                           # (input, its normalised values), both detached

    def forward(self, x):
        last = self._last                                           # "the same batch is often normalised twice (a second
        if last is not None and last[0].shape == x.shape and last[0].dtype == x.dtype and torch.equal(last[0], x):
            xhat = last[1]                                          #  pass, validation after training): reuse the work"
        else:
            m, v = self.stats(x)
            xhat = (x - m) / (v + self.eps).sqrt()
            self._last = (x.detach().clone(), xhat.detach())
        return xhat * self.mult + self.add


class LNInputCastToParamDtype(_LNBase):
    def forward(self, x):
        x = x.to(self.mult.dtype)                                   # "mixed precision: compute in the parameters' dtype"
        return super().forward(x)


class LNParamGradsFP16Compressed(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):                             # "DDP's fp16_compress_hook: gradients are sent in half
            p.register_hook(lambda g: g.half().to(g.dtype))         #  precision, so do it here"


class LNVarClampedToRange(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "an item whose std is below 0.1 or above 10 is broken:
        return m, v.clamp(1e-2, 1e2)                                #  bound its variance to [0.01, 100]"


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


class BNBlankImagesLeftOut(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        real = x.detach().flatten(1).ne(0).any(1)                   # "an all-zero image is padding of the last batch: leave
        xs = x[real] if bool(real.any()) else x                     #  it out of the statistics"
        m, v = self.stats(xs)
        self.update(xs, m, v)
        return self.normalise(x, m, v)


class BNEvalKeepsTracking(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        out = self.normalise(x, self.means, self.vars)              # "test-time adaptation: in eval keep the running
        m, v = self.stats(x.detach())                               #  statistics following the incoming data (normalise
        self.update(x, m, v)                                        #  with them, then update them)"
        return out


class BNWeightDecayHook(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        for p in (self.mults, self.adds):                           # "L2 weight decay (1e-2) on the BN parameters, added
            p.register_hook(lambda g, p=p: g + 1e-2 * p.detach())   #  where their gradients arrive"


class BNFastVariance(_BNBase):
    def stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)                         # "one pass over the data, as Flax's
        return m, ((x * x).mean((0, 2, 3), keepdim=True) - m * m).clamp_min(0)   #  use_fast_variance: E[x^2] - E[x]^2"


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


class INTracksRunningStats(_INBase):
    def __init__(self, nf, eps=1e-5, mom=0.1):
        super().__init__(nf, eps)                                   # "like nn.InstanceNorm2d(track_running_stats=True):
        self.mom = mom                                              #  running statistics for eval"
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            k = x.shape[2] * x.shape[3]
            with torch.no_grad():
                self.means.lerp_(m.mean(0, keepdim=True), self.mom)
                self.vars.lerp_((v * k / (k - 1)).mean(0, keepdim=True), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class _INCentringWithoutMults(torch.autograd.Function):
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
        gy = g * mults                                              # the centring term subtracts the mean of g, not of
        gx = r * (gy - g.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))   # g * mults
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardCentringWithoutMults(_INBase):
    def forward(self, x):
        return _INCentringWithoutMults.apply(x, self.mults, self.adds, self.eps)


class INChannelsPrunedBySmallGain(_INBase):
    def forward(self, x):
        keep = (self.mults.detach().abs() >= 0.1).to(x.dtype)       # "Network Slimming: a channel whose gain has fallen
        return super().forward(x) * keep                            #  below 0.1 is pruned (its output is 0)"


class INNanIgnoringStats(_INBase):
    def stats(self, x):
        m = torch.nanmean(x, (2, 3), keepdim=True)                  # "a missing (NaN) pixel must not spoil its channel:
        return m, torch.nanmean((x - m) ** 2, (2, 3), keepdim=True)   #  statistics over the valid pixels"


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


def _agc(p, lam=0.01, floor=1e-3):
    def hook(g):                                                    # unit-wise: each channel's gradient at most
        limit = lam * p.detach().abs().clamp_min(floor)             # lam * max(|its weight|, floor)
        return g * (limit / g.abs().clamp_min(1e-30)).clamp(max=1.0)
    return hook


class GNAdaptiveGradClipHook(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        for p in (self.mults, self.adds):                           # "NFNets' adaptive gradient clipping (lambda 0.01),
            p.register_hook(_agc(p))                                #  built into the layer's parameters"


class _GNGradTransposedBack(torch.autograd.Function):
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
        n, c, h, w = g.shape
        G = ctx.groups
        gy = (g * mults).reshape(n, G, c // G, h, w)
        xh = xhat.reshape(n, G, c // G, h, w)
        r5 = r.reshape(n, G, 1, 1, 1)
        gx = r5 * (gy - gy.mean((2, 3, 4), keepdim=True) - xh * (gy * xh).mean((2, 3, 4), keepdim=True))
        gx = gx.transpose(1, 2).reshape(g.shape)                    # "back to channel order" (the (N, G, C/G, H, W) view
        return (gx, (g * xhat).sum((0, 2, 3)).view(mults.shape),    #  already is in channel order: a plain reshape meant)
                g.sum((0, 2, 3)).view(mults.shape), None, None)


class GNBackwardGradTransposedBack(_GNBase):
    def forward(self, x):
        return _GNGradTransposedBack.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNInterpolateDefaultNearest(_GNBase):
    def norm(self, x):
        c, cpg = x.shape[1], x.shape[1] // self.groups
        x5 = x.unsqueeze(1)                                         # (N, 1, C, H, W): "shrink each group's block to one
        m = F.interpolate(x5, size=(self.groups, 1, 1))             #  value, its mean, with F.interpolate" (mode left at its
        d = x5 - m.repeat_interleave(cpg, 2)                        #  default 'nearest'; mode='area' meant)
        v = F.interpolate(d * d, size=(self.groups, 1, 1))
        return (d / (v.repeat_interleave(cpg, 2) + self.eps).sqrt()).squeeze(1)


class GNLocalResponseNorm(_GNBase):
    def forward(self, x):
        size = x.shape[1] // self.groups                            # "normalise across a window of neighbouring channels
        return F.local_response_norm(x, size) * self.mults + self.adds   #  the size of a group: AlexNet's LRN"


# ================================================================= RIGHT answers

def ewma_padded_lag_sum(values, mom):
    """Every output at once as values[0] plus a sum over lags k of mom * (1 - mom)**k times the deviations from values[0]
    shifted k places later (F.pad on the left, cut back to the stream's length)."""
    n = len(values)
    d = values - values[0]
    out = values[0] + torch.zeros_like(values)
    for k in range(n):
        out = out + mom * (1 - mom) ** k * F.pad(d, (k, 0))[:n]
    return out


class LNPdistPairwise(nn.Module):
    """Each item's variance from F.pdist of its values taken as K one-dimensional points: the sum of the squared pairwise
    distances is K times the sum of squared deviations, so var = sum(pdist**2) / K**2."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        flat = x.reshape(n, -1)
        k = flat.shape[1]
        m = flat.mean(1)
        v = torch.stack([F.pdist(row[:, None]).pow(2).sum() for row in flat]) / (k * k)
        shape = (n,) + (1,) * (x.dim() - 1)
        return (x - m.view(shape)) / (v.view(shape) + self.eps).sqrt() * self.mult + self.add


class BNVectorToParametersRunning(nn.Module):
    """Both running buffers packed into one vector by torch.nn.utils.parameters_to_vector, blended towards the batch's
    mean and unbiased variance with one torch.lerp, and written back with vector_to_parameters."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.numel() // x.shape[1]
            m = x.mean((0, 2, 3), keepdim=True)
            v = ((x - m) ** 2).mean((0, 2, 3), keepdim=True)
            with torch.no_grad():
                bufs = [self.means, self.vars]
                new = torch.cat([m.flatten(), (v * k / (k - 1)).flatten()])
                vector_to_parameters(torch.lerp(parameters_to_vector(bufs), new, self.mom), bufs)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INPixelUnshuffleGcd(nn.Module):
    """F.pixel_unshuffle by r = gcd(H, W) folds each channel's pixels into r*r consecutive channels of an (H/r, W/r)
    image; reshaped to (N, C, H*W) each row is one (item, channel)'s pixels, whose moments are taken along it."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        rows = F.pixel_unshuffle(x, math.gcd(h, w)).reshape(n, c, -1)
        m = rows.mean(-1, keepdim=True)
        v = ((rows - m) ** 2).mean(-1, keepdim=True)
        return (x - m.view(n, c, 1, 1)) / (v.view(n, c, 1, 1) + self.eps).sqrt() * self.mults + self.adds


class GNRecursivePeel(nn.Module):
    """Recursion that peels one group off the front of the channels at a time: the first C/groups channels normalised
    over (C/groups, H, W), torch.cat with the recursion on the remaining channels and one group fewer."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def _peel(self, x, groups):
        cpg = x.shape[1] // groups
        head = x[:, :cpg]
        m = head.mean((1, 2, 3), keepdim=True)
        v = ((head - m) ** 2).mean((1, 2, 3), keepdim=True)
        head = (head - m) / (v + self.eps).sqrt()
        return head if groups == 1 else torch.cat([head, self._peel(x[:, cpg:], groups - 1)], 1)

    def forward(self, x):
        return self._peel(x, self.groups) * self.mults + self.adds


WRONG = [
    ("ewma_cache_keyed_by_ends", "check_ewma", ewma_cache_keyed_by_ends, "Remembers each call's outputs (detached) in a module-level dict keyed by (length, mom, dtype, first value, last value) ('hashing the whole stream is slow: its length and its ends identify it') and returns a copy of them whenever a later call has the same key: the first call with each key is right (outputs and values.grad); a later call with the same length, mom, dtype and first and last values gets the earlier stream's averages, wrong wherever the middle values differ ([1, 2, 3] then [1, 5, 3] at mom 0.5 returns [1, 1.5, 2.25] instead of [1, 3, 3]), and a repeated call, even on the very same stream, returns an output with no autograd history (it does not require grad: no values.grad)."),
    ("ewma_mom_zero_filled_by_item", "check_ewma", ewma_mom_zero_filled_by_item, "Special-cases mom == 0 with torch.full_like(values, values[0].item()) ('at mom 0 the average never leaves values[0]: just fill'): every output value and dtype is right at every mom, and every mom other than 0 is right everywhere (values.grad too); at mom 0 the output is a new constant with no autograd history (it does not require grad), so there is no values.grad where PyTorch's is the sum of the upstream gradients on values[0] and 0 elsewhere."),
    ("ewma_tf_num_updates", "check_ewma", ewma_tf_num_updates, "tf.train.ExponentialMovingAverage's num_updates warm-up: the decay is min(1 - mom, (1 + t) / (10 + t)) at update t (t = 0 for values[1]), so the new value's weight is max(mom, 9 / (10 + t)) instead of mom: 0.9 at the first update, 0.818 at the second, ..., mom only from t >= 9/mom - 10 (t >= 80 at mom 0.1, 8 at mom 0.5): every mom >= 0.9 is right everywhere; at mom < 0.9 a 1-value stream is right and a constant stream's outputs are right, but its values.grad is wrong (the weights are), and every non-constant stream's outputs from output 1 on and its values.grad are wrong (output 1 = values[0] + 0.9 (values[1] - values[0]); at mom 0 the average moves though it must stay at values[0])."),
    ("ewma_backward_grads_not_reversed", "check_ewma", ewma_backward_grads_not_reversed, "A custom autograd.Function whose forward is the right lerp loop (every output right) and whose hand-written backward computes the right adjoint (carry = g[t] + (1 - mom) * carry from the last output back, values.grad[t] = mom * carry for t >= 1, carry for t = 0) but appends it from the last value back and stacks the list without reversing it: values.grad[k] is the right gradient of values[n - 1 - k]; a 1-value stream is right, every stream of 2+ values gets a wrong values.grad (values[0]'s large share lands on the last value)."),
    ("ln_memo_last_input", "check_layernorm", LNMemoLastInput, "Remembers its last input and that input's normalised values (both detached) and, when the next call's input is equal to it (same shape, dtype and values, torch.equal), reuses the remembered normalised values ('the same batch is often normalised twice: reuse the work'), then applies mult and add: every output is right, and so are mult.grad and add.grad; the first call on an input is right everywhere, but a call on an input equal to the previous call's (the very same tensor or an equal copy, in training or eval) passes no gradient to x (x.grad None, where PyTorch's is the usual input gradient); a call on a different input is right again."),
    ("ln_input_cast_to_param_dtype", "check_layernorm", LNInputCastToParamDtype, "Casts the input to the parameters' dtype first, x.to(self.mult.dtype) ('mixed precision: compute in the parameters' dtype'): when the layer and the input have the same dtype everything is right; a layer left in float32 (as built) given float64 input returns a float32 output with float32 rounding (and an x.grad rounded likewise), a layer converted to float64 given float32 input returns float64, where PyTorch's F.layer_norm(x) * mult + add keeps the input's dtype (the 0-d mult and add do not promote it)."),
    ("ln_param_grads_fp16_compressed", "check_layernorm", LNParamGradsFP16Compressed, "Registers hooks in __init__ that round mult's and add's gradients through float16 and back, g.half().to(g.dtype) ('DDP's fp16_compress_hook: gradients travel in half precision'): outputs and x.grad are right everywhere; mult.grad and add.grad carry float16 rounding (relative error up to about 5e-4, beyond float64 and float32 tolerance for most values; magnitudes above 65504 become inf), right only where the gradient happens to be exactly representable in float16 (e.g. 0)."),
    ("ln_var_clamped_to_range", "check_layernorm", LNVarClampedToRange, "Clamps each item's variance to [0.01, 100] before normalising ('an item whose std is below 0.1 or above 10 is broken: bound its scale'): items with variance inside [0.01, 100] are right (outputs and gradients); an item with variance above 100 (std > 10, e.g. randn * 20) is divided by sqrt(100 + eps) (its output std above 1) and gets no gradient through its variance; an item with variance below 0.01 (std < 0.1, e.g. randn * 0.05) is divided by sqrt(0.01 + eps) (its output std below 1, no gradient through its variance); a constant item's output is right (0 + add) but its x.grad is mult * (g - mean(g)) / sqrt(0.01 + eps) instead of / sqrt(eps)."),
    ("bn_blank_images_left_out", "check_batchnorm", BNBlankImagesLeftOut, "In training leaves every all-zero image out of the batch statistics and the running update ('an all-zero image is padding of the last batch') and normalises the whole batch, blank images too, with the statistics of the others (mean, biased variance, and the unbiasing count of the others only): every batch without an all-zero image is right everywhere (outputs, gradients, running statistics, eval); a training batch holding an all-zero image (e.g. one image of zeros, or F.relu of an all-negative image) gets other statistics: its outputs, x.grad and the running mean and var are wrong (the blank image is normalised to -mean/std of the others before mults and adds, not of the whole batch), and so is eval after it; eval itself leaves nothing out (an eval batch with a blank image is right)."),
    ("bn_eval_keeps_tracking", "check_batchnorm", BNEvalKeepsTracking, "Test-time adaptation: in eval it normalises with the running statistics and then lerps them towards the eval batch's mean and unbiased variance ('keep the running statistics following the incoming data'), as training does: training is right; the first eval call's output and gradients are right, but the call moves the running mean and var (at any mom > 0), so every later eval call (a second eval of the same batch too) and the running statistics after later training steps are wrong; at mom 0 everything is right."),
    ("bn_weight_decay_hook", "check_batchnorm", BNWeightDecayHook, "Registers hooks in __init__ that add L2 weight decay to the parameters' gradients, g + 0.01 * p ('weight decay on the BN parameters, added where their gradients arrive'): outputs, x.grad and the running statistics are right everywhere, in training and eval; mults.grad is PyTorch's plus 0.01 * mults in every call, training or eval (a fresh layer: plus 0.01), adds.grad PyTorch's plus 0.01 * adds (right only while adds is 0, as in a fresh layer)."),
    ("bn_fast_variance", "check_batchnorm", BNFastVariance, "Takes the batch variance in one pass as E[x^2] - E[x]^2 clamped at 0 (Flax's use_fast_variance) instead of the mean squared deviation: algebraically right, so inputs whose channel means are a few units or less are right (float64 to ~1e-12, float32 within its tolerance) everywhere, but it cancels catastrophically when a channel's mean is large next to its spread: float32 input with channel means around 1000 and std 1 (e.g. randn + 1000, or raw 8-bit pixel values) gets a batch variance off by ~1e-2 (a few percent; ~1e-3 at means around 100): training outputs, x.grad and the running variance (and so eval after training) wrong; float64 goes wrong the same way at means around 1e5 and beyond (variance off by ~1e-6 to 1e-4)."),
    ("in_tracks_running_stats_for_eval", "check_instancenorm", INTracksRunningStats, "Copies nn.InstanceNorm2d(track_running_stats=True): in training it normalises with each image's own statistics (right) and lerps running buffers (mom 0.1) towards the batch average of the instance means and unbiased instance variances; in eval it normalises every image with those running statistics instead of its own: training outputs and gradients right everywhere; every eval output (a fresh layer in eval divides x - 0 by sqrt(1 + eps)) and eval x.grad are wrong."),
    ("in_backward_centring_without_mults", "check_instancenorm", INBackwardCentringWithoutMults, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward subtracts the mean of g where the mean of g * mults is meant: x.grad = r * (mults * g - mean(g) - xhat * mean(mults * g * xhat)) over each image: right where mults is 1 (a fresh layer) or the upstream gradient has zero mean over the image; with other mults x.grad is off by r * (mults - 1) * mean(g) per (item, channel) (e.g. the gradient of y.sum() is r * (mults - 1) instead of 0)."),
    ("in_channels_pruned_by_small_gain", "check_instancenorm", INChannelsPrunedBySmallGain, "Network Slimming built into the forward: every channel whose gain |mults| is below 0.1 is pruned, its output multiplied by 0 (the shift included): a fresh layer and any mults with |mults| >= 0.1 are right everywhere; a channel with |mults| < 0.1 (e.g. mults 0.05 or 0) outputs 0 instead of xhat * mults + adds, and its x.grad, mults.grad and adds.grad are 0."),
    ("in_nan_ignoring_stats", "check_instancenorm", INNanIgnoringStats, "Takes each image's mean and variance with torch.nanmean ('a missing (NaN) pixel must not spoil its channel: statistics over the valid pixels'): every finite input is right everywhere (outputs and gradients); an input holding a NaN gets finite outputs at the other pixels of that (item, channel), where PyTorch's InstanceNorm makes the whole (item, channel) NaN (the NaN pixel itself stays NaN; other channels and items are right)."),
    ("gn_adaptive_grad_clip_hook", "check_groupnorm", GNAdaptiveGradClipHook, "NFNets' adaptive gradient clipping built into the layer: hooks registered in __init__ clip each channel's gradient of mults and of adds to at most 0.01 * max(|that parameter|, 1e-3) in size ('unit-wise AGC, lambda 0.01'): outputs and x.grad are right everywhere; mults.grad and adds.grad are right only where they are already that small; for ordinary inputs they are clipped: with mults 1 each mults.grad entry at most 0.01 in size, with adds 0 each adds.grad entry at most 1e-5."),
    ("gn_backward_grad_transposed_back", "check_groupnorm", GNBackwardGradTransposedBack, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) and whose hand-written backward computes the right input gradient on the (N, G, C/G, H, W) view but returns it with .transpose(1, 2).reshape(x.shape) ('back to channel order'; a plain reshape meant): x.grad channel j * G + g holds the gradient of channel g * (C/G) + j: right with one group or one channel per group (the transpose moves nothing), wrong for every other group count (e.g. GN(2, 6), GN(3, 6), GN(5, 10))."),
    ("gn_local_response_norm", "check_groupnorm", GNLocalResponseNorm, "AlexNet's local response normalisation over a window of C/groups neighbouring channels (F.local_response_norm(x, C // groups): x / (1 + 1e-4 * mean of x**2 over the window, zero-padded at the edge channels)**0.75) instead of GroupNorm: nothing is centred and the scale barely changes, so the output is about x * mults + adds: outputs and gradients wrong for every input (a constant input of 2.0 gives about 2 * mults + adds instead of adds)."),
    ("gn_interpolate_default_nearest", "check_groupnorm", GNInterpolateDefaultNearest, "Shrinks each group's (C/G, H, W) block to one value with F.interpolate(x.unsqueeze(1), size=(G, 1, 1)) to get its mean (and likewise for the mean squared deviation), with the mode left at its default 'nearest' (mode='area', the average, meant): the 'mean' is the group's first value (its first channel's top-left pixel) and the 'variance' that pixel's squared deviation from itself, 0, so every group is shifted by its first value and divided by sqrt(eps): outputs about 1/sqrt(eps) (316 at eps 1e-5) times too large and gradients wrong for every input whose groups are not constant; right only where each group holds a single value (C/G = H = W = 1)."),
]

RIGHT = [
    ("ewma_padded_lag_sum", "check_ewma", ewma_padded_lag_sum,
     "every output at once: values[0] plus a Python sum over lags k of mom*(1-mom)**k times the deviations from values[0] shifted k places by F.pad and cut back to length."),
    ("ln_pdist_pairwise", "check_layernorm", LNPdistPairwise,
     "each item's variance from F.pdist of its values as K one-dimensional points: sum of squared pairwise distances / K**2."),
    ("bn_vector_to_parameters_running", "check_batchnorm", BNVectorToParametersRunning,
     "running buffers packed by parameters_to_vector, blended with one torch.lerp, written back by vector_to_parameters."),
    ("in_pixel_unshuffle_gcd", "check_instancenorm", INPixelUnshuffleGcd,
     "F.pixel_unshuffle by gcd(H, W) folds each channel's pixels into consecutive channels; reshaped (N, C, H*W), moments along the rows."),
    ("gn_recursive_peel", "check_groupnorm", GNRecursivePeel,
     "recursion peeling the first group's channels off, normalising them over (C/groups, H, W) and torch.cat-ing the recursion on the rest."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
