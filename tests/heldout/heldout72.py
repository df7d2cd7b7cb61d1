"""Seventy-second held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout71 (heldoutN.py).
       Every one changes a computed number, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses (nothing in this set keeps module-level state).
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def reset_state():
    pass


# ====================================================================== EWMA (wrong)

def ewma_polyphase_even_odd(values, mom):
    avgs, out = [values[0], values[min(1, len(values) - 1)]], []   # "two interleaved sensors: one EWMA for the even
    for t, v in enumerate(values):                                  #  positions, one for the odd ones"
        avgs[t % 2] = torch.lerp(avgs[t % 2], v, mom)
        out.append(avgs[t % 2])
    return torch.stack(out)


def ewma_step_halved_on_sign_change(values, mom):
    avg, out, last = values[0], [], 0.0                             # "damp overshoot: when the innovation changes sign,
    for v in values:                                                #  take half a step"
        d = v - avg
        w = mom / 2 if float(d) * last < 0 else mom
        if float(d) != 0:
            last = float(d)
        avg = avg + w * d
        out.append(avg)
    return torch.stack(out)


def ewma_median3_postfilter(values, mom):
    avg, raw = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        raw.append(avg)
    out = raw[:2]                                                   # "despike the output: from output 2 on, the median
    for t in range(2, len(raw)):                                    #  of the last three averages"
        out.append(torch.stack(raw[t - 2:t + 1]).median())
    return torch.stack(out)


def ewma_lookahead_sync_every_4(values, mom):
    fast = slow = values[0]                                         # "Lookahead: every 4 steps the slow average moves half-
    out = []                                                        #  way to the fast one and the fast one restarts there"
    for t, v in enumerate(values):
        fast = torch.lerp(fast, v, mom)
        if t > 0 and t % 4 == 0:
            slow = torch.lerp(slow, fast, 0.5)
            fast = slow
        out.append(fast)
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


class LNRsqrtInFloat32(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "rsqrt is fastest in float32"
        r = (v + self.eps).float().rsqrt().to(x.dtype)
        return (x - m) * r * self.mult + self.add


class _LNMultGradCentred(torch.autograd.Function):
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
        xhat = d * r
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * d).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None   # mult's gradient with the
                                                                                           # centred d, not xhat


class LNBackwardMultGradFromCentred(_LNBase):
    def forward(self, x):
        return _LNMultGradCentred.apply(x, self.mult, self.add, self.eps)


class LNEpsNormalisedByOnePlusEps(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "so that a unit-variance item stays exactly unit:
        return (x - m) / ((v + self.eps) / (1 + self.eps)).sqrt() * self.mult + self.add   # divide by (1 + eps) too"


class LNAffineFoldedShiftUnscaled(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "fold the affine into the statistics: one shift, one
        s = (v + self.eps).sqrt() / self.mult                       #  scale" (the shift should be m - add * s)
        return (x - (m - self.add)) / s


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


class BNEvalRelaxesRunningVarToPrior(_BNBase):
    def forward(self, x):
        if not self.training:                                       # "shrink the running variance towards its prior 1 at
            with torch.no_grad():                                   #  every eval call, as a safety against overconfidence"
                self.vars.lerp_(torch.ones_like(self.vars), self.mom)
        return super().forward(x)


class _BNVarTermHalved(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors                          # d sqrt(v)/dv = 1/(2 sqrt v): the 1/2 applied again to
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True)       # the variance term, which already has its 2 cancelled
                          - 0.5 * xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNBackwardVarTermHalved(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNVarTermHalved.apply(x, self.mults, self.adds, self.eps)


class BNRunningUpdateChannelIndexOffByOne(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        c = x.shape[1]
        idx = (torch.arange(c) + 1) % c                             # channel positions written one along
        with torch.no_grad():
            self.means.index_copy_(1, idx, torch.lerp(self.means.index_select(1, idx), m, self.mom))
            self.vars.index_copy_(1, idx, torch.lerp(self.vars.index_select(1, idx), v * n / (n - 1), self.mom))


class BNRunningStatsDoubleEMA(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('fast_means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('fast_vars', torch.ones(1, nf, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "smoother running statistics: an EWMA of an EWMA"
            self.fast_means.lerp_(m, self.mom)
            self.fast_vars.lerp_(v * n / (n - 1), self.mom)
            self.means.lerp_(self.fast_means, self.mom)
            self.vars.lerp_(self.fast_vars, self.mom)


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


class INVarAboutFirstRowMean(_INBase):
    def stats(self, x):
        m = x.mean((2, 3), keepdim=True)                            # "a quick estimate of the centre for the variance: the
        c = x[:, :, :1].mean(3, keepdim=True)                       #  mean of the first row"
        return m, ((x - c) ** 2).mean((2, 3), keepdim=True)


class INStatsFromMirroredBatchItem(_INBase):
    def stats(self, x):
        m, v = super().stats(x.flip(0))                             # the batch flipped for a test-time augmentation and
        return m, v                                                 # the statistics not flipped back


class INInputGradCentredAcrossChannelsHook(_INBase):
    def forward(self, x):
        if x.requires_grad:                                         # "gradient centralisation: at each pixel, make the input
            x.register_hook(lambda g: g - g.mean(1, keepdim=True))  #  gradient zero-mean over the channels"
        return super().forward(x)


class _INVarTermOverHWMinusOne(torch.autograd.Function):
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
        k = xhat.shape[2] * xhat.shape[3]                           # the variance term's mean written as a sum over
        gx = mults * r * (g - g.mean((2, 3), keepdim=True)          # H*W - 1 ("the unbiased count")
                          - xhat * (g * xhat).sum((2, 3), keepdim=True) / (k - 1))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class INBackwardVarTermOverHWMinusOne(_INBase):
    def forward(self, x):
        return _INVarTermOverHWMinusOne.apply(x, self.mults, self.adds, self.eps)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, eps=None):
        eps = self.eps if eps is None else eps
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNEpsDividedByChannelsPerGroup(_GNBase):
    def forward(self, x):                                           # "eps is per channel: share it out over the group"
        return self.norm(x, self.eps / (x.shape[1] // self.groups)) * self.mults + self.adds


class GNInputGradCentredPerChannelHook(_GNBase):
    def forward(self, x):
        if x.requires_grad:                                         # "gradient centralisation of the activations: each
            x.register_hook(lambda g: g - g.mean((2, 3), keepdim=True))   #  channel's input gradient made zero-mean"
        return super().forward(x)


class GNStatsFromMirroredBatchItem(_GNBase):
    def forward(self, x):
        n, G = x.shape[0], self.groups
        xg, sg = x.reshape(n, G, -1), x.flip(0).reshape(n, G, -1)   # statistics of the flipped batch (augmentation)
        m, v = sg.mean(-1, keepdim=True), sg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class GNVarDropsLargestDeviation(_GNBase):
    def forward(self, x):
        n, G = x.shape[0], self.groups
        xg = x.reshape(n, G, -1)
        m = xg.mean(-1, keepdim=True)                               # "robust: leave out each group's largest squared
        d2 = (xg - m) ** 2                                          #  deviation from its variance"
        v = (d2.sum(-1, keepdim=True) - d2.amax(-1, keepdim=True)) / (xg.shape[-1] - 1)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


# ====================================================================== RIGHT answers

def _ewma_chunk(avg, chunk, mom):
    out = []
    for v in chunk:
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)


def ewma_checkpointed_chunks(values, mom):
    """The recursion in chunks of three steps, each chunk run under torch.utils.checkpoint (non-reentrant) so its
    activations are recomputed in the backward pass; the carry is the chunk's last output."""
    import torch.utils.checkpoint as cp
    avg, outs = values[0], []
    for chunk in torch.split(values, 3):
        o = cp.checkpoint(_ewma_chunk, avg, chunk, mom, use_reentrant=False)
        outs.append(o)
        avg = o[-1]
    return torch.cat(outs)


