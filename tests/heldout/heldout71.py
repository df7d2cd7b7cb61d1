"""Seventy-first held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout70 (heldoutN.py).
       Every one changes a computed number, a dtype, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

warnings.filterwarnings('ignore')


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_mom_stored_in_half(values, mom):
    alpha = torch.tensor(mom, dtype=torch.float16).item()           # "mixed precision: keep the hyper-parameter in half"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, alpha)
        out.append(avg)
    return torch.stack(out)


def ewma_truncated_bptt_every_4(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "truncated backpropagation through time: cut the
        if t % 4 == 0 and t > 0:                                    #  carried average's graph every 4 steps"
            avg = avg.detach()
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_first_order_hold(values, mom):
    if mom <= 0 or mom >= 1:                                        # "exact discretisation of the continuous EMA with the
        avg, out = values[0], []                                    #  input linearly interpolated between samples
        for v in values:                                            #  (first-order hold)"
            avg = torch.lerp(avg, v, mom)
            out.append(avg)
        return torch.stack(out)
    a = 1 - mom
    k = (1 - a) / -math.log(a)
    avg, prev, out = values[0], values[0], []
    for v in values:
        avg = a * avg + (1 - k) * v + (k - a) * prev
        prev = v
        out.append(avg)
    return torch.stack(out)


def ewma_start_mean_of_first_two(values, mom):
    avg, out = values[:2].mean(), []                                # "one value is a noisy start: seed with the mean of
    for v in values:                                                #  the first two"
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


class LNCheckpointReentrant(_LNBase):
    def forward(self, x):                                           # "activation checkpointing saves memory" (the
        return cp.checkpoint(super().forward, x, use_reentrant=True)   # reentrant variant)


class LNParamsDouble(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)                                # "keep the affine in double for precision"
        self.mult = nn.Parameter(torch.tensor(1., dtype=torch.float64))
        self.add = nn.Parameter(torch.tensor(0., dtype=torch.float64))

    def forward(self, x):
        return super().forward(x.to(self.mult.dtype))              # "compute in the parameters' precision"


class LNVonNeumannVariance(_LNBase):
    def stats(self, x):
        f = x.flatten(1)                                            # "the mean squared successive difference / 2 is robust
        d = f[:, 1:] - f[:, :-1]                                    #  to slow trends across the item"
        v = (d * d).mean(1) / 2
        return x.mean((1, 2, 3), keepdim=True), v.view(-1, 1, 1, 1)


class LNWelfordNotResetPerItem(_LNBase):
    def stats(self, x):
        f = x.flatten(1)
        k = f.shape[1]                                              # Welford's running count/mean/M2 kept across the loop
        ms, vs, n, mean, m2 = [], [], 0, 0., 0.                     # over items: item i gets the stats of items 0..i
        for row in f:
            for_mean = row.mean()
            nb = k
            delta = for_mean - mean
            tot = n + nb
            m2 = m2 + ((row - for_mean) ** 2).sum() + delta * delta * n * nb / tot
            mean = mean + delta * nb / tot
            n = tot
            ms.append(mean)
            vs.append(m2 / n)
        return torch.stack(ms).view(-1, 1, 1, 1), torch.stack(vs).view(-1, 1, 1, 1)


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


class BNExtendedSharedStd(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "Extended BN: one std pooled over all channels is
        self.update(x, m, v)                                        #  steadier for small batches" (the running update
        vs = ((x - m) ** 2).mean().expand_as(v)                     #  kept per channel)
        return self.normalise(x, m, vs)


class BNInteriorPixelStats(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        xs = x[:, :, 1:-1, 1:-1] if x.shape[2] > 2 and x.shape[3] > 2 else x   # "zero padding pollutes the border:
        m, v = self.stats(xs)                                                   #  batch statistics from the interior"
        self.update(xs, m, v)
        return self.normalise(x, m, v)


class BNGiniMeanDifferenceStd(_BNBase):
    def stats(self, x):
        c = x.transpose(0, 1).reshape(x.shape[1], -1)               # "Gini mean difference: robust std = sqrt(pi)/2 *
        gmd = (c[:, :, None] - c[:, None, :]).abs().mean((1, 2)) * c.shape[1] / (c.shape[1] - 1)   # mean |xi - xj|"
        std = gmd * math.sqrt(math.pi) / 2
        return x.mean((0, 2, 3), keepdim=True), (std * std).view(1, -1, 1, 1)


class BNEvalVarPlusMeanDrift(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        drift = (x.mean((0, 2, 3), keepdim=True) - self.means) ** 2   # "in eval, widen the running variance by the squared
        return self.normalise(x, self.means, self.vars + drift)       #  drift of the batch mean (a covariate-shift guard)"


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


class INBatchInstanceBlend(_INBase):
    def forward(self, x):                                           # "Batch-Instance Normalisation: rho * IN + (1 - rho) *
        m, v = self.stats(x)                                        #  BN (batch statistics), rho 0.75"
        ml, vl = x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)
        xi = (x - m) / (v + self.eps).sqrt()
        xl = (x - ml) / (vl + self.eps).sqrt()
        return (0.75 * xi + 0.25 * xl) * self.mults + self.adds


class _INFirstItemParamGrads(torch.autograd.Function):
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
        gy = g * mults
        gx = r * (gy - gy.mean((2, 3), keepdim=True) - xhat * (gy * xhat).mean((2, 3), keepdim=True))
        gm = (g[0] * xhat[0]).sum((1, 2)).view(mults.shape)         # "one image's parameter gradient": the batch axis
        ga = g[0].sum((1, 2)).view(mults.shape)                     # indexed instead of summed
        return gx, gm, ga, None


class INBackwardParamGradsFirstItem(_INBase):
    def forward(self, x):
        return _INFirstItemParamGrads.apply(x, self.mults, self.adds, self.eps)


class INMidrangeCentre(_INBase):
    def stats(self, x):
        m = (x.amax((2, 3), keepdim=True) + x.amin((2, 3), keepdim=True)) / 2   # "centre on the middle of the plane's
        return m, ((x - m) ** 2).mean((2, 3), keepdim=True)                    #  range; the spread about that centre"


class INGiniMeanDifferenceStd(_INBase):
    def stats(self, x):
        f = x.flatten(2)
        k = f.shape[-1]
        gmd = (f[..., :, None] - f[..., None, :]).abs().mean((-1, -2)) * k / max(k - 1, 1)
        std = gmd * math.sqrt(math.pi) / 2                          # "robust std from the Gini mean difference"
        return x.mean((2, 3), keepdim=True), (std * std)[..., None, None]


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def gstats(self, xg):
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = self.gstats(xg)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNMultsOfGroupFirstChannel(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups                             # "one gain per group: its first channel's"
        mults = self.mults[::cpg].repeat_interleave(cpg, 0)
        return self.norm(x) * mults + self.adds


class GNHarmonicChannelVars(_GNBase):
    def norm(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, c // self.groups, -1)        # "pool the channel variances by their harmonic mean
        m = xg.mean((2, 3), keepdim=True)                           #  (a precision average)" about the group mean
        vc = ((xg - m) ** 2).mean(3, keepdim=True)
        v = 1 / (1 / (vc + self.eps)).mean(2, keepdim=True)
        return ((xg - m) / v.sqrt()).reshape(x.shape)


class _GNParamGradsPerItem(torch.autograd.Function):
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
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        gm = (g * xhat).sum((2, 3)).mean(0).view(mults.shape)       # "per-sample gradients, averaged over the batch"
        ga = g.sum((2, 3)).mean(0).view(mults.shape)
        return gx.reshape(g.shape), gm, ga, None, None


class GNBackwardParamGradsBatchMean(_GNBase):
    def forward(self, x):
        return _GNParamGradsPerItem.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNWelfordNotResetPerGroup(_GNBase):
    def norm(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)                          # Welford's merge over the groups of an item, its count
        k = xg.shape[-1]                                            # and M2 not reset: group g gets groups 0..g's stats
        mean, m2, cnt, outs = 0., 0., 0, []
        for gi in range(self.groups):
            s = xg[:, gi]
            mb = s.mean(-1, keepdim=True)
            d = mb - mean
            tot = cnt + k
            m2 = m2 + ((s - mb) ** 2).sum(-1, keepdim=True) + d * d * cnt * k / tot
            mean = mean + d * k / tot
            cnt = tot
            outs.append((s - mean) / (m2 / cnt + self.eps).sqrt())
        return torch.stack(outs, 1).reshape(x.shape)


# ================================================================= RIGHT answers

def ewma_where_age_weight_matrix(values, mom):
    """Each output as a row of a lower-triangular weight matrix built from integer ages: (1 - mom)**age, times mom for
    every column but the first, masked by torch.where; out = w @ values."""
    n = len(values)
    t = torch.arange(n)
    age = (t[:, None] - t[None, :]).to(values.dtype)
    a = torch.tensor(1 - mom, dtype=values.dtype)
    w = torch.where(t[None, :] == 0, a ** age, mom * a ** age)
    w = torch.where(t[:, None] >= t[None, :], w, torch.zeros((), dtype=values.dtype))
    return w @ values


class LNQuadraticFormCentring(nn.Module):
    """The centring as the quadratic form d'(I - J/K)d of the flattened item (torch.einsum with a centring matrix built
    once per size), the mean by a ones-vector dot product."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        k = f.shape[1]
        ones = torch.ones(k, dtype=x.dtype)
        m = f @ ones / k
        cm = torch.eye(k, dtype=x.dtype) - 1.0 / k
        v = torch.einsum('ni,ij,nj->n', f, cm, f) / k
        return ((f - m[:, None]) * (v[:, None] + self.eps).rsqrt()).view_as(x) * self.mult + self.add


