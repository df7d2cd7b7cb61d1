"""Sixty-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout66 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic.
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

def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return out


def ewma_circular_warm_start(values, mom):
    seed = _lerp_loop(values, mom, values[0])[-1]                   # "warm up: run over the stream once and start the
    return torch.stack(_lerp_loop(values, mom, seed))               #  real pass from where the first one ended"


def ewma_weight_as_log_rate(values, mom):
    w = -math.log(1 - mom) if mom < 1 else float('inf')             # mom and the continuous decay rate confused: "the
    return torch.stack(_lerp_loop(values, w, values[0]))            #  step weight is the rate -log(1 - mom)"


def ewma_mom_rounded_to_one_decimal(values, mom):
    mom = round(float(mom), 1)                                      # mom passed through a config written with '%.1f'
    return torch.stack(_lerp_loop(values, mom, values[0]))


def ewma_integer_streams_kept_integer(values, mom):
    whole = bool((values == values.round()).all())                  # "a stream of counts stays a stream of counts"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        if whole:
            avg = avg.round()
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


class LNMeanDimsMissingHeight(_LNBase):
    def stats(self, x):
        m = x.mean((1, 3), keepdim=True)                            # mean over (1, 3): one mean per row (height missing)
        v = x.var((1, 2, 3), keepdim=True, correction=0)            # the variance over the whole item
        return m, v


class LNStatsOfCentreCrop(_LNBase):
    def stats(self, x):
        if x.shape[2] >= 3 and x.shape[3] >= 3:                     # "the border pixels are padding artefacts: take the
            return super().stats(x[:, :, 1:-1, 1:-1])               #  statistics from the inner crop"
        return super().stats(x)


class LNEvalInHalfPrecision(_LNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        xh = x.half()                                               # "inference runs in half precision"
        m = xh.mean((1, 2, 3), keepdim=True)
        v = xh.var((1, 2, 3), keepdim=True, correction=0)
        y = ((xh - m) / (v + self.eps).sqrt()).to(x.dtype)
        return y * self.mult + self.add


class LNRowsFromChannelsFirstCopy(_LNBase):
    def stats(self, x):
        n = x.shape[0]
        flat = x.transpose(0, 1).reshape(n, -1)                     # a transpose left over from the BatchNorm code: row i
        m = flat.mean(1).view(n, 1, 1, 1)                           # mixes the items' values, not item i's own
        v = flat.var(1, correction=0).view(n, 1, 1, 1)
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


class BNInputGradDividedByBatchSize(_BNBase):
    def forward(self, x):
        if self.training and x.requires_grad:                       # "the batch statistics couple the items: average
            n = x.shape[0]                                          #  their input gradients over the batch"
            x.register_hook(lambda g: g / n)
        return super().forward(x)


class BNRunningStatsWindowOfOneOverMom(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.window = []

    def update(self, x, m, v):
        if self.mom == 0:
            return
        k = max(1, round(1 / self.mom))                             # "a running average over the last 1/mom batches"
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.window = (self.window + [(m.detach().clone(), (v * n / (n - 1)).detach().clone())])[-k:]
            self.means.copy_(sum(a for a, _ in self.window) / len(self.window))
            self.vars.copy_(sum(b for _, b in self.window) / len(self.window))


class BNMomOneShortcutBiasedVar(_BNBase):
    def update(self, x, m, v):
        if self.mom == 1:                                           # "mom 1 keeps no memory: just copy the batch's stats"
            with torch.no_grad():
                self.means.copy_(m)
                self.vars.copy_(v)
            return
        super().update(x, m, v)


class _BNVarTermMeanG(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # the variance term written xhat * mean(g) where
        gm = g.mean((0, 2, 3), keepdim=True)                        # xhat * mean(g * xhat) is meant
        gx = mults * r * (g - gm - xhat * gm)
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardVarTermMeanOfG(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNVarTermMeanG.apply(x, self.mults, self.adds, self.eps)


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


class INStyleGAN2Demodulation(_INBase):
    def forward(self, x):
        w = self.mults / (self.mults.pow(2) + self.eps).sqrt()      # "StyleGAN2 replaced InstanceNorm by demodulation:
        return x * w + self.adds                                    #  scale by the gain over its own norm, no statistics"


class INStatsDropLastColumn(_INBase):
    def stats(self, x):
        if x.shape[3] > 1:                                          # "the last column is the padding the loader adds"
            return super().stats(x[..., :-1])
        return super().stats(x)


class INEpsTimesPixelCount(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "eps is per pixel: the plane's share is eps * H * W"
        return m, v + self.eps * (x.shape[2] * x.shape[3] - 1)


class INChannelVarSmoothed121(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "per-channel variances are noisy: smooth them with a
        vp = torch.cat([v[:, :1], v, v[:, -1:]], 1)                 #  1-2-1 kernel over neighbouring channels"
        return m, 0.25 * vp[:, :-2] + 0.5 * vp[:, 1:-1] + 0.25 * vp[:, 2:]


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


class GNEvalInBfloat16(_GNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return self.norm(x.to(torch.bfloat16)).to(x.dtype) * self.mults + self.adds   # "inference in bfloat16"


class _GNProjectionAllGroups(torch.autograd.Function):
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
        proj = (gy * xh).mean((1, 2), keepdim=True)                 # the projection's mean taken over the whole item
        gx = r * (gy - gy.mean(-1, keepdim=True) - xh * proj)       # (all groups) instead of over each group
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardProjectionOverAllGroups(_GNBase):
    def forward(self, x):
        return _GNProjectionAllGroups.apply(x, self.mults, self.adds, self.groups, self.eps)


class GNStatsSliceStopsOneChannelShort(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        outs = []
        for g in range(self.groups):
            s, e = g * cpg, (g + 1) * cpg
            part = x[:, s:e]
            ref = x[:, s:e - 1]                                     # the statistics' slice stops one channel early
            m = ref.mean((1, 2, 3), keepdim=True)
            v = ref.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((part - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


class GNStatsRandomChannelDroppedInTraining(_GNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        cpg = x.shape[1] // self.groups
        outs = []
        for g in range(self.groups):                                # "statistic dropout: leave one random channel of each
            part = x[:, g * cpg:(g + 1) * cpg]                      #  group out of its statistics (a regulariser)"
            ref = part
            if cpg > 1:
                k = int(torch.randint(cpg, ()))
                ref = torch.cat([part[:, :k], part[:, k + 1:]], 1)
            m = ref.mean((1, 2, 3), keepdim=True)
            v = ref.var((1, 2, 3), keepdim=True, correction=0)
            outs.append((part - m) / (v + self.eps).sqrt())
        return torch.cat(outs, 1) * self.mults + self.adds


# ======================================================================== RIGHT answers

def ewma_scatter_out_of_place(values, mom):
    """The outputs written one step at a time into a zero tensor with out-of-place Tensor.scatter; the average carried as
    a 1-element slice."""
    out = torch.zeros_like(values)
    avg = values[:1]
    for t in range(len(values)):
        avg = avg + mom * (values[t:t + 1] - avg)
        out = out.scatter(0, torch.tensor([t]), avg)
    return out


class LNAddmmAlphaMoments(nn.Module):
    """Each item's mean and mean squared deviation as torch.addmm of the flattened items with a ones column, alpha = 1/K
    and beta = 0 on a zero column."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        flat = x.reshape(n, -1)
        k = flat.shape[1]
        ones = flat.new_ones(k, 1)
        zero = flat.new_zeros(n, 1)
        m = torch.addmm(zero, flat, ones, beta=0, alpha=1 / k)
        d = flat - m
        v = torch.addmm(zero, d * d, ones, beta=0, alpha=1 / k)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mult + self.add


