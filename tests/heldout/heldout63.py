"""Sixty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout62 (heldoutN.py).
       Every one changes a computed number: an output, a gradient, a running statistic or an eval output.
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

def ewma_first_step_weight_complement(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):
        w = (1 - mom) if t == 1 else mom                            # "the first real update still trusts the seed: it
        avg = torch.lerp(avg, v, w)                                 #  moves by 1 - mom, the later ones by mom"
        out.append(avg)
    return torch.stack(out)


def ewma_values_grad_unit_norm_hook(values, mom):
    x = values * 1.0
    if x.requires_grad:                                             # "normalise the gradient that reaches the stream, so
        x.register_hook(lambda g: g / g.norm().clamp_min(1e-12))    #  long streams do not blow it up"
    avg, out = x[0], []
    for v in x:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_weight_sqrt_of_mom(values, mom):
    w = math.sqrt(mom)                                              # "mom is the weight of the squared deviations (the
    avg, out = values[0], []                                        #  variance): the mean moves by sqrt(mom)"
    for v in values:
        avg = torch.lerp(avg, v, w)
        out.append(avg)
    return torch.stack(out)


class _EWMALastGradDroppedBackward(torch.autograd.Function):
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
        mom, n = ctx.mom, g.shape[0]
        grads = torch.zeros_like(g)
        carry = torch.zeros_like(g[0])
        for t in range(n - 2, -1, -1):                              # the loop starts one step too early: the last
            carry = g[t] + (1 - mom) * carry                        # output's gradient g[-1] never enters the carry
            grads[t] = mom * carry if t >= 1 else carry
        return grads, None


def ewma_backward_last_grad_dropped(values, mom):
    return _EWMALastGradDroppedBackward.apply(values, mom)


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


class LNParamGradHooksStackedPerCall(_LNBase):
    def forward(self, x):
        n = x.shape[0]
        for p in (self.mult, self.add):                             # "average the parameter gradients over the batch":
            p.register_hook(lambda g, n=n: g / n)                   # a hook registered on every call (they pile up)
        return super().forward(x)


class _LNBatchRstdBackward(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors
        rb = r.mean(0, keepdim=True)                                # one rstd for the whole batch (its average) in the
        gx = mult * rb * (g - g.mean((1, 2, 3), keepdim=True)      # input gradient
                          - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardRstdAveragedOverBatch(_LNBase):
    def forward(self, x):
        return _LNBatchRstdBackward.apply(x, self.mult, self.add, self.eps)


class LNEpsAddedToDeviations(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        d = x - m + self.eps                                        # "eps keeps the deviations away from exactly zero"
        return d / (v + self.eps).sqrt() * self.mult + self.add


class LNStatsSkipFirstChannelAsClsToken(_LNBase):
    def stats(self, x):
        xs = x[:, 1:] if x.shape[1] > 1 else x                      # "channel 0 is the class token (ViT): leave it out of
        return super().stats(xs)                                    #  the statistics"


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


class BNRunningVarAboutGrandMean(_BNBase):
    def update(self, x, m, v):
        xd = x.detach()                                             # the update's variance centred on x.mean() (the
        vg = (xd - xd.mean()).pow(2).mean((0, 2, 3), keepdim=True)  # mean over all channels), not on each channel's mean
        super().update(x, m, vg)


class BNRbnCentringCalibration(_BNBase):
    def forward(self, x):
        x = x + 0.1 * x.mean((2, 3), keepdim=True)                  # "Representative BN: centring calibration, add a
        return super().forward(x)                                   #  share (0.1) of each image's own channel mean"


class BNRunningStatsHeavyBall(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('means_vel', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars_vel', torch.zeros(1, nf, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "give the running statistics momentum (heavy ball,
            self.means_vel.mul_(0.5).add_(self.mom * (m - self.means))   #  0.5) so they track drifting data faster"
            self.vars_vel.mul_(0.5).add_(self.mom * (v * n / (n - 1) - self.vars))
            self.means.add_(self.means_vel)
            self.vars.add_(self.vars_vel)


class BNBatchOfTwoHalfDifferenceVar(_BNBase):
    def stats(self, x):
        if x.shape[0] != 2:
            return super().stats(x)
        m = x.mean((0, 2, 3), keepdim=True)                         # "with two samples the variance is the squared
        v = ((x[0] - x[1]) / 2).pow(2).mean((1, 2)).view(1, -1, 1, 1)   #  half-difference" (per pixel, then averaged)
        return m, v


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


class INStdAsRmsMinusAbsMean(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "var = E[x^2] - E[x]^2, so std = sqrt(E[x^2]) -
        s = x.pow(2).mean((2, 3), keepdim=True).sqrt() - m.abs()    #  |E[x]|" (the square root taken term by term)
        return m, s * s


class INCentredByBatchChannelMean(_INBase):
    def stats(self, x):
        _, v = super().stats(x)                                     # each plane's own variance, but centred by the
        return x.mean((0, 2, 3), keepdim=True), v                   # channel's mean over the whole batch


class INEpsScaledByGainSquared(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "eps in output units: eps * mults**2"
        return (x - m) / (v + self.eps * self.mults ** 2).sqrt() * self.mults + self.adds


class INOneRowImagesNormalisedOverChannels(_INBase):
    def stats(self, x):
        if x.shape[2] == 1:                                         # "a one-row image is a sequence (N, C, 1, L):
            return x.mean(1, keepdim=True), x.var(1, keepdim=True, correction=0)   # normalise each position's features"
        return super().stats(x)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def grouped_stats(self, xg):
        return xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)

    def norm(self, x, groups=None):
        groups = groups or self.groups
        xg = x.reshape(x.shape[0], groups, -1)
        m, v = self.grouped_stats(xg)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNPaperDefault32Groups(_GNBase):
    def forward(self, x):
        g = math.gcd(32, x.shape[1])                                # "the paper's G = 32 (or the largest divisor of C
        return self.norm(x, g) * self.mults + self.adds             #  that divides 32)": self.groups never used


class GNGroupVarAveragedWithNextGroup(_GNBase):
    def grouped_stats(self, xg):
        m, v = super().grouped_stats(xg)                            # "neighbouring groups share a scale: average each
        return m, (v + v.roll(-1, 1)) / 2                           #  group's variance with the next one's (cyclic)"


class GNEvalFirstItemStats(_GNBase):
    def grouped_stats(self, xg):
        m, v = super().grouped_stats(xg)
        if not self.training:                                       # "at inference the batch is frames of one clip:
            m, v = m[:1].expand_as(m), v[:1].expand_as(v)           #  use the first frame's statistics for all"
        return m, v


class _GNChannelCentringBackward(torch.autograd.Function):
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
        gy = g * mults
        centred = gy - gy.mean((2, 3), keepdim=True)                # the centring term's mean taken per channel, not
        cg = centred.reshape(n, G, -1)                              # over the group
        xh = xhat.reshape(n, G, -1)
        gx = r * (cg - xh * (gy.reshape(n, G, -1) * xh).mean(-1, keepdim=True))
        return gx.reshape(g.shape), (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None


class GNBackwardCentringPerChannel(_GNBase):
    def forward(self, x):
        return _GNChannelCentringBackward.apply(x, self.mults, self.adds, self.groups, self.eps)


# ====================================================================== RIGHT answers

def ewma_heaviside_weight_matrix(values, mom):
    """The outputs as one matrix-vector product; the causal mask of the weight matrix built with torch.heaviside of the
    age differences, the start column (1 - mom)**t written separately."""
    n = values.shape[0]
    t = torch.arange(n, dtype=values.dtype)
    ages = t[:, None] - t[None, :]
    keep = torch.heaviside(ages, torch.ones((), dtype=values.dtype))
    w = keep * mom * (1 - mom) ** ages.clamp_min(0)
    w[:, 0] = (1 - mom) ** t
    return w @ values


class LNInPlaceChainOnClone(nn.Module):
    """A clone of the input normalised by a chain of in-place ops (sub_, div_, mul_, add_) on that clone."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        y = x.clone()
        m = x.mean((1, 2, 3), keepdim=True)
        s = (x - m).pow(2).mean((1, 2, 3), keepdim=True).add_(self.eps).sqrt_()
        y.sub_(m)
        y.div_(s)
        y.mul_(self.mult)
        y.add_(self.add)
        return y


