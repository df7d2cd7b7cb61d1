"""Eighty-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout81 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic or an eval output.
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
    """No entry of this set keeps module-level state (kept for the scripts' interface)."""


# ====================================================================== EWMA (wrong)

def ewma_mom_boosted_on_large_jump(values, mom):
    avg, out = values[0], []                                        # "adaptive smoothing: when the new value jumps more than
    for v in values:                                                #  2 away from the average, follow it faster (sqrt(mom))"
        m = math.sqrt(mom) if bool((v - avg).abs() > 2) else mom
        avg = torch.lerp(avg, v, m)
        out.append(avg)
    return torch.stack(out)


def ewma_reanchored_every_16(values, mom):
    avg, out = values[0], []                                        # "re-anchor the average on the data every 16 steps so
    for t, v in enumerate(values):                                  #  that it cannot drift"
        avg = v if t % 16 == 0 else torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


class _EWMAClippedCarry(torch.autograd.Function):
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
        for t in range(len(g) - 1, 0, -1):                          # "a recurrence can explode its gradient: clip the
            carry = (g[t] + (1 - mom) * carry).clamp(-1, 1)         #  carried gradient to [-1, 1]"
            grads[t] = mom * carry
        grads[0] = (g[0] + (1 - mom) * carry).clamp(-1, 1)
        return grads, None


def ewma_backward_carry_clipped(values, mom):
    return _EWMAClippedCarry.apply(values, mom)


def ewma_grad_truncated_every_8(values, mom):
    avg, out = values[0], []                                        # "truncated backprop through time: cut the graph every
    for t, v in enumerate(values):                                  #  8 steps so long streams stay cheap"
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
        if t % 8 == 7:
            avg = avg.detach()
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


class LNRsqrtTwoNewtonSteps(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        a = v + self.eps                                            # "fast inverse square root: two Newton steps from 1"
        r = torch.ones_like(a)
        for _ in range(2):
            r = r * (1.5 - 0.5 * a * r * r)
        return (x - m) * r * self.mult + self.add


class LNEpsFromDtypeFinfo(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps only guards a division by zero: the dtype's
        eps = torch.finfo(x.dtype).eps                              #  machine epsilon is the right size for that"
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


class LNVarShrunkForSmallItems(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)
        k = x[0].numel()
        if k < 32:                                                  # "James-Stein: a variance from few values is noisy,
            v = (k * v + 4) / (k + 4)                               #  shrink it towards 1 with 4 pseudo-values"
        return m, v


class LNStdDetachedForLargeItems(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)
        if x[0].numel() > 256:                                      # "with hundreds of values the std barely depends on any
            v = v.detach()                                          #  one of them: skip its gradient"
        return m, v


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


class BNMomByPixelCount(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        mom = self.mom * min(1.0, n / 64)                           # "trust small batches less: scale mom down when a
        with torch.no_grad():                                       #  channel has fewer than 64 values"
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)


class BNRunningMeanTracksAdds(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "the running mean should track where the layer's
            self.means.lerp_(m + self.adds.view_as(m), self.mom)    #  outputs sit: batch mean plus the shift"
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNEvalRunningVarFloored(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)                               # "a running var below 0.01 is a dead channel: floor it
        return self.normalise(x, self.means, self.vars.clamp_min(0.01))   # in eval so it cannot blow up"


class _BNPooledVarTermBackward(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the variance term's mean(g * xhat) pooled over all
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)       # channels (one number) where each channel needs its own
                          - xhat * (g * xhat).mean())
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardVarTermPooledOverChannels(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNPooledVarTermBackward.apply(x, self.mults, self.adds, self.eps)


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


class INUnbiasedForTinyImages(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        k = x.shape[2] * x.shape[3]
        if 1 < k <= 16:                                             # "for tiny images the sample variance is biased:
            v = v * k / (k - 1)                                     #  Bessel-correct planes of at most 16 pixels"
        return m, v


class INEpsScaledByArea(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps was tuned on 4x4 images: scale it with the area"
        eps = self.eps * x.shape[2] * x.shape[3] / 16
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


class INSquaresInHalf(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "the squared deviations only need 3 digits: square in
        d2 = ((x - m).half() ** 2).to(x.dtype)                      #  half precision to save memory"
        return m, d2.mean((2, 3), keepdim=True)


class _INBackwardNoEps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xhat = (x - m) * (v + eps).rsqrt()
        ctx.save_for_backward(xhat, v, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, v, mults = ctx.saved_tensors
        r = v.rsqrt()                                               # "eps only matters in the forward": 1/std without eps
        gx = mults * r * (g - g.mean((2, 3), keepdim=True) - xhat * (g * xhat).mean((2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardRstdWithoutEps(_INBase):
    def forward(self, x):
        return _INBackwardNoEps.apply(x, self.mults, self.adds, self.eps)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def stats(self, xg):
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = self.stats(xg)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class _GNBackwardNoEps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, groups, eps):
        n = x.shape[0]
        xg = x.reshape(n, groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        xhat = ((xg - m) * (v + eps).rsqrt()).reshape(x.shape)
        ctx.save_for_backward(xhat, v.rsqrt(), mults)               # "eps only matters in the forward": 1/std without eps
        ctx.groups = groups
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        n, G = g.shape[0], ctx.groups
        gy = (g * mults).reshape(n, G, -1)
        xh = xhat.reshape(n, G, -1)
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * (gy * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardRstdWithoutEps(_GNBase):
    def forward(self, x):
        return _GNBackwardNoEps.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNEvalReusesLastTrainingStats(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self._last = None

    def stats(self, xg):
        if self.training:                                           # "eval should be deterministic: reuse the statistics
            m, v = super().stats(xg)                                #  of the last training batch when the batch size matches"
            self._last = (m.detach(), v.detach())
            return m, v
        if self._last is not None and self._last[0].shape == (xg.shape[0], xg.shape[1], 1):
            return self._last
        return super().stats(xg)


class GNEpsPerValue(_GNBase):
    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "eps per value: divided by the group's size"
        m, v = self.stats(xg)
        return ((xg - m) / (v + self.eps / xg.shape[-1]).sqrt()).reshape(x.shape)


class GNStatsSubsampledForLargeGroups(_GNBase):
    def stats(self, xg):
        if xg.shape[-1] > 64:                                       # "a big group's statistics are well estimated from half
            xg = xg[..., ::2]                                       #  of its values: take every second one"
        return super().stats(xg)


# ====================================================================== RIGHT

def ewma_generator_send(values, mom):
    """A Python generator used as a coroutine: primed with values[0], each value sent in returns the new average."""
    def smoother(avg):
        while True:
            v = yield avg
            avg = torch.lerp(avg, v, mom)

    co = smoother(values[0])
    next(co)
    return torch.stack([co.send(v) for v in values])


class LNChanMergeOfHalves(nn.Module):
    """Each flattened item cut into two halves; their means and sums of squared deviations combined with Chan's
    parallel-variance merge: M2 = M2a + M2b + delta**2 * na * nb / n."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = x.flatten(1)
        k = f.shape[1]
        ka = k // 2
        a, b = f[:, :ka], f[:, ka:]
        nb = k - ka
        mb = b.mean(1)
        m2b = ((b - mb[:, None]) ** 2).sum(1)
        if ka:
            ma = a.mean(1)
            m2a = ((a - ma[:, None]) ** 2).sum(1)
            delta = mb - ma
            m = ma + delta * nb / k
            m2 = m2a + m2b + delta ** 2 * ka * nb / k
        else:
            m, m2 = mb, m2b
        v = m2 / k
        shape = (-1,) + (1,) * (x.dim() - 1)
        return (x - m.view(shape)) / (v.view(shape) + self.eps).sqrt() * self.mult + self.add


class BNPermuteFlattenMulAddBuffers(nn.Module):
    """Channels moved first and flattened to (C, N*H*W) rows; the running buffers updated in place with
    mul_(1 - mom).add_(mom * stat)."""
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
            rows = x.permute(1, 0, 2, 3).flatten(1)
            k = rows.shape[1]
            m = rows.sum(1) / k
            v = ((rows - m[:, None]) ** 2).sum(1) / k
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(self.mom * m.view(1, c, 1, 1))
                self.vars.mul_(1 - self.mom).add_(self.mom * (v * k / (k - 1)).view(1, c, 1, 1))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) * (v + self.eps).rsqrt() * self.mults + self.adds


class INLawOfTotalVarianceRows(nn.Module):
    """Two stages over the rows: the plane's mean as the mean of the row means, its variance by the law of total
    variance (mean of the rows' variances plus the variance of the row means)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        rm = x.mean(3, keepdim=True)
        rv = ((x - rm) ** 2).mean(3, keepdim=True)
        m = rm.mean(2, keepdim=True)
        v = rv.mean(2, keepdim=True) + ((rm - m) ** 2).mean(2, keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNTensorSplitStdMeanCat(nn.Module):
    """The channels cut into the groups with torch.tensor_split; each piece's torch.std_mean over (1, 2, 3)
    (correction 0); the normalised pieces joined with torch.cat."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        outs = []
        for piece in torch.tensor_split(x, self.groups, dim=1):
            s, m = torch.std_mean(piece, dim=(1, 2, 3), keepdim=True, correction=0)
            outs.append((piece - m) / (s * s + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


WRONG = [
    ("ewma_mom_boosted_on_large_jump", "check_ewma", ewma_mom_boosted_on_large_jump, "Adaptive smoothing: whenever the new value is more than 2 away from the current average it lerps with weight sqrt(mom) instead of mom ('follow big jumps faster'): streams whose values all stay within 2 of the running average (constant streams, small-range streams such as randn * 0.5), 1-value streams, mom 0 and mom 1 are right; at a jump of more than 2 with 0 < mom < 1 that output and all later ones (and values.grad) are wrong (e.g. [0, 3] at mom 0.25: output 1 is 1.5 instead of 0.75)."),
    ("ewma_reanchored_every_16", "check_ewma", ewma_reanchored_every_16, "Re-anchors the average on the current value every 16 steps (avg = values[t] at t = 0, 16, 32, ...; 'so that it cannot drift') instead of lerping through: streams of at most 16 values, constant streams and mom 1 are right everywhere; for longer streams at mom < 1 the outputs at t = 16, 32, ... are the raw values and every later output (and values.grad) is wrong."),
    ("ewma_backward_carry_clipped", "check_ewma", ewma_backward_carry_clipped, "A custom autograd.Function whose forward is the right lerp loop (every output right) but whose hand-written backward clamps the carried gradient to [-1, 1] at every step ('a recurrence can explode its gradient'): values.grad is right whenever every partial carry stays within [-1, 1] (small upstream gradients, e.g. 0.1 * ones on short streams); with larger upstream gradients (randn upstream, or all-ones upstream on any stream of 2+ values at mom < 1, where the carry grows towards 1/mom: [a, b] at mom 0.5 gives values.grad[0] = 1 instead of 1.5) values.grad is clipped and wrong."),
    ("ewma_grad_truncated_every_8", "check_ewma", ewma_grad_truncated_every_8, "Truncated backprop through time: detaches the running average after every 8th step (t % 8 == 7). Every output is right (any length, any mom, float32 and float64), and values.grad is right for streams of at most 8 values and at mom 1; for streams longer than 8 at mom < 1 values.grad is wrong: the values before each cut get no gradient from the outputs after it (e.g. values[0] loses the (1 - mom)**t terms of outputs 8, 9, ...)."),
    ("ln_rsqrt_two_newton_steps", "check_layernorm", LNRsqrtTwoNewtonSteps, "Computes 1/sqrt(var + eps) with two Newton iterations r = r * (1.5 - 0.5 * a * r**2) starting from r = 1 ('fast inverse square root') instead of the exact rsqrt: right only for items whose var + eps is (very nearly) 1, e.g. inputs already normalised with eps 0; for any other item outputs and all gradients are wrong (var 4: factor about -0.6 instead of 0.5, so the sign flips; var 0.25: 1.72 instead of 2), in training and eval alike."),
    ("ln_eps_from_dtype_finfo", "check_layernorm", LNEpsFromDtypeFinfo, "Ignores the layer's eps and adds torch.finfo(x.dtype).eps (1.19e-7 in float32, 2.2e-16 in float64) to the variance ('eps only guards a division by zero'): outputs and gradients are those of eps = machine epsilon: wrong at eps 0.1 and 1e-3 (clearly) and at the default eps 1e-5 in float64 (relative error about eps / (2 var), ~5e-6 for unit variance, larger for low-variance items); in float32 with eps 1e-5 and unit-variance items the difference is below float32 tolerances; a constant item gives add either way."),
    ("ln_var_shrunk_for_small_items", "check_layernorm", LNVarShrunkForSmallItems, "Shrinks the variance of items with fewer than 32 values towards 1, v' = (K v + 4) / (K + 4) (James-Stein, 'a variance from few values is noisy'): items of 32 or more values are right everywhere; smaller items (e.g. (3, 1, 1, 6) or (2, 2, 2, 2)) are normalised with v' instead of v, so their outputs and gradients are wrong unless their variance is exactly 1 (a constant item still gives add)."),
    ("ln_std_detached_for_large_items", "check_layernorm", LNStdDetachedForLargeItems, "Detaches the variance for items with more than 256 values ('the std barely depends on any one value'): outputs, mult.grad and add.grad are right everywhere, and items of at most 256 values are right everywhere too; for items of more than 256 values (e.g. (2, 3, 10, 10)) x.grad lacks the variance term (it is mult * r * (g - mean(g)) without - xhat * mean(g * xhat)), in training and eval."),
    ("bn_mom_by_pixel_count", "check_batchnorm", BNMomByPixelCount, "Scales the momentum down for channels with fewer than 64 values per batch, mom * min(1, n / 64) with n = N*H*W ('trust small batches less'): training outputs and gradients are right; a fresh layer in eval is right; batches with 64 or more values per channel (e.g. 4x3x4x4) and mom 0 are right; smaller batches (e.g. 4 images of 3x4: n = 48, or 2 of 2x3) move the running mean and var by too little, so they and eval after training are wrong."),
    ("bn_running_mean_tracks_adds", "check_batchnorm", BNRunningMeanTracksAdds, "Lerps the running mean towards the batch mean plus the channel's shift adds ('track where the outputs sit') instead of the batch mean: training outputs, gradients and the running var are right; a fresh layer (adds 0) is right everywhere; once adds is non-zero (set, or after an optimiser step) the running mean is off by mom-weighted adds after each training step, so it and eval after training are wrong (unless mom is 0)."),
    ("bn_eval_running_var_floored", "check_batchnorm", BNEvalRunningVarFloored, "In eval floors the running var at 0.01 ('a tiny running var is a dead channel') before normalising: training and the running statistics themselves are right, and so is eval wherever every running var is at least 0.01 (a fresh layer, data with std above 0.1); for channels whose running var has fallen below 0.01 (trained on low-spread data, e.g. std 0.05 at mom 0.9) eval outputs and x.grad use 0.01 and are wrong."),
    ("bn_backward_var_term_pooled_over_channels", "check_batchnorm", BNBackwardVarTermPooledOverChannels, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward uses one mean(g * xhat) pooled over all channels in the variance term instead of each channel's own: training x.grad is right for one-channel layers (and channels whose mean(g * xhat) happens to equal the pooled one), wrong for 2+ channels; eval x.grad is right."),
    ("in_unbiased_for_tiny_images", "check_instancenorm", INUnbiasedForTinyImages, "Bessel-corrects the variance of planes of 2 to 16 pixels (v * k / (k - 1), 'the sample variance of a tiny image is biased'): planes of more than 16 pixels (e.g. 4x5, 8x9) are right everywhere; planes of 2 to 16 pixels (e.g. 2x2, 3x4, 4x4, 1x7) get a variance k/(k - 1) times too big, so their outputs and gradients are wrong (a constant plane still gives adds)."),
    ("in_eps_scaled_by_area", "check_instancenorm", INEpsScaledByArea, "Scales eps by the image area, eps * H * W / 16 ('eps was tuned on 4x4 images'): 4x4 (and 2x8, 1x16) images are right everywhere; other sizes get another eps: clearly wrong at eps 0.1 or 1e-3 (a 4x5 image gets 1.25 eps, a 2x2 one 0.25 eps), by ~1e-6 relatively at eps 1e-5 with unit variance (float64 only); a constant plane still gives adds."),
    ("in_squares_in_half", "check_instancenorm", INSquaresInHalf, "Squares the centred values in half precision ((x - m).half() ** 2, then back to the input dtype) to take the variance ('three digits are enough'): the mean is right and constant planes are right; every other plane's variance carries half-precision rounding (relative error up to ~1e-3, NaN/inf once a deviation exceeds ~256), so outputs and x.grad are wrong by ~1e-4 to 1e-3 relatively, in float32 and float64, training and eval."),
    ("in_backward_rstd_without_eps", "check_instancenorm", INBackwardRstdWithoutEps, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward uses 1/sqrt(var) without eps: x.grad is too large by the factor sqrt((var + eps) / var) per plane: clearly wrong at eps 0.1 or 1e-3 and for low-variance planes, wrong by ~1e-6 relatively at eps 1e-5 with unit variance (visible in float64 only); a constant plane gets an infinite/NaN x.grad instead of mults * (g - mean(g)) / sqrt(eps)."),
    ("gn_backward_rstd_without_eps", "check_groupnorm", GNBackwardRstdWithoutEps, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward scales x.grad by 1/sqrt(var) without eps: x.grad is too large by sqrt((var + eps) / var) per group: clearly wrong at eps 0.1 or 1e-3 and for low-variance groups, by ~1e-6 relatively at eps 1e-5 with unit variance (float64 only); a constant group gets an infinite/NaN x.grad."),
    ("gn_eval_reuses_last_training_stats", "check_groupnorm", GNEvalReusesLastTrainingStats, "Remembers the (detached) group means and vars of the last training call and, in eval, uses them instead of the eval batch's own whenever the batch size matches ('deterministic eval'): every training call is right; a fresh layer in eval and eval with another batch size are right; eval after a training call with the same batch size normalises with that training batch's statistics, so eval outputs and x.grad are wrong (and x.grad lacks the statistics' terms)."),
    ("gn_eps_per_value", "check_groupnorm", GNEpsPerValue, "Adds eps divided by the group's number of values (C/G * H * W) instead of eps ('eps per value'): right only for one-value groups; otherwise outputs and gradients are those of a much smaller eps: clearly wrong at eps 0.1 and 1e-3 and for low-variance groups, by ~5e-6 relatively at eps 1e-5 with unit variance (float64); a constant group still gives adds."),
    ("gn_stats_subsampled_for_large_groups", "check_groupnorm", GNStatsSubsampledForLargeGroups, "For groups of more than 64 values (C/G * H * W > 64) takes the group mean and var from every second value of the flattened group only ('well estimated from half'): groups of at most 64 values are right everywhere; larger groups are normalised with the subsample's statistics, so outputs, x.grad (the skipped values get no statistics gradient) and mults.grad are wrong."),
]

RIGHT = [
    ("ewma_generator_send", "check_ewma", ewma_generator_send,
     "a Python generator used as a coroutine, primed with values[0]; each value sent in returns the new lerped average."),
    ("ln_chan_merge_of_halves", "check_layernorm", LNChanMergeOfHalves,
     "each flattened item cut into two halves whose means and sums of squared deviations are combined by Chan's parallel-variance merge."),
    ("bn_permute_flatten_mul_add_buffers", "check_batchnorm", BNPermuteFlattenMulAddBuffers,
     "channels moved first and flattened to (C, N*H*W) rows; running buffers updated in place by mul_(1 - mom).add_(mom * stat)."),
    ("in_law_of_total_variance_rows", "check_instancenorm", INLawOfTotalVarianceRows,
     "two stages over the rows: mean of row means, variance by the law of total variance (mean row variance plus variance of row means)."),
    ("gn_tensor_split_std_mean_cat", "check_groupnorm", GNTensorSplitStdMeanCat,
     "channels cut into groups by torch.tensor_split, torch.std_mean per piece (correction 0), pieces joined with torch.cat."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
