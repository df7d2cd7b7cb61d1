"""Fortieth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout39 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

class _EWMAStartGradDropped(torch.autograd.Function):
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
        n = len(g)
        grads = torch.zeros_like(g)
        carry = torch.zeros((), dtype=g.dtype)
        for t in range(n - 1, 0, -1):                               # reverse recursion: carry = g_t + (1-mom) carry
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry
        grads[0] = (1 - mom) * carry                                # "values[0] only seeds the average: it reaches the outputs
        return grads, None                                          #  through the (1-mom) decay" (its own output 0 forgotten)


def ewma_backward_start_own_grad_dropped(values, mom):
    return _EWMAStartGradDropped.apply(values, mom)


def ewma_step_in_half(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "mixed precision: the running average stays in full
        step = (mom * (v - avg)).half()                             #  precision, the small increments are fine in half"
        avg = avg + step.to(avg.dtype)
        out.append(avg)
    return torch.stack(out)


def ewma_dema(values, mom):
    e1, e2, out = values[0], values[0], []
    for v in values:                                                # "an EWMA lags: use the double EMA (DEMA),
        e1 = torch.lerp(e1, v, mom)                                 #  2 * ema - ema(ema), which cancels the lag"
        e2 = torch.lerp(e2, e1, mom)
        out.append(2 * e1 - e2)
    return torch.stack(out)


def ewma_trigg_leach_gain(values, mom):
    avg = values[0]
    E, M = torch.zeros_like(avg), torch.zeros_like(avg)
    out = [avg]
    for v in values[1:]:                                            # "adaptive response rate (Trigg & Leach): smooth the error
        gap = v - avg                                               #  and the absolute error with mom; the gain is the tracking
        E = torch.lerp(E, gap, mom)                                 #  signal |E| / M"
        M = torch.lerp(M, gap.abs(), mom)
        w = E.abs() / M if bool(M > 0) else mom
        avg = avg + w * gap
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


class _LNSavedOutputBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        y = (x - m) * r * mult + add
        ctx.save_for_backward(y, r, mult)                           # the output saved where the normalised values are meant
        return y

    @staticmethod
    def backward(ctx, g):
        xhat, r, mult = ctx.saved_tensors                           # (it is the output y = xhat * mult + add)
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardSavedOutput(_LNBase):
    def forward(self, x):
        return _LNSavedOutputBackward.apply(x, self.mult, self.add, self.eps)


class LNEvalSmoothedWithPrevious(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.prev = None

    def forward(self, x):
        y = super().forward(x)
        prev, self.prev = self.prev, y.detach()                     # every call's output remembered
        if not self.training and prev is not None and prev.shape == y.shape:   # "inference on video: average each frame's
            y = 0.5 * (y + prev)                                               #  output with the previous one (no flicker)"
        return y


class LNItemsStochasticDepth(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if not self.training:
            return y
        drop = (torch.rand(x.shape[0]) < 0.1).view(-1, 1, 1, 1)    # "stochastic depth: in training each item skips the
        return torch.where(drop, x, y)                              #  layer (identity) with probability 0.1"


class LNBfloat16ForLargeItems(_LNBase):
    def forward(self, x):
        if x[0].numel() <= 100:
            return super().forward(x)
        xb = x.to(torch.bfloat16)                                   # "large items are memory-bound: normalise them in bfloat16,
        m, v = xb.mean((1, 2, 3), keepdim=True), xb.var((1, 2, 3), keepdim=True, correction=0)   # affine in full"
        xhat = ((xb - m) / (v + self.eps).sqrt()).to(x.dtype)
        return xhat * self.mult + self.add


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


class BNStatsFrozenAfterTwoSteps(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0

    def forward(self, x):
        if self.training:
            self.steps += 1
            if self.steps > 2:                                      # "freeze BN after warm-up (as in fine-tuning): from then on
                return self.normalise(x, self.means, self.vars)     #  train with the running statistics and stop updating them"
        return super().forward(x)


class BNL1Std(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        s = math.sqrt(math.pi / 2) * (x - m).abs().mean((0, 2, 3), keepdim=True)   # "L1 batch norm (Hoffer et al.): the mean
        return (x - m) / (s + self.eps) * self.mults + self.adds                  #  absolute deviation times sqrt(pi/2) is
                                                                                  #  the std, cheaper and low-precision safe"


class _BNRunningRstdBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, running_var, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        xhat = (x - m) / (v + eps).sqrt()
        ctx.save_for_backward(xhat, running_var, mults)
        ctx.eps = eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, running_var, mults = ctx.saved_tensors
        r = (running_var + ctx.eps).rsqrt()                         # "the running variance is the steadier estimate: use it
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)       #  for the gradient" (the batch variance is meant)
                          - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class BNBackwardRstdFromRunningVar(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNRunningRstdBackward.apply(x, self.mults, self.adds, self.vars.clone(), self.eps)


class BNStochasticRunningStatsInTraining(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        use_running = bool(torch.rand(()) < 0.5)                    # "regularise the train/test gap: half the training steps
        self.update(x, m, v)                                        #  normalise with the running statistics"
        if use_running:
            return self.normalise(x, self.means, self.vars)
        return self.normalise(x, m, v)


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


class INLogCompressed(_INBase):
    def forward(self, x):
        xl = torch.sign(x) * torch.log1p(x.abs())                   # "compress the dynamic range first (log intensities, sign
        m, v = self.stats(xl)                                       #  kept), then normalise"
        return (xl - m) / (v + self.eps).sqrt() * self.mults + self.adds


class _INProjectionOverBatch(torch.autograd.Function):
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
        proj = (g * xhat).mean((0, 2, 3), keepdim=True)             # mean over (0, 2, 3) where (2, 3) is meant (BatchNorm's
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * proj)   # backward copied)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardProjectionOverBatch(_INBase):
    def forward(self, x):
        return _INProjectionOverBatch.apply(x, self.mults, self.adds, self.eps)


class INMinMaxUnitRange(_INBase):
    def forward(self, x):
        hi = x.amax((2, 3), keepdim=True)                           # "image normalisation: map each image's range onto [-1, 1]"
        lo = x.amin((2, 3), keepdim=True)
        return (2 * x - hi - lo) / (hi - lo + self.eps) * self.mults + self.adds


class INSmallImagesUpsampled(_INBase):
    def stats(self, x):
        if min(x.shape[2:]) < 4:                                    # "too few pixels for a stable variance: take the statistics
            x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)   # of a 2x bilinear upsample"
        return super().stats(x)


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


class GNEvoNormS0(_GNBase):
    def forward(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "EvoNorm-S0: x * sigmoid(x) over the group std; no
        s = (xg.var(-1, keepdim=True, correction=0) + self.eps).sqrt()   # centring needed"
        return ((x * torch.sigmoid(x)).reshape(xg.shape) / s).reshape(x.shape) * self.mults + self.adds


class _GNMultsFactoredBackward(torch.autograd.Function):
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
        gg, xg = g.reshape(n, G, -1), xhat.reshape(n, G, -1)        # LayerNorm's backward with the (scalar) mult taken out:
        inner = r * (gg - gg.mean(-1, keepdim=True) - xg * (gg * xg).mean(-1, keepdim=True))   # here the per-channel mults
        gx = inner.reshape(g.shape) * mults                         # belong inside the group means
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardMultsFactoredOut(_GNBase):
    def forward(self, x):
        return _GNMultsFactoredBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNConstantGroupFallsBackToLayerNorm(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1)
        degenerate = (xg.var(-1, correction=0) < 1e-12).any(1).view(n, 1, 1, 1)   # "a constant group is degenerate: normalise
        xf = x.reshape(n, -1)                                                      #  that item as one group (LayerNorm)"
        ln = ((xf - xf.mean(1, keepdim=True)) / (xf.var(1, keepdim=True, correction=0) + self.eps).sqrt()).reshape(x.shape)
        return torch.where(degenerate, ln, self.norm(x)) * self.mults + self.adds


class GNMultsGradCentralised(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.mults.register_hook(lambda g: g - g.mean())           # "Gradient Centralization: centre the weights' gradients"


# ================================================================= RIGHT answers

def ewma_vdot_flipped_weights(values, mom):
    """Each output on its own: torch.vdot of the stream's prefix with its weights, the decay powers (1-mom)**age made for
    ages 0..t and reversed with torch.flip (oldest first), times mom, the start's weight set to the bare power (1-mom)**t."""
    out = []
    for t in range(len(values)):
        p = torch.flip((1 - mom) ** torch.arange(t + 1, dtype=values.dtype), [0])
        w = torch.cat([p[:1], mom * p[1:]])
        out.append(torch.vdot(w, values[:t + 1]))
    return torch.stack(out)


