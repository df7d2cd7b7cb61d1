"""Fifty-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout57 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` clears the state some entries keep between calls, for repeatable checks (nothing in this set keeps
module-level state; the function is there for the harnesses).
"""
import itertools
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_updates_on_even_steps_only(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):                                  # "update every second value and hold in between:
        if t % 2 == 0:                                              #  half the work, the average moves slowly anyway"
            avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_avg_clamped_nonnegative(values, mom):
    avg, out = values[0], []
    for v in values:                                                # "it averages losses, which are never negative: keep
        avg = torch.lerp(avg, v, mom).clamp_min(0)                  #  the average at or above 0"
        out.append(avg)
    return torch.stack(out)


def ewma_causal_median3_prefilter(values, mom):
    vals = list(values)
    clean = vals[:2] + [torch.stack(vals[t - 2:t + 1]).median() for t in range(2, len(vals))]   # "despike first: a
    avg, out = values[0], []                                        #  causal median of the last three values"
    for v in clean:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_quasi_hyperbolic(values, mom, nu=0.7):
    avg, out = values[0], []
    for v in values:                                                # "QHM (Ma & Yarats): output a mix of the newest value
        avg = torch.lerp(avg, v, mom)                               #  and the average, nu = 0.7"
        out.append((1 - nu) * v + nu * avg)
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