class LNNormalizeWithEpsCoordinate(nn.Module):
    """Each item normalised with F.normalize of its centred, flattened values times sqrt(K), with eps carried as an extra
    coordinate sqrt(K * eps) appended to the vector (so the norm is sqrt(K (var + eps)))."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x.flatten(1) - x.flatten(1).mean(1, keepdim=True)
        k = d.shape[1]
        extra = torch.full((d.shape[0], 1), (k * self.eps) ** 0.5, dtype=x.dtype)
        u = F.normalize(torch.cat([d, extra], 1), dim=1)[:, :k] * k ** 0.5
        return u.view_as(x) * self.mult + self.add


class BNVarMeanBuffersViaCopy(nn.Module):
    """torch.var_mean over (0, 2, 3); the running buffers replaced with copy_ of an explicit weighted sum computed with
    torch.addcmul."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            v, m = torch.var_mean(x, (0, 2, 3), keepdim=True, correction=0)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.tensor(self.mom, dtype=m.dtype)))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * n / (n - 1), torch.tensor(self.mom, dtype=v.dtype)))
        else:
            m, v = self.means, self.vars
        return torch.addcmul(self.adds, (x - m) * torch.rsqrt(v + self.eps), self.mults)


class INBatchNormOnFoldedItems(nn.Module):
    """F.batch_norm in training mode on x viewed as (1, N*C, H, W) (every plane its own channel), no running stats; the
    affine added afterwards."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        y = F.batch_norm(x.reshape(1, n * c, h, w), None, None, training=True, eps=self.eps).view(n, c, h, w)
        return y * self.mults + self.adds


class GNOneHotMembershipEinsum(nn.Module):
    """Group sums through torch.einsum with a (C, G) one-hot membership matrix built from torch.arange // cpg;
    centred second moment computed the same way."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        c = x.shape[1]
        cpg = c // self.groups
        mem = F.one_hot(torch.arange(c) // cpg, self.groups).to(x.dtype)     # (C, G)
        k = cpg * x.shape[2] * x.shape[3]
        m = torch.einsum('nchw,cg->ng', x, mem) / k
        d = x - torch.einsum('ng,cg->nc', m, mem)[:, :, None, None]
        v = torch.einsum('nchw,cg->ng', d * d, mem) / k
        r = torch.einsum('ng,cg->nc', (v + self.eps).rsqrt(), mem)[:, :, None, None]
        return d * r * self.mults + self.adds


WRONG = [
    ("ewma_polyphase_even_odd", "check_ewma", ewma_polyphase_even_odd, "Runs two separate EWMAs, one over the even positions (started at values[0]) and one over the odd positions (started at values[1]) ('two interleaved sensors'), each output taken from its own phase's average: output 0 is right; output 1 is values[1] instead of lerp(values[0], values[1], mom), and every later output ignores the other phase's values: 1-value streams and constant streams' outputs are right, mom 1 is right; every non-constant stream of 2+ values has wrong outputs and values.grad from output 1 on (and a constant stream of 2+ values has a wrong values.grad)."),
    ("ewma_step_halved_on_sign_change", "check_ewma", ewma_step_halved_on_sign_change, "Uses weight mom / 2 instead of mom at every step where the innovation v - avg changes sign from the previous non-zero innovation ('damp overshoot'): monotone streams (non-decreasing or non-increasing), constant and 1- or 2-value streams are right everywhere; a stream whose innovations change sign (e.g. [1, -2, 3, 0.5] or random noise) has wrong outputs and values.grad from the first sign change on (for [1, -2, 3, 0.5] from output 2); mom 0 is right."),
    ("ewma_median3_postfilter", "check_ewma", ewma_median3_postfilter, "Returns, from output 2 on, the median of the last three lerp averages instead of the newest one ('despike the output'): outputs 0 and 1 are right and so are 1- and 2-value streams; constant streams' outputs are right (their values.grad is not); from output 2 on every other stream is wrong: a monotone stream's output t is the previous average (the median of a monotone triple is its middle, so the output lags one step), a turning stream's is whichever of the three is the middle, and values.grad follows the median's position."),
    ("ewma_lookahead_sync_every_4", "check_ewma", ewma_lookahead_sync_every_4, "Lookahead: every 4 steps (t = 4, 8, ...) a slow average moves halfway to the running average (slow = lerp(slow, avg, 0.5), slow starting at values[0]) and the running average is reset to it: outputs 0 to 3 are right and so are streams of up to 4 values; constant streams' outputs are right (their values.grad is not: part of it goes through the slow average); from output 4 on a non-constant stream's outputs and values.grad are wrong (output 4 is lerp(values[0], avg_4, 0.5)); mom 0 is right."),
    ("ln_rsqrt_in_float32", "check_layernorm", LNRsqrtInFloat32, "Computes 1/sqrt(var + eps) in float32 and casts it back ('rsqrt is fastest in float32'): float32 is right everywhere (training, eval, gradients); in float64 the outputs and x.grad carry float32 rounding (relative errors around 1e-8 to 1e-7, far above float64 precision), in training and eval alike; mult.grad and add.grad: add.grad right, mult.grad off by the same rounding."),
    ("ln_backward_mult_grad_from_centred", "check_layernorm", LNBackwardMultGradFromCentred, "A custom autograd.Function whose forward is right (outputs right everywhere, training and eval) and whose hand-written x.grad and add.grad are right, but mult.grad is sum(g * (x - mean)) (the centred input) instead of sum(g * xhat): mult.grad is wrong by the factor sqrt(var + eps) per item, so right only for items with var + eps = 1; x.grad and add.grad right everywhere."),
    ("ln_eps_normalised_by_one_plus_eps", "check_layernorm", LNEpsNormalisedByOnePlusEps, "Divides by sqrt((var + eps) / (1 + eps)) instead of sqrt(var + eps) ('so that a unit-variance item stays exactly unit'): every output (and x.grad, mult.grad) is sqrt(1 + eps) times too big; constant items (output add) are right; within float32 tolerance at eps 1e-5 (a 5e-6 relative error), clearly wrong in float64 at any eps and in float32 at eps 1e-3 or 0.1 (eps 0.1: 4.9% too big), in training and eval alike."),
    ("ln_affine_folded_shift_unscaled", "check_layernorm", LNAffineFoldedShiftUnscaled, "Folds the affine into one shift and one scale as (x - (mean - add)) / (sqrt(var + eps) / mult), i.e. xhat * mult + add * mult / sqrt(var + eps), instead of xhat * mult + add (the shift should be mean - add * std / mult): with add = 0 (a fresh layer) outputs, x.grad and mult.grad are right but add.grad is sum(g * mult / std) instead of sum(g); with add != 0 the outputs are wrong by add * (mult / std - 1) per item (right only for items with std = mult), and mult.grad, add.grad and x.grad are wrong; training and eval alike."),
    ("bn_eval_relaxes_running_var_to_prior", "check_batchnorm", BNEvalRelaxesRunningVarToPrior, "At every eval call first lerps the running var towards 1 with weight mom ('shrink towards its prior') and then normalises with it: training outputs, gradients and the running statistics during training are right, and a fresh layer in eval is right (vars already 1), as is mom 0; after training (running vars != 1) every eval call moves the running var and uses the moved one: eval outputs and x.grad wrong, and consecutive eval calls on the same input give different outputs; a later training step starts from the moved running var."),
    ("bn_backward_var_term_halved", "check_batchnorm", BNBackwardVarTermHalved, "A custom autograd.Function in training whose forward, running statistics, mults.grad and adds.grad are right but whose hand-written x.grad halves the variance term: mults * r * (g - mean(g) - 0.5 * xhat * mean(g * xhat)) per channel: training x.grad wrong in every configuration (except when mean(g * xhat) = 0); eval (plain autograd) right."),
    ("bn_running_update_channel_index_off_by_one", "check_batchnorm", BNRunningUpdateChannelIndexOffByOne, "Writes the running update with index_copy_ at channel positions (c + 1) % C: channel c's batch mean and unbiased var are lerped into the running buffers of channel c + 1 (the last channel's into channel 0): training outputs and gradients right; the running mean and var wrong after every training step (right only if all channels have equal statistics), so eval after training is wrong; a fresh layer in eval and mom 0 are right."),
    ("bn_running_stats_double_ema", "check_batchnorm", BNRunningStatsDoubleEMA, "Keeps hidden fast buffers lerped towards the batch statistics with mom and lerps the running mean and var towards those fast buffers with mom again ('an EWMA of an EWMA'): training outputs and gradients right; the running mean and var are wrong after every training step (after one step the means move by mom**2 * m instead of mom * m), so eval after training is wrong; a fresh layer in eval and mom 0 and mom 1 (for one step: mom 1 gives the batch statistics) are right."),
    ("in_var_about_first_row_mean", "check_instancenorm", INVarAboutFirstRowMean, "Centres each plane with its mean but computes its variance as the mean squared deviation from the mean of the plane's first row ('a quick estimate of the centre'): the variance is too big by (mean - first-row mean)**2, so the outputs are shrunk and the gradients wrong wherever the first row's mean differs from the plane's; one-row images (H = 1), constant planes and planes whose first row has the plane's mean are right; training and eval alike."),
    ("in_stats_from_mirrored_batch_item", "check_instancenorm", INStatsFromMirroredBatchItem, "Computes the statistics of x.flip(0) (the batch reversed, as for a test-time augmentation) and normalises x with them unflipped: item i uses item N-1-i's per-channel mean and var: a batch of one, the middle item of an odd batch and batches of identical items are right; every other item's outputs and gradients are wrong, training and eval alike."),
    ("in_input_grad_centred_across_channels_hook", "check_instancenorm", INInputGradCentredAcrossChannelsHook, "Registers a hook on the input that subtracts from x.grad, at each pixel, its mean over the channels ('gradient centralisation'): outputs, mults.grad and adds.grad right everywhere, and so is a call on an input without grad; x.grad is wrong wherever the channels' gradients at a pixel do not average to zero (always, for random upstream gradients; a one-channel layer gets x.grad 0), training and eval alike."),
    ("in_backward_var_term_over_hw_minus_one", "check_instancenorm", INBackwardVarTermOverHWMinusOne, "A custom autograd.Function whose forward, mults.grad and adds.grad are right but whose hand-written x.grad divides the variance term's sum(g * xhat) by H*W - 1 instead of H*W: x.grad = mults * r * (g - mean(g) - xhat * sum(g * xhat) / (H W - 1)): wrong for every non-constant plane (more for small images), right for constant planes; 1x1 images give a division by zero (nan/inf)."),
    ("gn_eps_divided_by_channels_per_group", "check_groupnorm", GNEpsDividedByChannelsPerGroup, "Adds eps / (C / groups) instead of eps to each group's variance ('eps is per channel, share it out over the group'): one channel per group (groups = C) is right; otherwise outputs and gradients are off by about eps (1 - G/C) / (2 var) relatively: within float32 tolerance at eps 1e-5, clearly wrong in float64, at eps 1e-3 or 0.1 and for low-variance groups; training and eval alike."),
    ("gn_input_grad_centred_per_channel_hook", "check_groupnorm", GNInputGradCentredPerChannelHook, "Registers a hook on the input that subtracts from x.grad its mean over each channel's H*W pixels ('gradient centralisation of the activations'): outputs, mults.grad and adds.grad are right everywhere, and so is a call on an input without grad and any layer with one channel per group (groups = C, where GroupNorm's x.grad already sums to zero over each channel); with 2+ channels per group x.grad is wrong (GroupNorm's x.grad sums to zero over each group, not over each channel), training and eval alike."),
    ("gn_stats_from_mirrored_batch_item", "check_groupnorm", GNStatsFromMirroredBatchItem, "Takes each item's group statistics from the batch flipped along its first axis (item N-1-i) and normalises item i with them: a batch of one, the middle item of an odd batch and batches of identical items are right; every other item's outputs and gradients are wrong, training and eval alike."),
    ("gn_var_drops_largest_deviation", "check_groupnorm", GNVarDropsLargestDeviation, "Estimates each group's variance as the mean of its squared deviations from the group mean with the largest one left out (sum minus max over K - 1) ('robust'): constant groups are right and so are groups whose squared deviations are all equal (e.g. values +-a); every other group's outputs and gradients are wrong (too big), training and eval alike."),
]

RIGHT = [
    ("ewma_checkpointed_chunks", "check_ewma", ewma_checkpointed_chunks,
     "the plain recursion cut into chunks of three with torch.split, each chunk run under torch.utils.checkpoint (non-reentrant), the carry passed from chunk to chunk, torch.cat of the chunks."),
    ("ln_normalize_with_eps_coordinate", "check_layernorm", LNNormalizeWithEpsCoordinate,
     "F.normalize of the centred flattened item with sqrt(K * eps) appended as an extra coordinate, times sqrt(K), the extra coordinate dropped."),
    ("bn_var_mean_addcmul_copy", "check_batchnorm", BNVarMeanBuffersViaCopy,
     "torch.var_mean for the batch statistics; running buffers overwritten with copy_ of torch.addcmul weighted sums; the output as torch.addcmul(adds, xhat, mults)."),
    ("in_batch_norm_on_folded_items", "check_instancenorm", INBatchNormOnFoldedItems,
     "F.batch_norm in training mode without running statistics on x viewed as (1, N*C, H, W); the affine applied afterwards."),
    ("gn_one_hot_membership_einsum", "check_groupnorm", GNOneHotMembershipEinsum,
     "group sums and spreads by torch.einsum with an F.one_hot (C, G) membership matrix built from arange // cpg."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