class LNDistLoop(nn.Module):
    """Item by item: the item's root sum of squared deviations as torch.dist between the item and its mean expanded to
    the item's shape; squared and divided by K for the variance; torch.stack back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        outs = []
        for item in x:
            k = item.numel()
            m = item.sum() / k
            v = torch.dist(item, m.expand_as(item)) ** 2 / k
            outs.append((item - m) / (v + self.eps).sqrt())
        return torch.stack(outs) * self.mult + self.add


class BNConv2dBatchAsChannels(nn.Module):
    """x.transpose(0, 1) is a batch of C 'images' whose N items are input channels: F.conv2d with one all-ones
    (1, N, H, W) kernel sums each channel over (N, H, W); likewise for the squared deviations; running buffers replaced
    by torch.addcmul((1 - mom) * buffer, stat, full(mom))."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            n, c, h, w = x.shape
            k = n * h * w
            ones = x.new_ones(1, n, h, w)
            m = F.conv2d(x.transpose(0, 1), ones).view(1, c, 1, 1) / k
            d = x - m
            v = F.conv2d((d * d).transpose(0, 1), ones).view(1, c, 1, 1) / k
            with torch.no_grad():
                self.means.copy_(torch.addcmul((1 - self.mom) * self.means, m, torch.full_like(m, self.mom)))
                self.vars.copy_(torch.addcmul((1 - self.mom) * self.vars, v * k / (k - 1), torch.full_like(v, self.mom)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAvgPoolDivisorOverride(nn.Module):
    """Each image's sum and sum of squared deviations by F.avg_pool2d with an (H, W) window and divisor_override=1
    (a sum pool), each divided by H*W afterwards."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        m = F.avg_pool2d(x, (h, w), divisor_override=1) / (h * w)
        d = x - m
        v = F.avg_pool2d(d * d, (h, w), divisor_override=1) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNHsplitHstack(nn.Module):
    """Each item flattened to a (N, C*H*W) matrix, cut into the groups' column blocks by torch.hsplit; each block
    normalised along its rows; joined back by torch.hstack."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        blocks = []
        for b in torch.hsplit(x.reshape(x.shape[0], -1), self.groups):
            m = b.mean(1, keepdim=True)
            d = b - m
            blocks.append(d / ((d * d).mean(1, keepdim=True) + self.eps).sqrt())
        return torch.hstack(blocks).view_as(x) * self.mults + self.adds


WRONG = [
    ("ewma_backward_start_own_grad_dropped", "check_ewma", ewma_backward_start_own_grad_dropped, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward gives values[0] only (1 - mom) * carry, the decayed gradient of the later outputs ('values[0] only seeds the average'), forgetting g[0], the gradient of output 0 (which is values[0] itself): values.grad[1:] right; values.grad[0] is short by g[0] on every stream (a 1-value stream gets 0 instead of g[0])."),
    ("ewma_step_in_half", "check_ewma", ewma_step_in_half, "Keeps the running average in the values' dtype but computes each step mom * (v - avg) in float16 and casts it back ('mixed precision: the small increments are fine in half'): 1-value and constant streams are right (the steps are 0); every nonzero step is rounded to float16 (~3 significant digits, relative error up to ~5e-4 of the step), and the rounding errors accumulate (values.grad is rounded through float16 likewise): on every stream of 2+ values the outputs are wrong beyond float64 tolerance from output 1 on; in float32 the 5- and 200-value streams are wrong (most 2-value streams stay within float32 tolerance)."),
    ("ewma_dema", "check_ewma", ewma_dema, "Returns the double EMA (DEMA) 2 * ema - ema(ema) ('cancel the lag'): e1 = the right lerp average, e2 = lerp(e2, e1, mom) started at values[0], output 2*e1 - e2: 1-value and constant streams are right; from output 1 on every output overshoots towards the newest values (output 1 is values[0] + mom*(2 - mom)*(v1 - values[0]) instead of values[0] + mom*(v1 - values[0])): outputs and values.grad wrong."),
    ("ewma_trigg_leach_gain", "check_ewma", ewma_trigg_leach_gain, "Adaptive response rate (Trigg & Leach): smooths the error E = lerp(E, v - avg, mom) and the absolute error M = lerp(M, |v - avg|, mom) from 0 and steps with the gain |E| / M (mom only while M is 0) instead of mom: 1-value and constant streams are right (M stays 0, the gain is mom); the first step has gain exactly 1, so output 1 is values[1]; later gains follow the tracking signal (near 1 on a run of errors of one sign, small when they alternate): outputs and values.grad wrong from output 1 on."),
    ("ln_backward_saved_output", "check_layernorm", LNBackwardSavedOutput, "A custom autograd.Function whose forward is right (outputs right everywhere) but which saves the output y = xhat * mult + add for the backward where the normalised values xhat are meant: with the fresh parameters (mult 1, add 0) y == xhat and everything is right; with other parameters (mult 1.7, add -0.3) x.grad (its projection term) and mult.grad ((g * y).sum()) are wrong in every call; add.grad right."),
    ("ln_eval_smoothed_with_previous", "check_layernorm", LNEvalSmoothedWithPrevious, "Remembers every call's output (detached) and, in eval mode, averages the output 50/50 with the remembered previous output when the shapes match ('video inference: smooth frame to frame'): training outputs and gradients are right, and so is the first call of a fresh layer in eval; every eval call that follows a call (training or eval) on an input of the same shape (e.g. the first eval call after training, averaged with the last training output) returns 0.5 * (right output + previous output), and its x.grad and parameter gradients are half the right ones; an eval call after a call of another size is right."),
    ("ln_items_stochastic_depth", "check_layernorm", LNItemsStochasticDepth, "Stochastic depth in training: each item independently skips the layer with probability 0.1 (torch.rand per call) and is returned unchanged (the raw input, no normalisation or affine): eval (also a fresh layer in eval) is right; a training call is right unless an item is drawn, and then that item's output is the input (x.grad = g, mult.grad and add.grad miss its terms): random, wrong on about 1 - 0.9**N of the training calls."),
    ("ln_bfloat16_for_large_items", "check_layernorm", LNBfloat16ForLargeItems, "Items of more than 100 values (C*H*W > 100) are normalised in bfloat16 and cast back before the affine step ('large items are memory-bound'): items of up to 100 values are right everywhere; larger ones (here (2, 6, 4, 5), (2, 8, 4, 4), and every eval call on the larger second size) get outputs rounded to bfloat16 (8-bit mantissa, errors ~1e-2) and gradients of bfloat16 accuracy, in float32 and float64 alike."),
    ("bn_stats_frozen_after_two_steps", "check_batchnorm", BNStatsFrozenAfterTwoSteps, "Counts training calls; from the third on it normalises with the running statistics and stops updating them ('freeze BN after warm-up, as in fine-tuning'): the first two training steps are right (outputs, gradients, running statistics); from the third training call on (also the training call after the eval calls) training outputs use the running mean and var (x.grad then lacks the batch-statistics terms) and the running statistics stay as they were after step 2; eval after that uses those stale statistics; a fresh layer in eval is right."),
    ("bn_l1_std", "check_batchnorm", BNL1Std, "L1 batch norm (Hoffer et al.) in training: divides the centred values by sqrt(pi/2) * mean|x - mean| (the per-channel mean absolute deviation, plus eps outside) instead of sqrt(var + eps): the running statistics (mean and unbiased var) and eval are right; training outputs and gradients are wrong (the MAD-based scale equals the std only for exactly Gaussian data; a constant channel gives 0 / eps = 0, right in value but its x.grad is scaled by 1/eps instead of 1/sqrt(eps))."),
    ("bn_backward_rstd_from_running_var", "check_batchnorm", BNBackwardRstdFromRunningVar, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval all right) but whose hand-written backward scales x.grad by 1/sqrt(running var + eps) (the running variance just updated, 'the steadier estimate') instead of the batch variance's 1/sqrt(var + eps): mults.grad and adds.grad right; training x.grad wrong by the factor sqrt((batch var + eps) / (running var + eps)) per channel."),
    ("bn_stochastic_running_stats_in_training", "check_batchnorm", BNStochasticRunningStatsInTraining, "In training, with probability 0.5 per call (torch.rand) normalises with the running statistics (just updated with this batch) instead of the batch statistics ('regularise the train/test gap'): the running statistics and eval are right; a training call drawing the running statistics has wrong outputs and x.grad (the running statistics, moved only mom of the way towards this batch's, differ from it); random, about half the training calls."),
    ("in_log_compressed", "check_instancenorm", INLogCompressed, "Compresses the input with sign(x) * log1p(|x|) ('log intensities, sign kept') and normalises that instead of x: a constant image is right (output adds); every other image's outputs and gradients are wrong (the normalised values are those of the log-compressed image; x.grad carries the extra factor 1 / (1 + |x|))."),
    ("in_backward_projection_over_batch", "check_instancenorm", INBackwardProjectionOverBatch, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward averages the projection term (g * xhat) over (0, 2, 3), the batch and the pixels (BatchNorm's backward copied), instead of over each image's (2, 3): batches of one item are right; with 2+ items x.grad is wrong (here every configuration, via the eval call on the larger batch for the one-item shapes)."),
    ("in_min_max_unit_range", "check_instancenorm", INMinMaxUnitRange, "Maps each image's range onto [-1, 1] ((2x - max - min) / (max - min + eps): 'image normalisation') instead of (x - mean) / sqrt(var + eps): a constant image is right (output adds); every other image is centred on its midrange and scaled by half its range: outputs and gradients wrong (x.grad flows only into each image's max and min besides the direct term)."),
    ("in_small_images_upsampled", "check_instancenorm", INSmallImagesUpsampled, "When the image's height or width is under 4, takes the mean and variance from a 2x bilinear upsample (F.interpolate, align_corners=False: 'too few pixels for a stable variance') and normalises the original image with them: images with H and W of at least 4 are right, and so is a constant image; for small images (here (1, 6, 3, 3), (4, 8, 3, 2), (1, 8, 2, 6), (4, 4, 3, 5)) the statistics are those of the interpolated image (edge pixels weighted more, the spread shrunk): outputs and gradients wrong."),
    ("gn_evonorm_s0", "check_groupnorm", GNEvoNormS0, "EvoNorm-S0: divides x * sigmoid(x) by the group std (sqrt(group var + eps)) with no centring, instead of (x - group mean) / sqrt(group var + eps): outputs and gradients wrong everywhere (a constant group of ones gives sigmoid(1) / sqrt(eps), not 0)."),
    ("gn_backward_mults_factored_out", "check_groupnorm", GNBackwardMultsFactoredOut, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right everywhere) but whose hand-written backward is LayerNorm's with the scale taken out of the group means: x.grad = mults * rstd * (g - mean(g) - xhat * mean(g * xhat)) over each group, where the per-channel mults belong inside the means (g * mults): right when the mults are equal within every group (the fresh layer, or one channel per group); with other mults and 2+ channels per group x.grad is wrong."),
    ("gn_constant_group_falls_back_to_layernorm", "check_groupnorm", GNConstantGroupFallsBackToLayerNorm, "If any group of an item is constant (group variance < 1e-12), normalises that whole item as one group (LayerNorm) instead ('a constant group is degenerate'): with 1 group it makes no difference (right); items with no constant group are right; an item with a constant group and groups > 1 (here the constant channel 0 with one channel per group, and the constant group 0 of item 0) gets LayerNorm's outputs and gradients: its constant group is not adds and the other channels use the item's statistics."),
    ("gn_mults_grad_centralised", "check_groupnorm", GNMultsGradCentralised, "Registers a hook on mults that subtracts the mean of its gradient over the channels ('Gradient Centralization'): outputs, x.grad and adds.grad right everywhere; mults.grad is the right gradient minus its mean over the channels in every configuration (right only where that mean happens to be 0)."),
]

RIGHT = [
    ("ewma_vdot_flipped_weights", "check_ewma", ewma_vdot_flipped_weights,
     "each output alone: torch.vdot of the stream's prefix with decay powers reversed by torch.flip (times mom; the start's weight the bare power)."),
    ("ln_dist_loop", "check_layernorm", LNDistLoop,
     "item by item: the root sum of squared deviations as torch.dist between the item and its expanded mean, squared and divided by K; torch.stack back."),
    ("bn_conv2d_batch_as_channels", "check_batchnorm", BNConv2dBatchAsChannels,
     "x.transpose(0, 1) through F.conv2d with one all-ones (1, N, H, W) kernel (the items as input channels) for the channel sums and squared-deviation sums; running buffers by torch.addcmul((1 - mom) * buffer, stat, full(mom))."),
    ("in_avg_pool_divisor_override", "check_instancenorm", INAvgPoolDivisorOverride,
     "each image's sum and sum of squared deviations by F.avg_pool2d with an (H, W) window and divisor_override=1, divided by H*W afterwards."),
    ("gn_hsplit_hstack", "check_groupnorm", GNHsplitHstack,
     "the (N, C*H*W) matrix cut into the groups' column blocks by torch.hsplit, each normalised along its rows, joined by torch.hstack."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