class BNMaskedMeanViaLogicalChannelMask(nn.Module):
    """Per-channel statistics as masked sums over the full tensor: one boolean channel mask at a time (torch.where with
    the mask broadcast over N, H, W), collected with torch.stack; running buffers set with copy_ of explicit formulas."""
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
            k = x.numel() // c
            zero = torch.zeros((), dtype=x.dtype)
            ms, vs = [], []
            for i in range(c):
                mask = (torch.arange(c) == i).view(1, c, 1, 1)
                mi = torch.where(mask, x, zero).sum() / k
                vi = torch.where(mask, (x - mi) ** 2, zero).sum() / k
                ms.append(mi)
                vs.append(vi)
            m, v = torch.stack(ms).view(1, c, 1, 1), torch.stack(vs).view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(self.means * (1 - self.mom) + m * self.mom)
                self.vars.copy_(self.vars * (1 - self.mom) + v * (k / (k - 1)) * self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMomentsViaConv2dOnesKernel(nn.Module):
    """The per-plane sums as a depthwise F.conv2d with an all-ones (H, W) kernel (groups = N*C on the batch folded into
    channels), for the mean and for the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        flat = x.reshape(1, n * c, h, w)
        ker = torch.ones(n * c, 1, h, w, dtype=x.dtype)
        m = F.conv2d(flat, ker, groups=n * c).view(n, c, 1, 1) / (h * w)
        d = x - m
        v = F.conv2d((d * d).reshape(1, n * c, h, w), ker, groups=n * c).view(n, c, 1, 1) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNGroupMeansViaKronAveraging(nn.Module):
    """Channel means (over H, W) mapped to group means and back with one (C, C) block-averaging matrix built by
    torch.block_diag of (cpg, cpg) constant blocks; variance as the group mean of the channel second moments about the
    group mean."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        avg = torch.block_diag(*[torch.full((cpg, cpg), 1.0 / cpg, dtype=x.dtype)] * self.groups)
        cm = x.mean((2, 3))                                          # (N, C)
        gm = (cm @ avg).view(n, c, 1, 1)
        d = x - gm
        gv = ((d * d).mean((2, 3)) @ avg).view(n, c, 1, 1)
        return d / (gv + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_mom_stored_in_half", "check_ewma", ewma_mom_stored_in_half, "Rounds mom through float16 before using it as the lerp weight ('mixed precision'): moms exactly representable in half (0, 0.25, 0.5, 1, ...) are right, and so are output 0, 1-value streams and constant streams' outputs; for other moms (0.1 -> 0.0999756, 0.3 -> 0.2999268, 0.9 -> 0.8999023) every non-constant float64 stream's outputs from output 1 on and values.grad (also of constant streams) are off by about 1e-4 relative in the weight, clearly visible in float64; in float32 the error is of the order of float32 tolerance (1e-5 to 1e-4 relative) and may pass a loose comparison."),
    ("ewma_truncated_bptt_every_4", "check_ewma", ewma_truncated_bptt_every_4, "Detaches the carried average every 4 steps (truncated backpropagation through time) before the lerp at t = 4, 8, ...: every output is right; values.grad is right for streams of up to 4 values and at mom 1; for streams of 5+ values and 0 <= mom < 1 (at mom 0 values[0] loses the gradient of outputs 4, 5, ...) the gradient of each value loses the contributions of outputs 4 or more steps later across a cut (values.grad wrong)."),
    ("ewma_first_order_hold", "check_ewma", ewma_first_order_hold, "Uses the first-order-hold (linearly interpolated input) discretisation of the continuous EMA: avg_t = a avg + (1 - k) v_t + (k - a) v_{t-1} with a = 1 - mom, k = mom / -log(1 - mom), instead of the lerp: output 0, 1-value streams and mom 0 or 1 are right, constant streams' outputs are right (their values.grad is not); for 0 < mom < 1 every non-constant stream's outputs from output 1 on and values.grad are wrong (output 1 at mom 0.5 weighs values[1] by 0.279 instead of 0.5)."),
    ("ewma_start_mean_of_first_two", "check_ewma", ewma_start_mean_of_first_two, "Seeds the average with the mean of the first two values ('one value is a noisy start') instead of values[0]: 1-value streams, constant streams and mom 1 are right; every other stream of 2+ values has wrong outputs (output 0 = lerp((v0 + v1)/2, v0, mom), not v0; the seed's share (1 - mom)**(t+1) persists) and wrong values.grad (values[1] gets gradient from output 0)."),
    ("ln_checkpoint_reentrant", "check_layernorm", LNCheckpointReentrant, "Wraps the forward in torch.utils.checkpoint with use_reentrant=True: outputs right everywhere and gradients right when the input requires grad; when the input does not require grad (a frozen stem, training or eval) the output has no grad_fn, so mult.grad and add.grad are never computed (backward raises / the parameters get no gradient) although PyTorch's layer gives them."),
    ("ln_params_double", "check_layernorm", LNParamsDouble, "Creates mult and add as float64 parameters ('precision') and casts the input to the parameters' dtype before normalising: a layer that is not converted with .to() turns a float32 input into a float64 output (x.grad float32 as the input); values are right to float32 accuracy, and after .to(torch.float32) or .float(), or on float64 inputs, everything is right."),
    ("ln_von_neumann_variance", "check_layernorm", LNVonNeumannVariance, "Estimates each item's variance as the mean squared successive difference / 2 of the flattened item (the von Neumann estimator, 'robust to trends') instead of the mean squared deviation: the mean is right, constant items are right, but every non-constant item's outputs and gradients are wrong in training and eval (independent noise gives roughly the right scale, but the numbers differ; ordered or smooth items are badly off)."),
    ("ln_welford_not_reset_per_item", "check_layernorm", LNWelfordNotResetPerItem, "Loops over the items with Welford's merge but never resets the count, mean and M2 between items: item i is normalised with the mean and biased variance of items 0..i pooled: a batch of one and the first item are right; items 1.. of a batch of 2+ are wrong (outputs and gradients, also cross-item gradients) unless they share the earlier items' stats (identical items are right)."),
    ("bn_extended_shared_std", "check_batchnorm", BNExtendedSharedStd, "Extended BN in training: the per-channel means but one std pooled over all channels (mean squared deviation from each channel's mean over N, C, H, W): the running statistics (per channel, right), eval and a layer with one channel are right; training outputs and gradients of 2+ channel layers with unequal channel variances are wrong."),
    ("bn_interior_pixel_stats", "check_batchnorm", BNInteriorPixelStats, "In training takes the batch statistics (and the running update, with the interior's count) from the interior pixels only, x[:, :, 1:-1, 1:-1] ('zero padding pollutes the border'), when H and W are both > 2: images with H or W <= 2 are right everywhere; for larger images training outputs, gradients, running mean and var and so eval after training are wrong; a fresh layer in eval is right."),
    ("bn_gini_mean_difference_std", "check_batchnorm", BNGiniMeanDifferenceStd, "Estimates each channel's std in training from the Gini mean difference, sqrt(pi)/2 * mean |x_i - x_j| over distinct pairs (a robust std exact only for Gaussians), instead of the root mean squared deviation: means and running mean right; training outputs, gradients, running var and eval after training wrong (a fresh layer in eval right)."),
    ("bn_eval_var_plus_mean_drift", "check_batchnorm", BNEvalVarPlusMeanDrift, "In eval adds the squared drift of the eval batch's channel mean from the running mean to the running variance ('covariate-shift guard'): training, the running statistics and training gradients are right; eval outputs and x.grad are wrong whenever an eval batch's channel mean differs from the running mean (a fresh layer on data with non-zero mean, eval after few steps); right only when the batch mean equals the running mean."),
    ("in_batch_instance_blend", "check_instancenorm", INBatchInstanceBlend, "Batch-Instance Normalisation with a fixed rho 0.75: 0.75 * IN(x) + 0.25 * BN-style normalisation with the batch's per-channel statistics over (N, H, W), before the affine, in training and eval: a batch of one is right (the batch statistics equal the instance ones) and batches of identical images; every other batch's outputs and gradients are wrong (also cross-item gradients)."),
    ("in_backward_param_grads_first_item", "check_instancenorm", INBackwardParamGradsFirstItem, "A custom autograd.Function whose forward and x.grad are right but whose mults.grad and adds.grad are taken from the first image only (g[0] indexed instead of the batch summed): a batch of one is right everywhere; with 2+ images mults.grad and adds.grad miss the other images' contributions (outputs and x.grad right)."),
    ("in_midrange_centre", "check_instancenorm", INMidrangeCentre, "Centres each plane on the middle of its range, (max + min)/2, and takes the spread as the mean squared deviation about that centre: constant planes and planes symmetric about their mean (e.g. two-valued, or -2..2 ramps) are right; every other plane's outputs (plane mean not 0) and gradients (only through the max and min for the centre) are wrong, in training and eval."),
    ("in_gini_mean_difference_std", "check_instancenorm", INGiniMeanDifferenceStd, "Each plane's std from the Gini mean difference sqrt(pi)/2 * mean |x_i - x_j| over distinct pixel pairs (robust, exact only for Gaussians) instead of the root mean squared deviation: means right, constant planes right; every other plane's outputs and gradients wrong (typically a few percent, more for skewed or two-valued planes)."),
    ("gn_mults_of_group_first_channel", "check_groupnorm", GNMultsOfGroupFirstChannel, "Uses one gain per group, the group's first channel's mults (mults[::cpg] repeated), for every channel of the group: a fresh layer (mults 1), one channel per group, and gains equal within each group are right; with other gains the outputs, x.grad and mults.grad are wrong; mults.grad of the non-first channels of each group is always 0 (also for a fresh layer, whose outputs are right), adds.grad right."),
    ("gn_harmonic_channel_vars", "check_groupnorm", GNHarmonicChannelVars, "The group variance as the harmonic mean over the group's channels of (each channel's mean squared deviation about the group mean + eps), instead of the average of those squared deviations: one channel per group is right, and groups whose channels have equal spreads about the group mean; otherwise outputs and gradients are wrong (the spread under-estimated)."),
    ("gn_backward_param_grads_batch_mean", "check_groupnorm", GNBackwardParamGradsBatchMean, "A custom autograd.Function whose forward and x.grad are right but whose mults.grad and adds.grad are the per-image sums averaged over the batch ('per-sample gradients') instead of summed: a batch of one is right; with N images both parameter gradients are 1/N of the right ones."),
    ("gn_welford_not_reset_per_group", "check_groupnorm", GNWelfordNotResetPerGroup, "Loops over the groups of each item with Welford's merge but never resets the count, mean and M2 between groups: group g is normalised with the pooled stats of groups 0..g: one group (groups 1) and the first group are right; every later group's outputs and gradients are wrong unless it has the same stats as the earlier ones."),
]

RIGHT = [
    ("ewma_where_age_weight_matrix", "check_ewma", ewma_where_age_weight_matrix,
     "a lower-triangular weight matrix from integer ages, (1 - mom)**age, mom for every column but the first, masked with torch.where, times the values (matrix-vector product)."),
    ("ln_quadratic_form_centring", "check_layernorm", LNQuadraticFormCentring,
     "the variance as the quadratic form f'(I - J/K)f / K with torch.einsum, the mean as a dot product with a ones vector, rsqrt."),
    ("bn_masked_channel_where_sums", "check_batchnorm", BNMaskedMeanViaLogicalChannelMask,
     "per-channel sums over the whole tensor masked by a boolean channel mask in torch.where, collected with torch.stack; running buffers set with copy_ of explicit formulas."),
    ("in_conv2d_ones_kernel_sums", "check_instancenorm", INMomentsViaConv2dOnesKernel,
     "per-plane sums as a depthwise F.conv2d with an all-ones whole-image kernel on the batch folded into channels."),
    ("gn_block_diag_averaging_matrix", "check_groupnorm", GNGroupMeansViaKronAveraging,
     "channel means mapped to group means by a (C, C) block-averaging matrix from torch.block_diag; variance as the group mean of channel second moments about the group mean."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