class BNLstsqConstantFitAddcmul(nn.Module):
    """Each channel's mean as the least-squares constant fit (torch.linalg.lstsq of a ones column against the channel's
    N*H*W values), its variance as the fit to the squared deviations; running buffers via torch.addcmul."""
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
            cols = x.transpose(0, 1).reshape(c, -1, 1)                          # (C, M, 1)
            k = cols.shape[1]
            a = torch.ones_like(cols)
            m = torch.linalg.lstsq(a, cols).solution.view(1, c, 1, 1)
            d = x - m
            sq = (d * d).transpose(0, 1).reshape(c, -1, 1)
            v = torch.linalg.lstsq(a, sq).solution.view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.full_like(m, self.mom)))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * (k / (k - 1)), torch.full_like(v, self.mom)))
        else:
            m, v = self.means, self.vars
            d = x - m
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INTorchCovAllPlanes(nn.Module):
    """All N*C planes as the variables of one torch.cov call (correction 0); each plane's variance read off the diagonal
    with torch.diagonal, its mean as the plane's sum over its pixel count."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        planes = x.reshape(n * c, h * w)
        m = (planes.sum(1) / (h * w)).view(n, c, 1, 1)
        if h * w > 1:
            v = torch.diagonal(torch.cov(planes, correction=0).reshape(n * c, n * c)).view(n, c, 1, 1)
        else:
            v = torch.zeros_like(m)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNUnflattenAddcmulRsqrt(nn.Module):
    """x.unflatten(1, (G, C/G)); the group's sums via Tensor.sum over (2, 3, 4), torch.square and torch.rsqrt; the affine
    applied with torch.addcmul(adds, xhat, mults)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.unflatten(1, (self.groups, -1))
        cnt = xg[0, 0].numel()
        m = xg.sum((2, 3, 4), keepdim=True) / cnt
        d = xg - m
        v = torch.square(d).sum((2, 3, 4), keepdim=True) / cnt
        xhat = (d * torch.rsqrt(v + self.eps)).flatten(1, 2)
        return torch.addcmul(self.adds, xhat, self.mults)


