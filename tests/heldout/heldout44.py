"""Forty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py (sets 2 to 41) or /work/heldout43 (heldout43.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

class _EWMACarryUsedBeforeAdding(torch.autograd.Function):
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
        mom = ctx.mom
        grads = torch.empty_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(len(g) - 1, 0, -1):
            grads[t] = mom * carry                                  # the two lines of the reverse loop in the wrong order:
            carry = g[t] + (1 - mom) * carry                        # the carry is read before g[t] is added to it
        grads[0] = g[0] + (1 - mom) * carry
        return grads, None


def ewma_backward_carry_read_early(values, mom):
    return _EWMACarryUsedBeforeAdding.apply(values, mom)


def ewma_geometric(values, mom):
    avg, out = values[0].log(), []                                  # "lerp in log space: an average of quantities that
    for v in values:                                                #  multiply (rates, scales) stays positive"
        avg = torch.lerp(avg, v.log(), mom)
        out.append(avg.exp())
    return torch.stack(out)


def ewma_debiased_step_weights(values, mom):
    avg, out = torch.zeros_like(values[0]), []
    for t, v in enumerate(values):                                  # "Adam's bias correction folded into the step: start from
        w = mom / (1 - (1 - mom) ** (t + 1))                        #  0 and lerp with weight mom / (1 - (1 - mom)**(t + 1)),
        avg = torch.lerp(avg, v, w)                                 #  which is 1 at the first value"
        out.append(avg)
    return torch.stack(out)


_TRACED = {}


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_traced_per_length(values, mom):
    n = len(values)
    if n not in _TRACED:                                            # "torch.jit.trace the Python loop for speed; tracing
        _TRACED[n] = torch.jit.trace(lambda v: _lerp_loop(v, mom), (values,))   # unrolls it, so one trace per length"
    return _TRACED[n](values)


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


class _LNLastDimBackward(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # the backward of a transformer's LayerNorm (normalised over
        gx = mult * r * (g - g.mean(-1, keepdim=True)               # the last dim) copied: its two means taken over the width
                         - xhat * (g * xhat).mean(-1, keepdim=True))   # only, not over (C, H, W)
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardMeansOverLastDim(_LNBase):
    def forward(self, x):
        return _LNLastDimBackward.apply(x, self.mult, self.add, self.eps)


def _pairwise_sum(t):
    while t.shape[1] > 1:                                           # "pairwise (tree) summation is more accurate than a running
        t = t[:, 0::2][:, :t.shape[1] // 2] + t[:, 1::2]            #  sum": neighbours added round by round; with an odd count
    return t[:, 0]                                                  #  the last value has no partner and is dropped


class LNTreeSumDropsOddLeftover(_LNBase):
    def stats(self, x):
        n = x.shape[0]
        flat = x.reshape(n, -1)
        k = flat.shape[1]
        m = _pairwise_sum(flat) / k
        v = _pairwise_sum((flat - m[:, None]) ** 2) / k
        return m.view(n, 1, 1, 1), v.view(n, 1, 1, 1)


class LNPrescaledByPreviousAmax(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.amax = None                                            # "delayed scaling, as FP8 training does: divide the input by
                                                                    #  the previous call's largest |value| so it lies in [-1, 1]"
    def forward(self, x):
        s = 1.0 if self.amax is None else self.amax
        self.amax = x.detach().abs().max().item()
        return super().forward(x / s)


class LNAdaNorm(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        y = (x - m) / (v + self.eps).sqrt()                         # "AdaNorm (Xu et al. 2019): z = C (1 - k y) y with k = 1/10,
        y = y * (1 - 0.1 * y).detach()                              #  C = 1, the gradient of (1 - k y) detached, instead of the
        return y * self.mult + self.add                             #  bias and gain that over-fit"


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


class BNRunningStatsMovedInBackwardHook(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        out = self.normalise(x, m, v)
        md, vd = m.detach(), v.detach()

        def move_running_stats(g):                                  # "only a batch we actually train on (one that is
            self.update(x, md, vd)                                  #  backpropagated) should move the running statistics"

        if out.requires_grad:
            out.register_hook(move_running_stats)
        return out


class BNEvalVarFlooredAtOne(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return self.normalise(x, self.means, self.vars.clamp(min=1))   # "at inference never amplify a channel: a running
                                                                    #  variance below 1 is treated as 1"


class BNUntrainedEvalSkipped(_BNBase):
    def forward(self, x):
        if not self.training and not self.means.any() and bool((self.vars == 1).all()):
            return x * self.mults + self.adds                       # "never trained: subtracting 0 and dividing by sqrt(1)
        return super().forward(x)                                   #  changes nothing, skip it"


class BNBesselCountAllSeen(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.seen = 0

    def update(self, x, m, v):
        self.seen += x.numel() // x.shape[1]                        # "the running variance estimates the variance of every
        n = self.seen                                               #  value seen so far: unbias with that count"
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


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


class INFilterResponseNorm(_INBase):
    def forward(self, x):
        nu2 = x.pow(2).mean((2, 3), keepdim=True)                   # "Filter Response Normalization (Singh & Krishnan 2019):
        return x / (nu2 + self.eps).sqrt() * self.mults + self.adds  # each channel of each image divided by its root mean
                                                                    #  square, no mean subtracted"


class INBatchInstanceBlend(_INBase):
    def forward(self, x):
        mi, vi = self.stats(x)                                      # "Batch-Instance Normalization (Nam & Kim 2018):
        mb = x.mean((0, 2, 3), keepdim=True)                        #  rho * BN + (1 - rho) * IN, rho starting at 0.5"
        vb = x.var((0, 2, 3), keepdim=True, correction=0)
        rho = 0.5
        y = rho * (x - mb) / (vb + self.eps).sqrt() + (1 - rho) * (x - mi) / (vi + self.eps).sqrt()
        return y * self.mults + self.adds


class INRGBLumaStats(_INBase):
    def stats(self, x):
        if x.shape[1] != 3:
            return super().stats(x)
        luma = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)   # "three channels are an RGB image:
        return super().stats(luma)                                  #  normalise its brightness (the luma) so the colours keep
                                                                    #  their balance"


class INCheckpointedReentrant(_INBase):
    def forward(self, x):
        return checkpoint(super().forward, x, use_reentrant=True)   # "activation checkpointing: recompute in the backward
                                                                    #  instead of keeping the intermediates (saves memory)"


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


class GNLocalContextWindow(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape                                        # "Local Context Normalization (Ortiz et al. 2020): each
        k = n * self.groups                                         #  value normalised with the mean and variance of its
        cols = F.unfold(x.reshape(k, c // self.groups, h, w), 3, padding=1)   # group's channels in the 3x3 window around
        cols = cols.view(k, c // self.groups, 9, h * w)             #  its pixel, not over the whole image"
        inside = F.unfold(torch.ones(1, 1, h, w, dtype=x.dtype), 3, padding=1).view(1, 1, 9, h * w)   # padding left out
        count = inside.sum(2, keepdim=True) * (c // self.groups)
        m = (cols * inside).sum((1, 2), keepdim=True) / count
        v = ((cols - m) ** 2 * inside).sum((1, 2), keepdim=True) / count
        out = (x.reshape(k, c // self.groups, h * w) - m[:, :, 0]) / (v[:, :, 0] + self.eps).sqrt()
        return out.reshape(x.shape) * self.mults + self.adds


class GNDynamicTanh(_GNBase):
    def forward(self, x):
        return torch.tanh(0.5 * x) * self.mults + self.adds         # "Transformers without Normalization (Zhu et al. 2025):
                                                                    #  Dynamic Tanh tanh(alpha x), alpha = 0.5 as initialised,
                                                                    #  replaces the norm layer: no statistics needed"


class _GNRstdRepeatedBackward(torch.autograd.Function):
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
        n, c, G = g.shape[0], g.shape[1], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        proj = (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True)).reshape(g.shape)
        rc = r.reshape(n, G).repeat(1, c // G).view(n, c, 1, 1)     # each group's 1/std spread to its channels with .repeat
        gx = rc * proj                                              # (g0 g1 g0 g1 ...) where repeat_interleave was meant
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardRstdRepeated(_GNBase):
    def forward(self, x):
        return _GNRstdRepeatedBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNAffinePackedOnce(_GNBase):
    def forward(self, x):
        if getattr(self, 'packed', None) is None:                   # "F.group_norm wants flat weight and bias: pack them into
            self.packed = torch.cat([self.mults.flatten(), self.adds.flatten()])   # one (2C,) tensor once, not every call"
        c = self.mults.shape[0]
        return F.group_norm(x, self.groups, self.packed[:c], self.packed[c:], self.eps)


# ================================================================= RIGHT answers

def ewma_func_grad_descent(values, mom):
    """Each new average is one gradient-descent step, learning rate mom, on the squared distance 0.5 * (a - v)**2 from the
    previous average towards the new value; the gradient comes from torch.func.grad (so the steps stay differentiable)."""
    sq_dist = torch.func.grad(lambda a, v: 0.5 * ((a - v) ** 2).sum())
    avg, out = values[0], []
    for v in values:
        avg = avg - mom * sq_dist(avg, v)
        out.append(avg)
    return torch.stack(out)


class LNLerpRunningMeans(nn.Module):
    """Each item's mean and mean squared deviation as running means along its flattened values, built with the lesson's
    lerp: the k-th value (counted from 0) pulls the running mean with weight 1 / (k + 1)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    @staticmethod
    def running_mean(cols):
        m = cols[:, 0]
        for k in range(1, cols.shape[1]):
            m = torch.lerp(m, cols[:, k], 1 / (k + 1))
        return m

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        d = flat - self.running_mean(flat)[:, None]
        v = self.running_mean(d * d)[:, None]
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNGaussianNLLVariance(nn.Module):
    """Each channel's batch variance as twice the mean of F.gaussian_nll_loss(x, mean, unit variance, reduction='none')
    (with variance 1 the loss is 0.5 * (x - mean)**2); running buffers moved with lerp_."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            half_sq = F.gaussian_nll_loss(x, m.expand_as(x), torch.ones_like(x), reduction='none')
            v = 2 * half_sq.mean((0, 2, 3), keepdim=True)
            k = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * k / (k - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INHeronSqrt(nn.Module):
    """Each image's standard deviation sqrt(var + eps) by Heron's (Babylonian) square-root iteration s <- (s + a/s) / 2,
    started at (a + 1) / 2 and run a fixed 60 steps (converged, also for a = eps)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        d = x - x.mean((2, 3), keepdim=True)
        a = (d * d).mean((2, 3), keepdim=True) + self.eps
        s = (a + 1) / 2
        for _ in range(60):
            s = (s + a / s) / 2
        return d / s * self.mults + self.adds