class LNVarGeometricOverChannels(_LNBase):
    def stats(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "pool the channels' spreads (about the item mean)
        vc = ((x - m) ** 2).mean((2, 3), keepdim=True)              #  geometrically: one loud channel should not dominate"
        return m, vc.log().mean(1, keepdim=True).exp()


class LNStatsOverDistinctValues(_LNBase):
    def stats(self, x):
        s, _ = x.flatten(1).sort(1)                                 # "saturated / repeated pixels should not dominate:
        keep = torch.ones_like(s, dtype=torch.bool)                 #  statistics over each item's distinct values"
        keep[:, 1:] = s[:, 1:] != s[:, :-1]
        w = keep.to(x.dtype)
        n = w.sum(1, keepdim=True)
        m = (s * w).sum(1, keepdim=True) / n
        v = ((s - m) ** 2 * w).sum(1, keepdim=True) / n
        return m.view(-1, 1, 1, 1), v.view(-1, 1, 1, 1)


class LNSmallVarStdDetached(_LNBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "tiny variances blow the gradient up: stop the
        return m, torch.where(v < 1e-2, v.detach(), v)              #  gradient through the std of a near-flat item"


class LNParamWeightDecayHooks(_LNBase):
    def __init__(self, dummy, eps=1e-5, wd=1e-2):
        super().__init__(dummy, eps)
        for p in (self.mult, self.add):                             # "L2 regularisation lives with the layer: add wd * p
            p.register_hook(lambda g, p=p: g + wd * p.detach())     #  to the parameters' gradients"


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


class BNAddsGradCentralised(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)                              # "gradient centralisation (Yong et al.) for the
        self.adds.register_hook(lambda g: g - g.mean())             #  shifts: remove the mean over the channels"


class BNTrainCentresByItemMean(_BNBase):
    def normalise(self, x, m, v):
        if self.training:                                           # "centre each image on its own channel means (removes
            m = x.mean((2, 3), keepdim=True)                        #  per-image brightness), scale by the batch variance"
        return super().normalise(x, m, v)


class BNRunningVarMomSqrt(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "the variance drifts faster than the mean: track it
            self.means.lerp_(m, self.mom)                           #  with the square root of the momentum"
            self.vars.lerp_(v * n / (n - 1), self.mom ** 0.5)


class BNTrainVarSnapsToRunning(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "once a channel's batch variance is within 10% of the
            close = ((v * n / (n - 1) - self.vars).abs() < 0.1 * self.vars)   # running one, use the steadier running
        vn = torch.where(close, self.vars.detach(), v)              #  value to normalise"
        self.update(x, m, v)
        return self.normalise(x, m, vn)


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


class INVarOfLoudestChannel(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "each channel's own mean, but one contrast per image,
        return m, v.amax(1, keepdim=True).expand_as(v)              #  the loudest channel's: dim channels keep their level"


class INEpsRaisedAfterFlatChannel(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        y = (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        if bool((v.detach() < self.eps).any()):                     # "a flat channel was seen: make eps safer from now on"
            self.eps = max(self.eps, 1e-2)
        return y


class INCrossNormInTraining(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if self.training and bool(torch.rand(()) < 0.5):           # "CrossNorm (Tang et al.): in training, half the time,
            perm = torch.randperm(x.shape[1])                       #  normalise the channels with each other's statistics"
            m, v = m[:, perm], v[:, perm]
        return m, v


class INAffineThroughHalfInTraining(_INBase):
    def forward(self, x):
        m, v = self.stats(x)
        xhat = (x - m) / (v + self.eps).sqrt()
        if self.training:                                           # "mixed precision: the affine step in half in training"
            return xhat * self.mults.half().to(x.dtype) + self.adds.half().to(x.dtype)
        return xhat * self.mults + self.adds


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


class GNGroupsReadAsGroupSize(_GNBase):
    def forward(self, x):                                           # groups read as "channels per group"
        return self.norm(x, x.shape[1] // self.groups) * self.mults + self.adds


class GNStdFlooredAtTenthOfLargest(_GNBase):
    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        s = (v + self.eps).sqrt()                                   # "a nearly flat group would be blown up: floor its std
        s = torch.maximum(s, 0.1 * s.amax(1, keepdim=True))         #  at a tenth of the item's largest group std"
        return ((xg - m) / s).reshape(x.shape)


class GNHalfNormalisedHINet(_GNBase):
    def forward(self, x):
        h = x.shape[1] // 2                                         # "HINet's half normalisation: group-normalise the first
        g = max(self.groups // 2, 1)                                #  half of the channels, keep the other half as it is"
        a = x[:, :h]
        if h:
            ag = a.reshape(a.shape[0], g, -1)
            m, v = ag.mean(-1, keepdim=True), ag.var(-1, keepdim=True, correction=0)
            a = ((ag - m) / (v + self.eps).sqrt()).reshape(a.shape)
        return torch.cat([a, x[:, h:]], 1) * self.mults + self.adds


class GNStdFromPreviousCall(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        self.prev_std = None

    def norm(self, x, groups=None):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        s = (v + self.eps).sqrt()
        use = s if self.prev_std is None or self.prev_std.shape != s.shape else self.prev_std   # "the spread changes
        self.prev_std = s.detach()                                  #  slowly: reuse the last call's, only the mean fresh"
        return ((xg - m) / use).reshape(x.shape)


# ====================================================================== RIGHT

def ewma_horner_per_prefix(values, mom):
    """Each output on its own by Horner's rule over its prefix, newest value first: acc = mom * v_t + (1 - mom) * acc
    going back to values[1], the seed values[0] weighted by (1 - mom)**t at the end."""
    outs = []
    for t in range(len(values)):
        acc = torch.zeros_like(values[0])
        for k in range(1, t + 1):                                   # oldest term innermost
            acc = acc * (1 - mom) + mom * values[k]
        outs.append(acc + (1 - mom) ** t * values[0])
    return torch.stack(outs)


class LNGroupedConv1dBatchAsChannels(nn.Module):
    """The batch laid out as the channels of one 1-d signal (1, N, K); each item's sum and sum of squared deviations by
    F.conv1d with a ones kernel and groups=N."""
    def __init__(self, dummy=None, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n, k = x.shape[0], x[0].numel()
        sig = x.reshape(1, n, k)
        ker = torch.ones(n, 1, k, dtype=x.dtype)
        m = F.conv1d(sig, ker, groups=n).view(n, 1, 1, 1) / k
        d = x - m
        v = F.conv1d((d * d).reshape(1, n, k), ker, groups=n).view(n, 1, 1, 1) / k
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNPixelLoopPythonSums(nn.Module):
    """Channel sums as Python sums of the (C,) pixel vectors x[n, :, i, j] over itertools.product of the batch and pixel
    indices, the deviations likewise; running buffers by mul_ and add_."""
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
            idx = list(itertools.product(range(n), range(h), range(w)))
            m = sum(x[a, :, i, j] for a, i, j in idx) / len(idx)
            v = sum((x[a, :, i, j] - m) ** 2 for a, i, j in idx) / len(idx)
            with torch.no_grad():
                self.means.mul_(1 - self.mom).add_(self.mom * m.view(1, c, 1, 1))
                self.vars.mul_(1 - self.mom).add_(self.mom * v.view(1, c, 1, 1) * len(idx) / (len(idx) - 1))
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INProductLoopVarMean(nn.Module):
    """torch.var_mean(correction=0) of every (item, channel) plane over itertools.product of the indices, stacked and
    viewed back to (N, C, 1, 1)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        vm = [torch.var_mean(x[a, b], correction=0) for a, b in itertools.product(range(n), range(c))]
        v = torch.stack([p[0] for p in vm]).view(n, c, 1, 1)
        m = torch.stack([p[1] for p in vm]).view(n, c, 1, 1)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelAxisAvgPool(nn.Module):
    """Per-channel means and variances, pooled to the groups by F.avg_pool1d along the channel axis (kernel = stride =
    channels per group); the group variance by the law of total variance (mean of the channel variances plus the mean
    squared deviation of the channel means from the group mean)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        mc = x.mean((2, 3))
        vc = x.var((2, 3), correction=0)
        mg = F.avg_pool1d(mc.unsqueeze(1), cpg, cpg).squeeze(1)                      # (N, G)
        spread = mg.unsqueeze(-1).expand(n, self.groups, cpg).reshape(n, c)
        vg = F.avg_pool1d((vc + (mc - spread) ** 2).unsqueeze(1), cpg, cpg).squeeze(1)
        vspread = vg.unsqueeze(-1).expand(n, self.groups, cpg).reshape(n, c)
        return (x - spread.view(n, c, 1, 1)) / (vspread.view(n, c, 1, 1) + self.eps).sqrt() * self.mults + self.adds


def reset_state():
    pass


WRONG = [
    ("ewma_updates_on_even_steps_only", "check_ewma", ewma_updates_on_even_steps_only, "Lerps the average only at even positions t = 0, 2, 4, ... and repeats (holds) it at the odd ones ('update every second value: half the work'): 1-value streams and mom 0 are right, and constant streams' outputs (values.grad is wrong on every stream of 2+ values); on every non-constant stream of 2+ values at mom > 0 output 1 is values[0] instead of lerp(values[0], values[1], mom), and the outputs from 1 on and values.grad are wrong (the odd-position values get no gradient at all); at mom 1 odd outputs repeat the previous value."),
    ("ewma_avg_clamped_nonnegative", "check_ewma", ewma_avg_clamped_nonnegative, "Clamps the running average at 0 after every step ('it averages losses, never negative'): every stream whose right averages stay >= 0 (all non-negative streams) is right everywhere; a stream whose average goes below 0 (values[0] < 0 included) has those outputs replaced by 0 and no values.grad through them (outputs and values.grad wrong from the first negative average on, output 0 included when values[0] < 0)."),
    ("ewma_causal_median3_prefilter", "check_ewma", ewma_causal_median3_prefilter, "Replaces every value from position 2 on by the median of itself and the two values before it ('despike first') and averages those: streams of 1 or 2 values and mom 0 are right, constant streams' outputs are right (values.grad wrong from length 3: the gradient goes to one value of each triple), and so is any stream where each value is the median of its last three (e.g. none, generically); on random streams of 3+ values and on monotone ones (median = the previous value) outputs from position 2 on and values.grad are wrong (the gradient goes only to the medians)."),
    ("ewma_quasi_hyperbolic", "check_ewma", ewma_quasi_hyperbolic, "Returns the quasi-hyperbolic mix 0.3 * values[t] + 0.7 * avg[t] (QHM, nu = 0.7) instead of avg[t]: output 0, 1-value streams and mom 1 are right, and constant streams' outputs (their values.grad is wrong for 0 <= mom < 1); for 0 <= mom < 1 every non-constant stream of 2+ values has wrong outputs from 1 on and wrong values.grad (each value gets an extra 0.3 * g[t] of direct gradient; at mom 0 outputs are 0.3 * values[t] + 0.7 * values[0] instead of values[0])."),
    ("ln_var_geometric_over_channels", "check_layernorm", LNVarGeometricOverChannels, "Centres on the item mean but takes the variance as the geometric mean over the channels of each channel's mean squared deviation about the item mean ('one loud channel should not dominate') instead of the arithmetic mean: single-channel items and items whose channels have equal spreads about the item mean are right; every other item has a too-small variance (AM >= GM): outputs and all gradients wrong, training and eval; a constant item has the right output (add) but x.grad NaN (log of 0)."),
    ("ln_stats_over_distinct_values", "check_layernorm", LNStatsOverDistinctValues, "Takes each item's mean and variance over its DISTINCT values only (sorted, repeats dropped: 'saturated pixels should not dominate'): items whose values are all distinct (continuous random inputs) are right everywhere; items with repeated values (ReLU'd inputs with many zeros, quantised or partly constant images) have wrong outputs and gradients; a fully constant item has the right output (add) but a wrong x.grad (the mean's gradient goes to one element, mult * r * (g - e_k * sum(g)))."),
    ("ln_small_var_std_detached", "check_layernorm", LNSmallVarStdDetached, "Detaches the variance of any item whose variance is below 0.01 ('stop the blow-up through a near-flat item's std'): outputs, mult.grad and add.grad are right everywhere, and so is x.grad for items with variance >= 0.01 and for exactly constant items; an item with 0 < variance < 0.01 (e.g. inputs scaled by 0.05) has a wrong x.grad (the term - xhat * mean(g * xhat) is missing), training and eval."),
    ("ln_param_weight_decay_hooks", "check_layernorm", LNParamWeightDecayHooks, "Registers gradient hooks that add 0.01 * the parameter to mult.grad and add.grad ('the L2 regulariser lives with the layer'): outputs and x.grad right everywhere; mult.grad is 0.01 * mult too big in every call (0.01 with a fresh layer); add.grad is right while add is 0 (a fresh layer) and off by 0.01 * add otherwise."),
    ("bn_adds_grad_centralised", "check_batchnorm", BNAddsGradCentralised, "A hook on adds subtracts the mean over the channels from adds.grad ('gradient centralisation'): outputs, x.grad, mults.grad, running statistics and eval are right everywhere; adds.grad is wrong whenever the channels' adds gradients (sum of g per channel) are not all equal - with one channel it is always 0; right only for upstream gradients whose channel sums are equal."),
    ("bn_train_centres_by_item_mean", "check_batchnorm", BNTrainCentresByItemMean, "In training centres each image on its own per-channel mean (over H, W) while dividing by the batch variance ('remove per-image brightness'): the running statistics, eval and a batch of one are right; training outputs and x.grad (and mults.grad) are wrong for every batch of 2+ items whose images have different channel means."),
    ("bn_running_var_mom_sqrt", "check_batchnorm", BNRunningVarMomSqrt, "Lerps the running variance with weight sqrt(mom) (the running mean with mom): training outputs, gradients and the running mean are right; the running var is wrong after every training step for 0 < mom < 1 (too much weight on the batch: 0.316 at mom 0.1), so eval after training is wrong; mom 0 and mom 1 are right; a fresh layer in eval is right."),
    ("bn_train_var_snaps_to_running", "check_batchnorm", BNTrainVarSnapsToRunning, "In training, a channel whose unbiased batch variance is within 10% of its running variance is normalised with the running variance (detached) instead of the batch variance: running statistics and eval are right, and so are training calls where no channel's variance is that close (e.g. data of std 2 against a running var near 1); channels whose batch variance is close (data of std ~1 on a fresh layer, or after some steps on stationary data) have slightly wrong outputs and clearly wrong x.grad (no variance term)."),
    ("in_var_of_loudest_channel", "check_instancenorm", INVarOfLoudestChannel, "Centres each channel on its own mean but divides every channel of an image by the largest channel variance of that image ('one contrast per image: dim channels keep their level'): single-channel inputs are right everywhere, and so is the loudest channel's output; the other channels' outputs and gradients are wrong for any image whose channels have unequal variances, training and eval (equal variances: outputs right; x.grad flows only through the max channel's variance, so it is wrong)."),
    ("in_eps_raised_after_flat_channel", "check_instancenorm", INEpsRaisedAfterFlatChannel, "After any call in which some image's channel variance was below eps (a constant channel), permanently raises the layer's eps to 1e-2 ('safer from now on'): the call that sees the flat channel is right, and every call of a layer that never saw one, or whose eps is already >= 1e-2, is right; all later calls of a layer with a smaller eps (1e-5, 1e-3) use eps 1e-2: outputs and gradients wrong (most for low-variance channels)."),
    ("in_crossnorm_in_training", "check_instancenorm", INCrossNormInTraining, "CrossNorm in training: with probability 1/2 per call (torch.rand) the channels are normalised with a random permutation's statistics (torch.randperm over the channels: channel c uses another channel's mean and variance): eval (also a fresh layer in eval) and single-channel inputs are right, and so are training calls where the coin or the permutation leaves the channels alone; other training calls have wrong outputs and gradients: random, differing between calls."),
    ("in_affine_through_half_in_training", "check_instancenorm", INAffineThroughHalfInTraining, "In training applies mults and adds rounded to float16 (mults.half().to(x.dtype)): eval is right, and so are parameters exactly representable in float16 (a fresh layer: 1 and 0); with general parameters (random mults/adds) training outputs and x.grad are off by the float16 rounding (relative ~2**-11, visible in float32 and float64) and mults.grad/adds.grad are rounded to float16."),
    ("gn_groups_read_as_group_size", "check_groupnorm", GNGroupsReadAsGroupSize, "Reads the groups argument as the number of channels per group (normalises with C // groups groups): right exactly when groups * groups == C (GN(2, 4), GN(3, 9), GN(1, 1)); wrong otherwise (GN(1, C) becomes InstanceNorm, GN(C, C) LayerNorm, GN(2, 6) uses 3 groups): outputs and gradients, training and eval."),
    ("gn_std_floored_at_tenth_of_largest", "check_groupnorm", GNStdFlooredAtTenthOfLargest, "Floors each group's std at a tenth of the item's largest group std ('a nearly flat group would be blown up'): one group and items whose groups' stds are within a factor 10 (typical random data) are right; an item with a nearly constant group (std < 1/10 of another group's) or an exactly constant one has that group's outputs and x.grad wrong (divided by the floor, and x.grad leaks into the largest group)."),
    ("gn_half_normalised_hinet", "check_groupnorm", GNHalfNormalisedHINet, "HINet's half normalisation: group-normalises only the first C // 2 channels (with max(groups // 2, 1) groups) and passes the other half through unnormalised (mults and adds still applied): the first half is right when groups is even (same channels per group); the second half's outputs and gradients are wrong everywhere (raw input), and for odd groups (1, 3, 5) the first half's grouping is wrong too."),
    ("gn_std_from_previous_call", "check_groupnorm", GNStdFromPreviousCall, "Keeps the groups' stds of the previous call (detached) and divides by them, only the mean fresh ('the spread changes slowly'): the first call of a layer (and any call after a call of another shape) is right in outputs; x.grad is wrong from the second call on (no variance term); outputs from the second call on are wrong unless the input's group stds equal the previous call's (same input twice: outputs right, x.grad wrong); training and eval alike."),
]

RIGHT = [
    ("ewma_horner_per_prefix", "check_ewma", ewma_horner_per_prefix,
     "each output on its own by Horner's rule over its prefix (acc = acc * (1 - mom) + mom * v_k), the seed added as (1 - mom)**t * values[0]."),
    ("ln_grouped_conv1d_batch_as_channels", "check_layernorm", LNGroupedConv1dBatchAsChannels,
     "the batch laid out as channels of one 1-d signal; item sums and squared-deviation sums by F.conv1d with a ones kernel and groups=N."),
    ("bn_pixel_loop_python_sums", "check_batchnorm", BNPixelLoopPythonSums,
     "channel sums as Python sums of (C,) pixel vectors over itertools.product of batch and pixel indices; buffers by mul_ and add_."),
    ("in_product_loop_var_mean", "check_instancenorm", INProductLoopVarMean,
     "torch.var_mean of each (item, channel) plane over itertools.product, stacked and viewed back."),
    ("gn_channel_axis_avg_pool", "check_groupnorm", GNChannelAxisAvgPool,
     "per-channel means and variances pooled to groups by F.avg_pool1d along the channel axis; group variance by the law of total variance."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