WRONG = [
    ("ewma_circular_warm_start", "check_ewma", ewma_circular_warm_start, "Warms up by running the lerp loop over the whole stream once and starts the real pass from the first pass's last output instead of from values[0] (out_0 = lerp(seed, values[0], mom)): right for 1-value streams, at mom 0 (every output values[0]) and at mom 1 (outputs = values), and constant streams give the right outputs (their values.grad is wrong); every other stream's outputs (output 0 first: it is no longer values[0]) and values.grad are wrong."),
    ("ewma_weight_as_log_rate", "check_ewma", ewma_weight_as_log_rate, "Uses the continuous decay rate -log(1 - mom) as the step weight (mom and the rate confused) instead of mom: mom 0, output 0, 1-value streams and constant streams' outputs are right; at other moms the weight is too big (0.105 at 0.1, 0.693 at 0.5, 2.30 at 0.9: overshooting, alternating outputs) and mom 1 gives an infinite weight (NaN outputs): every non-constant stream's outputs from output 1 on and values.grad are wrong."),
    ("ewma_mom_rounded_to_one_decimal", "check_ewma", ewma_mom_rounded_to_one_decimal, "Rounds mom to one decimal (round(mom, 1): a config written with '%.1f') before the right lerp loop: moms that are multiples of 0.1 (0, 0.1, 0.5, 0.9, 1) are right everywhere; other moms (0.29 -> 0.3, 1/3 -> 0.3, 0.25 -> 0.2, 0.04 -> 0.0) give wrong outputs from output 1 on and wrong values.grad on every non-constant stream of 2+ values."),
    ("ewma_integer_streams_kept_integer", "check_ewma", ewma_integer_streams_kept_integer, "When every value of the stream is a whole number, rounds the average to a whole number after every step ('a stream of counts stays counts'): streams with any non-whole value are right everywhere (outputs and values.grad), and so are mom 0 and mom 1 (outputs); on whole-number streams the outputs from output 1 on are rounded (e.g. [0, 1, -2, 3] at mom 0.1 gives 0, 0, 0, 0 instead of 0, 0.1, -0.11, 0.201) and values.grad is 0 for every output after the first (round has no gradient)."),
    ("ln_mean_dims_missing_height", "check_layernorm", LNMeanDimsMissingHeight, "Centres each row with its own mean, x.mean((1, 3)) (the height axis left out of the mean's dims), while the variance is the item's variance over (1, 2, 3) about the item mean: images with one row (H = 1) are right; with H > 1 every item whose rows have different means gets wrong outputs and gradients, in training and eval."),
    ("ln_stats_of_centre_crop", "check_layernorm", LNStatsOfCentreCrop, "When H >= 3 and W >= 3 takes each item's mean and variance from the inner crop x[:, :, 1:-1, 1:-1] ('the border is padding') and normalises the whole item with them: items with H or W below 3 are right everywhere; larger images get wrong outputs and x.grad (the border pixels get no share of the statistics' gradient), in training and eval; mult.grad and add.grad follow the wrong xhat (add.grad stays right)."),
    ("ln_eval_in_half_precision", "check_layernorm", LNEvalInHalfPrecision, "In eval computes the mean, variance and normalised values in float16 and casts back ('inference in half precision'): training is right everywhere; eval outputs and gradients carry float16 rounding (errors of order 1e-3 relative, far above float32 and float64 tolerance), in float32 and float64 alike."),
    ("ln_rows_from_channels_first_copy", "check_layernorm", LNRowsFromChannelsFirstCopy, "Takes the statistics from x.transpose(0, 1).reshape(N, -1) (a transpose left over from BatchNorm code): row i of that view holds a slice of the channels-first copy, mixing the items' values, and item i is normalised with row i's mean and variance: a batch of one and a single channel are right; with N >= 2 and C >= 2 the outputs and gradients are wrong (whenever items differ), in training and eval."),
    ("bn_input_grad_divided_by_batch_size", "check_batchnorm", BNInputGradDividedByBatchSize, "In training registers a hook on the input that divides x.grad by the batch size N ('the batch statistics couple the items: average their gradients'): outputs, running statistics, eval (outputs and x.grad) and mults.grad and adds.grad are right; training x.grad is the right one divided by N (right only for a batch of one)."),
    ("bn_running_stats_window_of_one_over_mom", "check_batchnorm", BNRunningStatsWindowOfOneOverMom, "Keeps the running mean and var as the plain average of the last round(1/mom) batches' (unbiased) statistics ('a moving average over 1/mom batches') instead of lerping with weight mom: training outputs and gradients are right; mom 1 (window of one batch) and mom 0 (no update) are right; at other moms the running statistics are wrong from the first step (they ignore the initial 0 and 1 and weight the window evenly), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_mom_one_shortcut_biased_var", "check_batchnorm", BNMomOneShortcutBiasedVar, "A shortcut for mom == 1 copies the batch mean and the biased batch variance into the buffers (Bessel's correction forgotten there): every mom other than 1 is right everywhere; at mom 1 the running var is the biased n/(n-1) too small one after every training step and eval after training is wrong; training outputs, gradients and the running mean are right."),
    ("bn_backward_var_term_mean_of_g", "check_batchnorm", BNBackwardVarTermMeanOfG, "A custom autograd.Function in training whose forward is right (outputs, running statistics, eval, mults.grad and adds.grad right) but whose hand-written backward writes the variance term as xhat * mean(g) instead of xhat * mean(g * xhat): x.grad = mults * r * (g - mean(g) - xhat * mean(g)) per channel: training x.grad wrong for any upstream gradient with a non-zero per-channel mean (g = ones too), right only where mean(g) = mean(g * xhat) (e.g. zero-mean, uncorrelated g); eval x.grad right."),
    ("in_stylegan2_demodulation", "check_instancenorm", INStyleGAN2Demodulation, "StyleGAN2's weight demodulation instead of InstanceNorm: x * mults / sqrt(mults**2 + eps) + adds, no statistics of the image at all (no centring, no division by the std): outputs and gradients wrong everywhere (a constant image gives about mults' sign times the value plus adds, not adds)."),
    ("in_stats_drop_last_column", "check_instancenorm", INStatsDropLastColumn, "Takes each image's mean and variance from x[..., :-1] ('the last column is loader padding') and normalises the whole image with them: images one pixel wide (W = 1) are right, and so is an image whose last column does not change its statistics; otherwise (W >= 2) outputs and gradients are wrong, in training and eval."),
    ("in_eps_times_pixel_count", "check_instancenorm", INEpsTimesPixelCount, "Adds eps once per pixel of the plane (var + eps * H * W: 'eps is per value, the plane gets H*W of them') instead of once: 1x1 images are right (and outputs are within float32 tolerance where eps * H * W is negligible against the variance); with eps 0.1, or in float64 at eps 1e-5, or for planes of small variance, outputs and gradients are too small in magnitude (divided by sqrt(var + H*W*eps)), in training and eval."),
    ("in_channel_var_smoothed_121", "check_instancenorm", INChannelVarSmoothed121, "Smooths each image's per-channel variances across neighbouring channels with a 1-2-1 kernel (edge channels replicated) before normalising ('the per-channel variances are noisy'); the means are right: C = 1 and images whose neighbouring channels have equal variances are right; otherwise outputs and gradients are wrong, in training and eval."),
    ("gn_eval_in_bfloat16", "check_groupnorm", GNEvalInBfloat16, "In eval normalises a bfloat16 copy of the input and casts back before the affine ('inference in bfloat16'): training is right everywhere; eval outputs and x.grad carry bfloat16 rounding (errors of order 1e-2), in float32 and float64, for every group count."),
    ("gn_backward_projection_over_all_groups", "check_groupnorm", GNBackwardProjectionOverAllGroups, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the projection term's mean(gy * xhat) over the whole item (all groups) instead of over each group: one group (G = 1) is right; with G >= 2 x.grad is wrong (unless every group's mean(gy * xhat) happens to be equal)."),
    ("gn_stats_slice_stops_one_channel_short", "check_groupnorm", GNStatsSliceStopsOneChannelShort, "Each group's statistics come from the slice x[:, start:end - 1], one channel short (the group's last channel left out): with one channel per group (G = C) the slice is empty and every output and gradient is NaN; with 2+ channels per group outputs and gradients are wrong whenever the last channel changes the group's statistics."),
    ("gn_stats_random_channel_dropped_in_training", "check_groupnorm", GNStatsRandomChannelDroppedInTraining, "In training leaves one randomly chosen channel of each group (torch.randint per group per call) out of that group's mean and variance ('statistic dropout'): eval (also a fresh layer in eval) and one channel per group (G = C) are right; training calls with 2+ channels per group have wrong outputs and gradients: random, different on every call."),
]

RIGHT = [
    ("ewma_scatter_out_of_place", "check_ewma", ewma_scatter_out_of_place,
     "the outputs written one step at a time into a zero tensor with out-of-place Tensor.scatter, the average carried as a 1-element slice."),
    ("ln_addmm_alpha_moments", "check_layernorm", LNAddmmAlphaMoments,
     "each item's mean and mean squared deviation as torch.addmm of the flattened items with a ones column, alpha = 1/K, beta = 0."),
    ("bn_lstsq_constant_fit_addcmul", "check_batchnorm", BNLstsqConstantFitAddcmul,
     "each channel's mean and variance as least-squares constant fits (torch.linalg.lstsq against a ones column); running buffers via torch.addcmul."),
    ("in_torch_cov_all_planes", "check_instancenorm", INTorchCovAllPlanes,
     "all N*C planes as the variables of one torch.cov call (correction 0), the variances read off with torch.diagonal."),
    ("gn_unflatten_addcmul_rsqrt", "check_groupnorm", GNUnflattenAddcmulRsqrt,
     "x.unflatten(1, (G, C/G)), sums over (2, 3, 4) with torch.square and torch.rsqrt; the affine by torch.addcmul(adds, xhat, mults)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
