"""Thirty-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout38 (heldoutN.py).
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

def ewma_attack_release(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "an envelope follower: fast attack, slow release -
        w = mom if bool(v >= avg) else mom / 2                      #  follow a rise with mom, a fall with half of it"
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


def ewma_clipped_to_running_3sigma(values, mom):
    avg, var, out = values[0], torch.zeros_like(values[0]), []
    for v in values:                                                # "robust EWMA: track the exponentially weighted variance
        if bool(var > 0):                                           #  too, and clip each new value to 3 running sigmas of the
            s = 3 * var.sqrt()                                      #  average before averaging it in (no clipping until the
            v = torch.minimum(torch.maximum(v, avg - s), avg + s)   #  spread is known)"
        gap = v - avg
        avg = avg + mom * gap
        var = (1 - mom) * (var + mom * gap * gap)
        out.append(avg)
    return torch.stack(out)


class _EWMAFloat32Backward(torch.autograd.Function):
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
        gf = g.float()                                              # "gradients need no double precision: run the reverse
        n = len(gf)                                                 #  recursion in float32 and cast back"
        grads = torch.zeros(n, dtype=torch.float32)
        carry = torch.zeros((), dtype=torch.float32)
        for t in range(n - 1, 0, -1):
            carry = gf[t] + (1 - mom) * carry
            grads[t] = mom * carry
        grads[0] = gf[0] + (1 - mom) * carry
        return grads.to(g.dtype), None


def ewma_backward_in_float32(values, mom):
    return _EWMAFloat32Backward.apply(values, mom)


def ewma_kahan_sign_slip(values, mom):
    avg, c, out = values[0], torch.zeros_like(values[0]), []
    for v in values:                                                # "Kahan-compensated update, so long streams don't drift"
        y = mom * (v - avg) - c
        t = avg + y
        c = (t - avg) + y                                           # Kahan's c = (t - s) - y with the sign slipped
        avg = t
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


class LNEvalInt8FakeQuant(_LNBase):
    def forward(self, x):
        y = super().forward(x)
        if self.training:
            return y
        s = y.detach().abs().max().clamp(min=1e-12) / 127           # "inference runs in int8: quantise the output per tensor
        q = torch.round(y.detach() / s).clamp(-128, 127) * s       #  (symmetric, scale max|y|/127), straight-through grad"
        return y + (q - y.detach())


class LNAffineWarmup(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.steps = 0

    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()
        if self.training:
            self.steps += 1
        r = min(1.0, self.steps / 10)                               # "ramp the learned affine in over the first 10 training
        return xhat * (1 + (self.mult - 1) * r) + self.add * r      #  steps, so it cannot disturb early training"


class LNTanhSquash(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = torch.tanh((x - m) / (v + self.eps).sqrt())          # "bound the normalised values smoothly, as DyT does"
        return xhat * self.mult + self.add


class _LNInvVarBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xhat = (x - m) / (v + eps).sqrt()
        ctx.save_for_backward(xhat, v, mult)
        ctx.eps = eps
        return xhat * mult + add

    @staticmethod
    def backward(ctx, g):
        xhat, v, mult = ctx.saved_tensors
        r = 1 / (v + ctx.eps)                                       # the hand-written backward: 1/(v + eps) where
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True)        #  1/sqrt(v + eps) is meant
                         - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardInvVarNotStd(_LNBase):
    def forward(self, x):
        return _LNInvVarBackward.apply(x, self.mult, self.add, self.eps)


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


class BNRunningVarNeverDecreases(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "AMSGrad-style: keep the larger of the old and the new
            self.means.lerp_(m, self.mom)                           #  running var, so eval never under-estimates the spread"
            self.vars.copy_(torch.maximum(self.vars, torch.lerp(self.vars, v * n / (n - 1), self.mom)))


class BNRunningPrecisionAveraged(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "eval divides by the variance: average its inverse
            self.means.lerp_(m, self.mom)                           #  (the precision) and invert back"
            self.vars.copy_(1 / torch.lerp(1 / self.vars, 1 / (v * n / (n - 1)), self.mom))


class BNWhitenedChannels(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        n, c, h, w = x.shape
        m, v = self.stats(x)
        self.update(x, m, v)
        rows = (x - m).transpose(0, 1).reshape(c, -1)               # "decorrelated BatchNorm: whiten the channels with the
        cov = rows @ rows.T / rows.shape[1]                         #  inverse square root of their covariance (ZCA)"
        lam, U = torch.linalg.eigh(cov + self.eps * torch.eye(c, dtype=x.dtype))
        W = U @ torch.diag(lam.rsqrt()) @ U.T
        xw = (W @ rows).reshape(c, n, h, w).transpose(0, 1)
        return xw * self.mults + self.adds


class BNOutlierBatchSkipsUpdate(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "three-sigma rule: a batch whose channel mean lies more
            far = (m - self.means).abs() > 3 * self.vars.sqrt()     #  than 3 running stds from the running mean is an outlier:
            self.means.copy_(torch.where(far, self.means, torch.lerp(self.means, m, self.mom)))   # leave that channel alone"
            self.vars.copy_(torch.where(far, self.vars, torch.lerp(self.vars, v * n / (n - 1), self.mom)))


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


class INRGBAAlphaPassthrough(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()
        if x.shape[1] == 4:                                         # "a 4-channel image is RGBA: the alpha channel is a mask,
            keep = torch.arange(4).view(1, 4, 1, 1) == 3            #  leave it unnormalised"
            xhat = torch.where(keep, x, xhat)
        return xhat * self.mults + self.adds


class INPlaneDetrended(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        i = torch.arange(h, dtype=x.dtype).view(h, 1) - (h - 1) / 2
        j = torch.arange(w, dtype=x.dtype).view(1, w) - (w - 1) / 2
        m = x.mean((2, 3), keepdim=True)                            # "remove the illumination gradient first: fit a plane
        b = (x * i).sum((2, 3), keepdim=True) / (i * i).sum() / w   #  a + b*i + c*j to each image by least squares and
        cc = (x * j).sum((2, 3), keepdim=True) / (j * j).sum() / h  #  normalise the residual"
        r = x - m - b * i - cc * j
        v = (r * r).mean((2, 3), keepdim=True)
        return r / (v + self.eps).sqrt() * self.mults + self.adds


class INHotPixelExcluded(_INBase):
    def stats(self, x):
        n, c, h, w = x.shape
        flat = x.flatten(2)
        top = flat.detach().argmax(2, keepdim=True)                 # "one hot (stuck) pixel must not set the image's scale:
        keep = torch.ones_like(flat).scatter(2, top, 0.)            #  leave the brightest pixel out of the statistics"
        k = h * w - 1
        m = (flat * keep).sum(2) / k
        v = (((flat - m[..., None]) ** 2) * keep).sum(2) / k
        return m.view(n, c, 1, 1), v.view(n, c, 1, 1)


class INWeberContrast(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "contrast normalisation: the deviation relative to the
        return (x - m) / (m.abs() + self.eps) * self.mults + self.adds   #  image's mean luminance (Weber contrast)"


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


class GNRandomChannelShuffle(_GNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        perm = torch.randperm(x.shape[1])                           # "shuffle the channels before grouping (as ShuffleNet
        inv = torch.argsort(perm)                                   #  does) so groups mix: a regulariser in training"
        return self.norm(x[:, perm])[:, inv] * self.mults + self.adds


class GNSingleChannelGroupsPaired(_GNBase):
    def forward(self, x):
        g = self.groups
        if x.shape[1] // g == 1 and g % 2 == 0:                     # "a group of one channel is InstanceNorm, not GroupNorm:
            g = g // 2                                              #  give every group at least two channels"
        xg = x.reshape(x.shape[0], g, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNChannelsGroupedBySortedMean(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        order = x.detach().mean((2, 3)).argsort(1)                  # "group similar channels: sort each item's channels by
        idx = order[:, :, None, None].expand(n, c, h, w)            #  their mean, group neighbours in that order"
        xs = torch.gather(x, 1, idx)
        ys = self.norm(xs)
        y = torch.empty_like(ys).scatter(1, idx, ys)
        return y * self.mults + self.adds


class GNWeightStandardisedMults(_GNBase):
    def forward(self, x):
        w = self.mults                                              # "GroupNorm goes with Weight Standardisation: standardise
        ws = (w - w.mean()) / (w.var(correction=0) + 1e-5).sqrt()  #  the weights (here the mults) before using them"
        return self.norm(x) * ws + self.adds


# ================================================================= RIGHT answers

def ewma_addmv_recursive_rows(values, mom):
    """The weight matrix built row by row (row t = (1 - mom) * row t-1 plus mom on the diagonal, row 0 the unit vector),
    then applied with torch.addmv onto a zero vector."""
    n = len(values)
    eye = torch.eye(n, dtype=values.dtype)
    rows = [eye[0]]
    for t in range(1, n):
        rows.append((1 - mom) * rows[-1] + mom * eye[t])
    W = torch.stack(rows)
    return torch.addmv(values.new_zeros(n), W, values)


class LNCdistSpread(nn.Module):
    """Each item's sum of squared deviations as the square of torch.cdist between the flattened item and its mean repeated
    (the direct, non-matmul Euclidean mode), divided by K."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.flatten(1)
        k = flat.shape[1]
        m = flat.sum(1, keepdim=True) / k
        d = torch.cdist(flat[:, None, :], m.expand(-1, k)[:, None, :], compute_mode='donot_use_mm_for_euclid_dist')
        v = d.reshape(-1, 1) ** 2 / k
        return ((flat - m) / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNSplitColumnStack(nn.Module):
    """The batch cut into items with torch.split; each item's per-channel sums set side by side with torch.column_stack
    into a (C, N) table, summed across and divided by the count (likewise for the squared deviations); running buffers
    moved by torch.sub(buffer, torch.sub(buffer, stat), alpha=mom)."""
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
            items = torch.split(x, 1, 0)
            m = torch.column_stack([it.sum((0, 2, 3)) for it in items]).sum(1) / k
            d = x - m.view(1, c, 1, 1)
            v = torch.column_stack([(dd * dd).sum((0, 2, 3)) for dd in torch.split(d, 1, 0)]).sum(1) / k
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.sub(self.means, torch.sub(self.means, m), alpha=self.mom))
                self.vars.copy_(torch.sub(self.vars, torch.sub(self.vars, v * k / (k - 1)), alpha=self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INOuterWeightMap(nn.Module):
    """Each image's sum and sum of squared deviations weighted by the all-ones H x W map torch.outer(ones(H), ones(W)),
    each divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        wmap = torch.outer(x.new_ones(h), x.new_ones(w))
        m = (x * wmap).sum((2, 3), keepdim=True) / (h * w)
        d = x - m
        v = (d * d * wmap).sum((2, 3), keepdim=True) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNMaskedSelect(nn.Module):
    """Each group's values picked with torch.masked_select under a channel mask, normalised, and written back into a
    zeros tensor with torch.masked_scatter, group by group."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        y = torch.zeros_like(x)
        for gi in range(self.groups):
            ch = (torch.arange(c) // cpg == gi).view(1, c, 1, 1)
            mask = ch.expand(1, c, h, w)
            for i in range(n):
                vals = torch.masked_select(x[i:i + 1], mask)
                mm = vals.mean()
                vv = ((vals - mm) ** 2).mean()
                y = y.masked_scatter(mask & (torch.arange(n) == i).view(n, 1, 1, 1), (vals - mm) / (vv + self.eps).sqrt())
        return y * self.mults + self.adds


WRONG = [
    ("ewma_attack_release", "check_ewma", ewma_attack_release, "Envelope follower ('fast attack, slow release'): steps with weight mom when the new value is at or above the running average and with mom / 2 when it is below: 1-value and constant streams are right, and so is every step towards a higher value; every step towards a lower value moves only half as far as it should, so from the first fall on the outputs (and values.grad) are wrong: the average lags on the way down."),
    ("ewma_clipped_to_running_3sigma", "check_ewma", ewma_clipped_to_running_3sigma, "'Robust EWMA': also tracks the exponentially weighted variance (var = (1-mom) * (var + mom * gap**2)) and, once it is positive, clips each new value into avg +- 3 sqrt(var) before the step ('clip outliers to 3 running sigmas'): 1-value and constant streams are right (the variance stays 0, nothing is clipped), and so are outputs 0 and 1 (no spread known before the second step); from then on a value more than 3 running sigmas from the average moves it only as far as the clip (the average lags behind jumps), and such a value gets no gradient: outputs and values.grad wrong on streams with such a value."),

    ("ewma_backward_in_float32", "check_ewma", ewma_backward_in_float32, "A custom autograd.Function whose forward is the right lerp loop in the values' dtype and whose hand-written backward (the right reverse recursion: carry = g_t + (1-mom) carry, grad_t = mom * carry, values[0] gets the whole carry) runs in float32 and casts back ('gradients need no double precision'): every output is right, float32 streams are right everywhere; on float64 streams values.grad has the right dtype but only float32 precision (relative errors around 1e-7, above float64 tolerance)."),
    ("ewma_kahan_sign_slip", "check_ewma", ewma_kahan_sign_slip, "Kahan-compensated update ('so long streams don't drift'): y = mom*(v - avg) - c; t = avg + y; c = (t - avg) + y; avg = t, with the compensation's sign slipped ((t - avg) - y meant, which is ~0): c becomes twice the last step and is subtracted from the next one, so each step is mom*(v - avg) - 2 * previous step: outputs 0 and 1 are right (c starts at 0), constant streams are right (every step 0); from output 2 on the error alternates in sign and doubles each step, so long streams blow up (values.grad wrong too)."),
    ("ln_eval_int8_fake_quant", "check_layernorm", LNEvalInt8FakeQuant, "In eval mode quantises the output to int8 per tensor ('inference runs in int8': scale max|y|/127, round, clamp to [-128, 127], dequantise) with a straight-through gradient: training is right everywhere; every eval output (also a fresh layer in eval) is rounded to a multiple of max|y|/127 (errors up to max|y|/254, ~1e-2), while x.grad and the parameter gradients stay right (the rounding is passed straight through)."),
    ("ln_affine_warmup", "check_layernorm", LNAffineWarmup, "Counts training calls and ramps the affine in: output = xhat * (1 + (mult - 1) * r) + add * r with r = min(1, steps / 10) ('ramp the learned affine in over the first 10 training steps'): the normalised values are right; outputs are right while mult is 1 and add 0 (a fresh layer), but mult.grad and add.grad are r times too small (r = 0.1 after one step, 0 on a fresh layer in eval) in every configuration; with other parameters (mult 1.7, add -0.3) outputs and x.grad are wrong until the 10th training call (eval and a fresh layer in eval use the current r; r = 0 before any training)."),
    ("ln_tanh_squash", "check_layernorm", LNTanhSquash, "Passes the normalised values through tanh before the affine step ('bound them smoothly, as DyT does'): tanh(xhat) * mult + add: a constant item (xhat = 0) gives add, right; every other value is squashed (tanh(1) = 0.76, tanh(2) = 0.96), so outputs are wrong everywhere else, and the gradients carry the extra factor 1 - tanh(xhat)**2."),
    ("ln_backward_inv_var_not_std", "check_layernorm", LNBackwardInvVarNotStd, "A custom autograd.Function whose forward is right (outputs right everywhere; mult.grad and add.grad right) but whose hand-written backward scales x.grad by 1/(v + eps) instead of 1/sqrt(v + eps) (the variance where the standard deviation is meant): x.grad is wrong by the factor 1/sqrt(v + eps) per item (right only where v + eps = 1), e.g. ~316 times too large for a constant item at eps 1e-5."),
    ("bn_running_var_never_decreases", "check_batchnorm", BNRunningVarNeverDecreases, "Updates the running var as max(running var, lerp(running var, unbiased batch var, mom)) ('AMSGrad-style: eval must never under-estimate the spread'): the running var can only grow; training outputs, gradients and the running mean are right; for a channel whose unbiased batch variance is below its running var (e.g. below the initial 1) the running var stays put instead of moving down: the running var and eval outputs after training are wrong for those channels (a fresh layer in eval is right; channels whose batch variance exceeds the running var are right)."),
    ("bn_running_precision_averaged", "check_batchnorm", BNRunningPrecisionAveraged, "Lerps the inverse of the running var towards the inverse of the unbiased batch variance and inverts back ('eval divides by the variance: average the precision'): a harmonic instead of an arithmetic moving average; training outputs, gradients and the running mean are right; the running var is wrong whenever the batch variance differs from it (every step here), and a constant channel (variance 0, inverse inf) sends its running var straight to 0; eval after training wrong (a fresh layer in eval right)."),
    ("bn_whitened_channels", "check_batchnorm", BNWhitenedChannels, "Decorrelated BatchNorm in training: whitens the centred channels with the inverse square root of their C x C batch covariance (plus eps I, by eigh: ZCA) instead of dividing each channel by its own std: the running statistics (per-channel mean and unbiased var) and eval are right; training outputs mix the channels (each output channel is a combination of all of them), so training outputs and gradients are wrong whenever the channels' batch correlations are not exactly 0 (always here)."),
    ("bn_outlier_batch_skips_update", "check_batchnorm", BNOutlierBatchSkipsUpdate, "Skips a channel's running update when its batch mean lies more than 3 running stds from its running mean ('three-sigma rule: an outlier batch', |m - running mean| > 3 sqrt(running var)): training outputs and gradients are right; channels whose batch mean is within 3 running stds are right; a channel whose batch mean is farther keeps its running mean and var unchanged for that step, so its running statistics (and eval outputs after training) are wrong: here the high-offset channel of the (2, 8, 4, 4) batches (batch mean about 3 against a running mean of 0 and running var of 1) from the first step, and the constant channel 0 of ones in batches of one item (its running var has shrunk, so the jump to 1 exceeds 3 stds); every other configuration is right."),

    ("in_rgba_alpha_passthrough", "check_instancenorm", INRGBAAlphaPassthrough, "With exactly 4 channels treats the input as RGBA and leaves channel 3 ('alpha, a mask') unnormalised: x * mults + adds there: every input with another channel count (6, 8) is right; with 4 channels (here (3, 4, 5, 5) and (4, 4, 3, 5), and their eval calls on another size) channels 0-2 are right and channel 3's outputs and gradients are wrong (its x.grad is mults * g, with no centring or scaling)."),
    ("in_plane_detrended", "check_instancenorm", INPlaneDetrended, "Fits a plane a + b*i + c*j to each image by least squares ('remove the illumination gradient first') and normalises the residual: output = residual / sqrt(mean(residual**2) + eps) instead of (x - mean) / sqrt(var + eps): a constant image is right (output adds); every other image loses its linear trend along the rows and columns and is scaled by the residual's smaller spread: outputs and gradients wrong."),
    ("in_hot_pixel_excluded", "check_instancenorm", INHotPixelExcluded, "Leaves each image's largest pixel out of its mean and variance ('one hot pixel must not set the scale'), then normalises all the pixels with those statistics: the mean and variance are those of the other H*W - 1 pixels, so every non-constant image's outputs and gradients are wrong (the top pixel far out); a constant image's output is right (adds), but the left-out pixel's x.grad lacks the mean term."),
    ("in_weber_contrast", "check_instancenorm", INWeberContrast, "Divides each image's deviation from its mean by the absolute mean plus eps ('contrast normalisation: Weber contrast relative to the mean luminance') instead of by sqrt(var + eps): centring is right and a constant image is right (adds); every other image is scaled by 1/|mean| instead of 1/std: huge where the image's mean is near 0, too small where it is large: outputs and gradients wrong."),
    ("gn_random_channel_shuffle", "check_groupnorm", GNRandomChannelShuffle, "In training randomly permutes the channels (torch.randperm, a new permutation each call) before grouping and un-permutes afterwards ('shuffle channels as ShuffleNet does, so groups mix'): eval (also a fresh layer in eval) is right; with 1 group or one channel per group the permutation does not matter (right); with 1 < groups < C each training call normalises random sets of channels together: outputs and gradients wrong (and different from call to call) unless the draw keeps every group's channels together."),
    ("gn_single_channel_groups_paired", "check_groupnorm", GNSingleChannelGroupsPaired, "When there is one channel per group (groups == C, and C even) halves the group count ('a one-channel group is InstanceNorm: every group needs two channels'): every other group count is right; with groups == C (here 4 groups of 4 channels) each pair of neighbouring channels is normalised together (GroupNorm with C/2 groups): outputs and gradients wrong."),
    ("gn_channels_grouped_by_sorted_mean", "check_groupnorm", GNChannelsGroupedBySortedMean, "Sorts each item's channels by their mean and groups neighbours in that sorted order ('group similar channels together'), then puts the channels back: with 1 group or one channel per group it is right; with 1 < groups < C it is right for an item whose channel means are already in increasing order across group boundaries (often the case for this data, whose channel offsets rise) and wrong where a channel's mean moves it into another group (e.g. a constant channel 0 of ones, or a constant group): outputs and gradients wrong for those items."),
    ("gn_weight_standardised_mults", "check_groupnorm", GNWeightStandardisedMults, "Standardises the mults over the channels before using them ((mults - mean) / sqrt(var + 1e-5): 'GroupNorm goes with Weight Standardisation'): with the fresh mults (all 1) the standardised weights are all 0, so every output is adds and x.grad is 0; with other mults each channel is scaled by its standardised weight (some negative): outputs, x.grad and mults.grad wrong everywhere except where the group is constant (output adds); adds.grad right."),
]

RIGHT = [
    ("ewma_addmv_recursive_rows", "check_ewma", ewma_addmv_recursive_rows,
     "the weight matrix built row by row (row t = (1-mom) * row t-1 + mom on the diagonal, row 0 the unit vector), applied with torch.addmv onto a zero vector."),
    ("ln_cdist_spread", "check_layernorm", LNCdistSpread,
     "each item's sum of squared deviations as the square of torch.cdist (non-matmul Euclidean mode) between the flattened item and its repeated mean, divided by K."),
    ("bn_split_column_stack", "check_batchnorm", BNSplitColumnStack,
     "the batch cut into items by torch.split; per-item channel sums set side by side by torch.column_stack into a (C, N) table, summed and divided by the count; running buffers by torch.sub(buffer, torch.sub(buffer, stat), alpha=mom)."),
    ("in_outer_weight_map", "check_instancenorm", INOuterWeightMap,
     "each image's sum and sum of squared deviations weighted by the all-ones map torch.outer(ones(H), ones(W)), each divided by H*W."),
    ("gn_masked_select", "check_groupnorm", GNMaskedSelect,
     "each (item, group) picked by torch.masked_select under a channel mask, normalised, and written back with torch.masked_scatter."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