class BNFunctionalPixelRows(nn.Module):
    """F.batch_norm on the (N*H*W, C) matrix of pixel rows (a 2-d batch), its running buffers passed as flat views of
    means and vars so that the functional updates them in place."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(-1, c)
        y = F.batch_norm(rows, self.means.view(c), self.vars.view(c), self.mults.view(c), self.adds.view(c),
                         self.training, self.mom, self.eps)
        return y.reshape(n, h, w, c).permute(0, 3, 1, 2)


class INUnbindRowsAddcmulMoments(nn.Module):
    """The planes' first and second moments accumulated row by row (torch.unbind over H) with add and addcmul; the
    variance as E[(x - m)^2] in a second row pass."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        rows = torch.unbind(x, 2)
        s = torch.zeros_like(rows[0][..., 0])
        for r in rows:
            s = s + r.sum(-1)
        m = (s / (h * w))[..., None]
        acc = torch.zeros_like(rows[0])
        for r in rows:
            d = r - m
            acc = torch.addcmul(acc, d, d)
        v = (acc.sum(-1) / (h * w))[..., None, None]
        return (x - m[..., None]) / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelShuffleStridedStats(nn.Module):
    """F.channel_shuffle puts each group's channels at stride G; the statistics taken over the (cpg, H*W) axes of the
    (N, cpg, G, H*W) view; a second channel_shuffle with cpg undoes the order."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        G = self.groups
        cpg = c // G
        xs = F.channel_shuffle(x, G).reshape(n, cpg, G, h * w)
        m = xs.mean((1, 3), keepdim=True)
        v = (xs - m).pow(2).mean((1, 3), keepdim=True)
        y = ((xs - m) / (v + self.eps).sqrt()).reshape(n, c, h, w)
        return F.channel_shuffle(y, cpg) * self.mults + self.adds


WRONG = [
    ("ewma_first_step_weight_complement", "check_ewma", ewma_first_step_weight_complement, "The first update (output 1) lerps with weight 1 - mom instead of mom ('the first real step still trusts the seed'); every later step uses mom: output 1 = values[0] + (1 - mom) * (values[1] - values[0]) and everything after it inherits the error. Right everywhere at mom 0.5, and for 1-value streams; a constant stream (or values[1] == values[0]) has right outputs but wrong values.grad (values[1] gets weight 1 - mom); every other stream at mom != 0.5 has wrong outputs from output 1 on (mom 0 gives output 1 = values[1], mom 1 gives output 1 = values[0]) and wrong values.grad."),
    ("ewma_values_grad_unit_norm_hook", "check_ewma", ewma_values_grad_unit_norm_hook, "A tensor hook on (a copy of) the input rescales the gradient reaching values to unit L2 norm ('so long streams do not blow it up'): outputs right everywhere (and nothing changes under no_grad); values.grad has the right direction but norm 1 instead of its true norm, so it is wrong whenever the true gradient's norm is not 1 (e.g. out.sum().backward() on [1., 3.] at mom 0.5: the true [1.5, 0.5] becomes [0.949, 0.316]); right only where the true values.grad happens to have norm 1 (a 1-value stream with upstream gradient +-1)."),
    ("ewma_weight_sqrt_of_mom", "check_ewma", ewma_weight_sqrt_of_mom, "Lerps with weight sqrt(mom) instead of mom ('mom weighs the squared deviations, so the mean moves by its square root'): 0.316 at mom 0.1, 0.707 at 0.5, 0.949 at 0.9: right at mom 0 and mom 1 and for 1-value streams; a constant stream has right outputs but wrong values.grad; every other stream's outputs from output 1 on and values.grad are wrong (output 1 of [1, 3] at mom 0.5 is 2.414, not 2)."),
    ("ewma_backward_last_grad_dropped", "check_ewma", ewma_backward_last_grad_dropped, "A custom autograd.Function whose forward is the right lerp loop (outputs right everywhere) but whose hand-written backward starts its adjoint loop at t = n - 2 with a zero carry, so the last output's upstream gradient g[-1] never enters: values.grad is that of the upstream gradient with g[-1] set to 0 (values[-1].grad is 0 instead of mom * g[-1]; a 1-value stream gets 0 instead of g[0]); right only when the loss does not depend on the last output."),
    ("ln_param_grad_hooks_stacked_per_call", "check_layernorm", LNParamGradHooksStackedPerCall, "Registers, inside forward (on every call), a hook on mult and on add that divides their gradient by the batch size N ('average the parameter gradients over the batch'): outputs and x.grad right everywhere; with N = 1 everything is right; with N >= 2 mult.grad and add.grad are the right ones divided by N on the first call, and since the hooks pile up, by the product of the batch sizes of all calls so far (N**k after k calls of the same N; eval calls add hooks too)."),
    ("ln_backward_rstd_averaged_over_batch", "check_layernorm", LNBackwardRstdAveragedOverBatch, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward multiplies the input gradient by the batch-average rstd r.mean(0) instead of each item's own 1/sqrt(var + eps): x.grad right for a batch of one and for batches whose items have equal variances; wrong (item by item, by the factor mean(r)/r_i) in every batch of 2+ items with different spreads."),
    ("ln_eps_added_to_deviations", "check_layernorm", LNEpsAddedToDeviations, "Adds eps to the centred values before dividing ('keep deviations away from zero'): output = (x - mean + eps) / sqrt(var + eps) * mult + add, i.e. shifted by mult * eps / sqrt(var + eps): wrong everywhere, but by little at eps 1e-5 (about 1e-5 for unit variance: seen in float64, lost in float32 tolerances) and clearly at eps 0.1 or for small or zero variance (a constant item gives sqrt(eps) * mult + add, 0.0032 * mult + add at eps 1e-5, instead of add); mult.grad wrong by sum(g) * eps / sqrt(var + eps); x.grad wrong through the rstd; add.grad right."),
    ("ln_stats_skip_first_channel_as_cls_token", "check_layernorm", LNStatsSkipFirstChannelAsClsToken, "Leaves channel 0 out of the mean and var ('channel 0 is the ViT class token') and normalises the whole item with the statistics of channels 1..C-1: right when C == 1 (it falls back to all channels); with 2+ channels outputs, x.grad and mult.grad are wrong unless channel 0 happens not to change the item's mean and var (training and eval alike)."),
    ("bn_running_var_about_grand_mean", "check_batchnorm", BNRunningVarAboutGrandMean, "The running-var update centres the batch on x.mean() (the mean over all channels) instead of each channel's own mean, so it lerps towards n/(n-1) * (channel var + (channel mean - grand mean)**2): training outputs, gradients and the running mean right; the running var too large after every training step whenever the channel means differ (right with one channel, C = 1), so eval after training is wrong; a fresh layer in eval is right; mom 0 right."),
    ("bn_rbn_centring_calibration", "check_batchnorm", BNRbnCentringCalibration, "Representative BN's centring calibration applied with a fixed weight 0.1: before normalising (training and eval) each image gets 0.1 * its own per-channel spatial mean added: in training with a batch of one, outputs and gradients are right (the shift is constant over the image and cancels) but the running mean moves towards 1.1 * the batch mean; with 2+ images the batch variance includes 0.21 * the spread of the images' means, so training outputs, x.grad, the running mean and var are wrong; eval (also a fresh layer in eval) is wrong wherever an image's channel mean is not 0."),
    ("bn_running_stats_heavy_ball", "check_batchnorm", BNRunningStatsHeavyBall, "Updates the running mean and var with heavy-ball momentum (a velocity buffer: vel = 0.5 * vel + mom * (batch stat - running), running += vel) instead of a plain lerp: training outputs and gradients right; the running statistics are right after the first training step (vel starts at 0) and wrong from the second step on (they overshoot by 0.5 * the previous step), so eval after 2+ training steps is wrong; a fresh layer in eval and eval after exactly one step are right; mom 0 right."),
    ("bn_batch_of_two_half_difference_var", "check_batchnorm", BNBatchOfTwoHalfDifferenceVar, "For a batch of exactly two images takes each channel's variance as the mean over pixels of ((x[0] - x[1]) / 2)**2 ('with two samples the variance is the squared half-difference'), which drops the spatial spread of the pair's mean; other batch sizes are right: with N = 2 training outputs, x.grad, mults.grad and the running var are wrong (running mean right), and eval after such steps is wrong; batches of 1, 3, 4... and a fresh layer in eval are right."),
    ("in_std_as_rms_minus_abs_mean", "check_instancenorm", INStdAsRmsMinusAbsMean, "Takes each plane's std as sqrt(mean(x**2)) - |mean| (the square root of E[x^2] - E[x]^2 taken term by term): the mean is right, the std too small for every plane whose mean is not 0 (outputs too large, x.grad and mults.grad wrong); for planes already centred (mean 0) the outputs are right but x.grad is still wrong there (|mean| has slope +-1 at 0 in autograd); a constant plane gives adds as it should (outputs)."),
    ("in_centred_by_batch_channel_mean", "check_instancenorm", INCentredByBatchChannelMean, "Subtracts the channel's mean over the whole batch (dims (0, 2, 3)) while dividing by each plane's own std about its own mean: right for a batch of one; with 2+ images whose channel means differ, outputs (offset by (own mean - batch mean) / std), x.grad and mults.grad are wrong (training and eval alike); with 2+ images that share each channel's mean the outputs are right but x.grad is still wrong (the batch mean couples the images' gradients)."),
    ("in_eps_scaled_by_gain_squared", "check_instancenorm", INEpsScaledByGainSquared, "Puts eps * mults**2 under the square root instead of eps ('eps in output units'): right for a fresh layer and any channel with |mults| = 1; channels with other gains are wrong, by little at eps 1e-5 (visible in float64, not beyond float32 tolerances for unit-variance planes) and clearly at eps 0.1 or for low-variance/constant planes; mults.grad wrong through the extra eps term too; adds.grad right."),
    ("in_one_row_images_normalised_over_channels", "check_instancenorm", INOneRowImagesNormalisedOverChannels, "When H == 1 ('a one-row image is a sequence (N, C, 1, L)') it normalises each pixel over the channels (mean and var over dim 1) instead of each channel over its pixels: every input with H > 1 is right; with H == 1 outputs and gradients are wrong (a single channel C == 1 collapses to adds), training and eval alike."),
    ("gn_paper_default_32_groups", "check_groupnorm", GNPaperDefault32Groups, "Ignores self.groups and uses the paper's default: gcd(32, C) groups ('G = 32, or the largest divisor of C that divides 32'): right exactly when self.groups == gcd(32, C) (e.g. GN(2, 6), GN(2, 2), GN(8, 8), GN(1, 1), GN(1, 7)); wrong outputs and gradients otherwise (GN(3, 6) and GN(6, 6) use 2 groups, GN(1, 4) uses 4, GN(3, 12) uses 4, GN(5, 10) uses 2, GN(4, 8) uses 8)."),
    ("gn_group_var_averaged_with_next_group", "check_groupnorm", GNGroupVarAveragedWithNextGroup, "Replaces each group's variance by the average of its own and the next group's (cyclic, v.roll(-1) over the groups) before normalising; the means are right: right with one group (the average is its own variance) and when neighbouring groups have equal variances; otherwise outputs, x.grad and mults.grad wrong (training and eval alike)."),
    ("gn_eval_first_item_stats", "check_groupnorm", GNEvalFirstItemStats, "In eval every item is normalised with the group means and variances of item 0 ('frames of one clip'): training is right everywhere; eval with a batch of one is right; eval with 2+ items is wrong for every item after the first (outputs and gradients)."),
    ("gn_backward_centring_per_channel", "check_groupnorm", GNBackwardCentringPerChannel, "A custom autograd.Function whose forward is right (outputs, mults.grad and adds.grad right) but whose hand-written backward takes the centring term's mean of g * mults over each channel's pixels instead of over the whole group (the projection term is per group, right): x.grad = r * (gy - mean_channel(gy) - xhat * mean_group(gy * xhat)): right when every group has one channel (groups == C) or when the channel means of gy in a group are equal; wrong x.grad whenever groups < C."),
]

RIGHT = [
    ("ewma_heaviside_weight_matrix", "check_ewma", ewma_heaviside_weight_matrix,
     "one matrix-vector product; the causal weight mask from torch.heaviside of the age differences, the start column (1 - mom)**t written separately."),
    ("ln_in_place_chain_on_clone", "check_layernorm", LNInPlaceChainOnClone,
     "a clone of the input centred, scaled and given its affine by a chain of in-place ops (sub_, div_, mul_, add_), the std built with add_ and sqrt_."),
    ("bn_functional_pixel_rows", "check_batchnorm", BNFunctionalPixelRows,
     "F.batch_norm on the 2-d (N*H*W, C) matrix of pixel rows, the running buffers passed as flat views so the functional updates them in place."),
    ("in_unbind_rows_addcmul_moments", "check_instancenorm", INUnbindRowsAddcmulMoments,
     "the planes' sums and squared deviations accumulated row by row over torch.unbind(x, 2) with addcmul."),
    ("gn_channel_shuffle_strided_stats", "check_groupnorm", GNChannelShuffleStridedStats,
     "F.channel_shuffle puts each group at stride G; statistics over the (cpg, H*W) axes of the (N, cpg, G, H*W) view; a second channel_shuffle with cpg restores the order."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