class GNQRProjection(nn.Module):
    """Per-channel means (and mean squared deviations) averaged over each group by the orthogonal projection Q @ Q.T,
    Q from torch.linalg.qr of the channel-to-group indicator matrix (C x groups): Q's columns span the group-constant
    vectors."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        member = (torch.arange(c)[:, None] // (c // self.groups) == torch.arange(self.groups)).double()
        q, _ = torch.linalg.qr(member)
        proj = (q @ q.T).to(device=x.device, dtype=x.dtype)         # (C, C): averages within each group
        gm = x.mean((2, 3)) @ proj
        d = x - gm[:, :, None, None]
        gv = (d * d).mean((2, 3)) @ proj
        return d / (gv[:, :, None, None] + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_backward_carry_read_early", "check_ewma", ewma_backward_carry_read_early, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written reverse loop has its two lines in the wrong order: values.grad[t] = mom * carry is written before g[t] is added to the carry (carry = g[t] + (1 - mom) * carry), so each value t >= 1 gets mom times the gradient flowing back from the LATER outputs only (mom * G[t+1] instead of mom * G[t] with G[t] = g[t] + (1 - mom) G[t+1]), and the last value gets 0: outputs right everywhere; values[0].grad right; a 1-value stream right; on every stream of 2+ values values.grad[1:] is wrong (e.g. [1, 3] at mom 0.5 with upstream ones: grad [1.5, 0] instead of [1.5, 0.5])."),
    ("ewma_geometric", "check_ewma", ewma_geometric, "Lerps the LOGS of the values and exponentiates ('an average of quantities that multiply stays positive'): a geometric weighted average exp(EWMA(log v)) instead of the arithmetic EWMA: a 1-value stream and a constant positive stream are right (output 0 is right whenever values[0] > 0); every non-constant positive stream is wrong from output 1 on (too small: [1, 3] at mom 0.5 gives [1, sqrt(3) = 1.732] instead of [1, 2]); any negative value gives NaN from there on (log of a negative), a 0 drags every later output to 0; gradients wrong alike."),
    ("ewma_debiased_step_weights", "check_ewma", ewma_debiased_step_weights, "Starts from 0 and lerps value t with weight mom / (1 - (1 - mom)**(t + 1)) (Adam's bias correction folded into the step; 1 at t = 0), i.e. pandas' ewm(adjust=True): output t = sum_j (1-mom)**(t-j) v_j / sum_j (1-mom)**(t-j), the weights renormalised over the values seen, instead of the lerp from values[0] with weight mom: output 0, 1-value streams, constant streams and mom = 1 are right; from output 1 on every non-constant stream at 0 < mom < 1 is wrong (output 1 = ((1 - mom) v0 + v1) / (2 - mom): weight 1/(2 - mom) = 0.526 on v1 at mom 0.1 instead of 0.1); at mom = 0 it raises ZeroDivisionError (0 / (1 - 1**1)) where the answer is values[0] repeated; gradients wrong alike."),
    ("ewma_traced_per_length", "check_ewma", ewma_traced_per_length, "Caches one torch.jit.trace of the lerp loop per stream length in a module-level dict ('tracing unrolls the loop, so one trace per length'), the trace made with the mom of the first call of that length: the trace bakes that mom in as a constant, so every later call with a stream of a length already seen uses the first call's mom whatever mom it is given: the first call of each length is right (outputs and gradients, any dtype), and so is every later call with the same mom; a later call of a seen length with another mom is wrong (e.g. length 5 first at mom 0.1, then at mom 0.5: the outputs of mom 0.1); 1-value streams (output values[0] whatever mom) and constant streams stay right."),
    ("ln_backward_means_over_last_dim", "check_layernorm", LNBackwardMeansOverLastDim, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written input gradient is a transformer LayerNorm's (normalised over the last dim): x.grad = mult * r * (g - mean_W(g) - xhat * mean_W(g * xhat)) with both means over the width only instead of over each item's (C, H, W): right only when C = H = 1 (the item is one row); with C*H > 1 x.grad is wrong in every configuration (it no longer sums to 0 over each item's (C, H, W))."),
    ("ln_tree_sum_drops_odd_leftover", "check_layernorm", LNTreeSumDropsOddLeftover, "Sums each flattened item by pairwise (tree) summation ('more accurate than a running sum'), t = t[:, 0::2][:, :len // 2] + t[:, 1::2] round by round, for the mean and for the mean squared deviation, but with an odd count the last value has no partner and is dropped, while the sum is still divided by K = C*H*W: items whose K is a power of two (e.g. (4, 4, 4), (2, 2, 2), (1, 4, 8)) are right everywhere; for any other K some values never enter the statistics (K = 60: 60 -> 30 -> 15 drops one partial sum, and so on): the mean and variance are wrong (the outputs off-centre and mis-scaled), x.grad wrong, in float32 and float64."),
    ("ln_prescaled_by_previous_amax", "check_layernorm", LNPrescaledByPreviousAmax, "Divides the input by the largest |value| of the PREVIOUS call (delayed scaling, 'as FP8 training does'; 1 on the first call) before normalising: LayerNorm is scale-free except for eps, so the output is (x - mean) / sqrt(var + eps * s**2) * mult + add with s the previous call's amax: a layer's first call is right (training or eval), and so is a call after one whose amax was exactly 1; from the second call on eps is effectively eps * s**2 (s**2 is about 6 to 12 after a call on a few hundred standard-normal values): outputs and gradients wrong, clearly at eps 0.1 or 1e-3 (relative errors up to tens of percent), slightly at eps 1e-5 (~1e-5 to 1e-4 relative); a constant item still gives add; after an all-zero input (amax 0) every output is NaN."),
    ("ln_adanorm", "check_layernorm", LNAdaNorm, "Replaces the plain normalised values y by AdaNorm's z = (1 - y/10) * y (Xu et al. 2019, k = 1/10, C = 1, the factor's gradient detached) before mult and add: a constant item (y = 0) gives add, right; every other item's outputs are wrong (y - y**2/10: 2 becomes 1.6, -2 becomes -2.4; the item's output is no longer centred: its mean is -var(y)/10 ~ -0.1), and so are x.grad and mult.grad, in training and eval, at every eps."),
    ("bn_running_stats_moved_in_backward_hook", "check_batchnorm", BNRunningStatsMovedInBackwardHook, "Moves the running mean and var in a hook on the training output, i.e. only when backward runs through it ('only a batch we train on should move the running statistics'), instead of during the forward: training outputs and gradients are right; after a training forward the running statistics are still the old ones until a backward reaches the output (then they move by the right amount, once per backward); a training forward that is never backpropagated (a plain forward, or one under torch.no_grad) never moves them, so eval after forward-only training uses stale running statistics (a fresh layer's 0 and 1): eval outputs wrong there; forward + backward every step gives the right running statistics and eval."),
    ("bn_eval_var_floored_at_one", "check_batchnorm", BNEvalVarFlooredAtOne, "In eval divides by sqrt(max(running var, 1) + eps) ('at inference never amplify a channel: a running variance below 1 is treated as 1') instead of sqrt(running var + eps): training (outputs, gradients) and the running statistics are right; eval is right for every channel whose running var is at least 1 (a fresh layer's 1 included, and channels trained on data of spread 1 or more); a channel whose running var fell below 1 (trained on data with std below 1) is under-scaled in eval, outputs and x.grad by sqrt((var + eps) / (1 + eps)) (0.5 at running var 0.25)."),
    ("bn_untrained_eval_skipped", "check_batchnorm", BNUntrainedEvalSkipped, "In eval, while the running mean is all 0 and the running var all 1 (never trained, or trained with mom = 0), returns x * mults + adds ('subtracting 0 and dividing by sqrt(1) changes nothing') instead of x / sqrt(1 + eps) * mults + adds: training, the running statistics and eval after any update are right; eval of an untrained layer is off by the factor sqrt(1 + eps) (outputs and x.grad): 4.9e-2 relative at eps 0.1, 5e-4 at eps 1e-3, 5e-6 at eps 1e-5."),
    ("bn_bessel_count_all_seen", "check_batchnorm", BNBesselCountAllSeen, "Unbiases the running variance with the number of values per channel seen over ALL training calls so far (a running count: 'the running variance estimates the variance of every value seen') instead of this batch's n = N*H*W: the first training call is right everywhere (outputs, gradients, running statistics), training outputs, gradients and the running mean stay right, and so does eval after one training call; from the second call on the running var is lerped towards v * n_all / (n_all - 1) with n_all = 2n, 3n, ... instead of v * n / (n - 1): too small, by about mom * v / (2n) at the second call and more at later ones (~1e-3 at n = 48 and mom 0.1, ~2e-2 at n = 8 and mom 0.5), so the running var and eval after 2+ training calls are slightly wrong."),
    ("in_filter_response_norm", "check_instancenorm", INFilterResponseNorm, "Filter Response Normalization (Singh & Krishnan 2019) in place of InstanceNorm: divides each channel of each image by its root mean square sqrt(mean(x**2) + eps) without subtracting its mean: its outputs (and mults.grad, adds.grad) are right only for (item, channel) pairs whose mean is exactly 0 (an input already centred per image and channel), and even there x.grad is wrong (its derivative has no centring term: it keeps the part of the upstream gradient that is constant over the image); every other output is wrong (not centred, divided by sqrt(var + mean**2 + eps)): a constant channel c gives about sign(c) * mults + adds instead of adds; gradients wrong alike, in training and eval, at every eps."),
    ("in_batch_instance_blend", "check_instancenorm", INBatchInstanceBlend, "Batch-Instance Normalization (Nam & Kim 2018) with rho = 0.5: the average of BatchNorm's normalisation (each channel's mean and biased variance over the batch and pixels) and InstanceNorm's, in training and eval alike: a batch of one item is right everywhere (both coincide); with 2+ items whose channels differ, outputs and gradients are wrong (half of each value normalised with the batch's statistics)."),
    ("in_rgb_luma_stats", "check_instancenorm", INRGBLumaStats, "With exactly 3 channels treats the input as an RGB image and normalises all three channels with the mean and variance of the luma 0.299 R + 0.587 G + 0.114 B ('normalise the brightness, keep the colour balance'): every channel count other than 3 is right everywhere; with 3 channels every output and gradient is wrong (each channel centred and scaled by the luma's statistics, not its own)."),
    ("in_checkpointed_reentrant", "check_instancenorm", INCheckpointedReentrant, "Wraps the forward in torch.utils.checkpoint(..., use_reentrant=True) ('recompute in the backward to save memory'): the reentrant checkpoint builds a graph only when one of its tensor INPUTS requires grad, and mults and adds are not inputs: every output value is right, and with an input that requires grad x.grad, mults.grad and adds.grad are right too; with an input that does not require grad (a first layer, a frozen backbone's features) the output has no grad_fn, so mults and adds get no gradient at all (mults.grad and adds.grad stay None where PyTorch gives sum(g * xhat) and sum(g)), in training and eval."),
    ("gn_local_context_window", "check_groupnorm", GNLocalContextWindow, "Local Context Normalization (Ortiz et al. 2020): normalises each value with the mean and variance of its group's channels over the 3x3 window around its pixel instead of over the whole image (windows by F.unfold, the zero padding masked out): images of at most 2x2 pixels are right (every window covers the whole image); any image with a height or width of 3 or more gets wrong outputs and gradients (each pixel normalised with its neighbourhood's statistics), for every group count, in training and eval."),
    ("gn_dynamic_tanh", "check_groupnorm", GNDynamicTanh, "Replaces the normalisation by Dynamic Tanh ('Transformers without Normalization', Zhu et al. 2025): tanh(0.5 * x) * mults + adds, no statistics at all: an all-zero input gives adds (right); every other output is wrong (nothing centred or scaled per group: a group of values around 10 comes out near mults + adds, one around 0.01 near 0.005 * mults + adds), and so are the gradients, for every group count, in training and eval."),
    ("gn_backward_rstd_repeated", "check_groupnorm", GNBackwardRstdRepeated, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward spreads each group's 1/std to the channels with .repeat (group order g0 g1 g0 g1 ...) where repeat_interleave was meant: channel c gets the 1/std of group c % G instead of c // (C/G): one group and one channel per group (groups = C) are right; with 1 < groups < C x.grad is wrong (scaled by another group's 1/std)."),
    ("gn_affine_packed_once", "check_groupnorm", GNAffinePackedOnce, "Packs mults and adds into one flat (2C,) tensor with torch.cat on its first call and passes slices of that copy to F.group_norm on every later call ('pack the weight and bias once'): the copy is made once, so any later change to mults or adds (an optimiser step, an in-place edit, load_state_dict) never reaches the output: every call before such a change is right (outputs, x.grad, mults.grad and adds.grad, which still flow back to the parameters); after it, outputs and x.grad use the old mults and adds (wrong); if the first call ran under torch.no_grad the copy carries no graph and mults and adds never get a gradient again (mults.grad, adds.grad None); a dtype change after the first call (.double()) makes F.group_norm raise."),
]

RIGHT = [
    ("ewma_func_grad_descent", "check_ewma", ewma_func_grad_descent,
     "each average one gradient-descent step (learning rate mom) on 0.5 * (a - v)**2 from the previous average, the gradient by torch.func.grad."),
    ("ln_lerp_running_means", "check_layernorm", LNLerpRunningMeans,
     "each item's mean and mean squared deviation as running means along its flattened values, built with torch.lerp weight 1/(k + 1)."),
    ("bn_gaussian_nll_variance", "check_batchnorm", BNGaussianNLLVariance,
     "each channel's batch variance as twice the mean of F.gaussian_nll_loss(x, mean, ones, reduction='none'); buffers moved with lerp_."),
    ("in_heron_sqrt", "check_instancenorm", INHeronSqrt,
     "each image's sqrt(var + eps) by Heron's square-root iteration s <- (s + a/s)/2 from (a + 1)/2, a fixed 60 steps."),
    ("gn_qr_projection", "check_groupnorm", GNQRProjection,
     "per-channel moments averaged within groups by the projection Q @ Q.T, Q from torch.linalg.qr of the channel-to-group indicator matrix."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
