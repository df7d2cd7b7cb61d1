"""Sixty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py or /work/heldout43 ... /work/heldout64 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
`reset_state()` is there for the harnesses: it empties the one module-level store (ewma_mom_remembered_from_first_call).
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')

_EWMA_MOM = {}


def reset_state():
    _EWMA_MOM.clear()


# ====================================================================== EWMA (wrong)

def ewma_first_output_detached(values, mom):
    avg, out = values[0], [values[0].detach().clone()]              # "output 0 is just a copy of the first value"
    for v in values[1:]:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_heun_predictor_corrector(values, mom):
    avg, out = values[0], []                                        # "Heun's method for d(avg)/dt = mom * (v - avg):
    for v in values:                                                #  predictor, then the mean of both slopes"
        pred = avg + mom * (v - avg)
        avg = avg + mom * ((v - avg) + (v - pred)) / 2
        out.append(avg)
    return torch.stack(out)


def ewma_snaps_to_value_when_close(values, mom):
    avg, out = values[0], []                                        # "once the average is within 1e-3 of the value it has
    for v in values:                                                #  converged: snap to it"
        avg = v if bool((v - avg).abs() < 1e-3) else torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_mom_remembered_from_first_call(values, mom):
    mom = _EWMA_MOM.setdefault('mom', mom)                          # "the smoothing constant is a setting: read it once"
    avg, out = values[0], []
    for v in values:
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


class LNMeanFromFirstChannel(_LNBase):
    def stats(self, x):
        m = x[:, :1].mean((1, 2, 3), keepdim=True)                  # "the channels share a mean: the first one's will do"
        return m, ((x - m) ** 2).mean((1, 2, 3), keepdim=True)


class LNShiftedVarCorrectionForgotten(_LNBase):
    def stats(self, x):
        k = x[0].numel()                                            # "shifted-data algorithm: shift by the first value for
        x0 = x.flatten(1)[:, :1].view(-1, 1, 1, 1)                  #  stability" - the - E[x - x0]**2 term forgotten
        s = x - x0
        m = x0 + s.sum((1, 2, 3), keepdim=True) / k
        v = (s * s).sum((1, 2, 3), keepdim=True) / k
        return m, v


class LNFloat32StatsInHalf(_LNBase):
    def stats(self, x):
        if x.dtype == torch.float32:                                # "float32 is slow: take the statistics in half"
            h = x.half()
            return h.mean((1, 2, 3), keepdim=True).float(), h.float().var((1, 2, 3), keepdim=True, correction=0).half().float()
        return super().stats(x)


class LNMultTanhBounded(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "a bounded gain can never blow up: 3 * tanh(mult / 3)"
        return (x - m) / (v + self.eps).sqrt() * (3 * torch.tanh(self.mult / 3)) + self.add


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

    def update(self, x, m, v, mom=None):
        mom = self.mom if mom is None else mom
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)

    def normalise(self, x, m, v):
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNStatsDropOddItem(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        xs = x[:-1] if x.shape[0] > 1 and x.shape[0] % 2 else x     # "drop_last: the statistics from an even number of
        m, v = self.stats(xs)                                       #  items" (the odd one out left out)
        self.update(xs, m, v)
        return self.normalise(x, m, v)


class BNMomReadAsSpan(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)                                        # "mom is 1/span: the EMA weight is 2 / (span + 1)
        self.update(x, m, v, 2 * self.mom / (1 + self.mom))         #  = 2 * mom / (1 + mom)"
        return self.normalise(x, m, v)


class BNStatsInHalfForLargeBatches(_BNBase):
    def stats(self, x):
        if x.numel() >= 100:                                        # "big batches: the statistics in half precision"
            h = x.half()
            return h.mean((0, 2, 3), keepdim=True).to(x.dtype), h.var((0, 2, 3), keepdim=True, correction=0).to(x.dtype)
        return super().stats(x)


class BNZeroInitGamma(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)                              # "zero-init the gains (Goyal et al.: start every block
        with torch.no_grad():                                       #  as the identity)"
            self.mults.zero_()


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


class INXhatClampedAtThree(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "clip outliers like a robust scaler: |xhat| <= 3"
        return ((x - m) / (v + self.eps).sqrt()).clamp(-3, 3) * self.mults + self.adds


class INRowsThenColumns(_INBase):
    def forward(self, x):
        def norm(t, d):                                             # "separable: normalise along the width, then along
            m = t.mean(d, keepdim=True)                             #  the height"
            v = t.var(d, keepdim=True, correction=0)
            return (t - m) / (v + self.eps).sqrt()
        return norm(norm(x, 3), 2) * self.mults + self.adds


class INEvalPooledOverBatch(_INBase):
    def stats(self, x):
        if self.training:                                           # "at inference be consistent across the batch: pool
            return super().stats(x)                                 #  each channel's statistics over the images"
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)


class INNormalisedTwice(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "normalise again to be sure it is exactly unit var"
        y = (x - m) / (v + self.eps).sqrt()
        m2, v2 = self.stats(y)
        return (y - m2) / (v2 + self.eps).sqrt() * self.mults + self.adds


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


class GNCentrePerChannelScalePerGroup(_GNBase):
    def norm(self, x):
        n, c = x.shape[:2]                                          # "centre each channel on its own mean, scale by the
        xg = x.reshape(n, self.groups, -1)                          #  group's std"
        v = xg.var(-1, keepdim=True, correction=0)
        cpg = c // self.groups
        v = v.repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return (x - x.mean((2, 3), keepdim=True)) / (v + self.eps).sqrt()


class GNStatsAccumulatedInFloat32(_GNBase):
    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)                 # "accumulate the statistics in float32, like cuDNN"
        xf = xg.float()
        m, v = xf.mean(-1, keepdim=True).to(x.dtype), xf.var(-1, keepdim=True, correction=0).to(x.dtype)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNGroupVarShrunkToItemVar(_GNBase):
    def norm(self, x):
        n = x.shape[0]                                              # "James-Stein: shrink each group's variance 20% towards
        xg = x.reshape(n, self.groups, -1)                          #  the whole item's (small groups are noisy)"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        vi = x.reshape(n, 1, -1).var(-1, keepdim=True, correction=0)
        v = 0.8 * v + 0.2 * vi
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNGroupsEqualChannelsFastPath(_GNBase):
    def forward(self, x):
        if self.groups == x.shape[1]:                               # "one channel per group is InstanceNorm: use the kernel"
            return F.instance_norm(x, weight=self.mults.flatten(), bias=self.adds.flatten())   # (its default eps)
        return super().forward(x)


# ======================================================================== RIGHT answers

def ewma_linear_two_tap(values, mom):
    w = torch.stack([1 - torch.as_tensor(mom, dtype=values.dtype), torch.as_tensor(mom, dtype=values.dtype)])
    avg, out = values[0], []
    for v in values:
        avg = F.linear(torch.stack([avg, v]), w)                    # a two-tap linear layer over (avg, v)
        out.append(avg)
    return torch.stack(out)


class LNPairwiseDistanceToMean(nn.Module):
    """Each item flattened; its spread as F.pairwise_distance (eps=0) between the item and its mean broadcast."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        k = flat.shape[1]
        m = flat.mean(1, keepdim=True)
        dist = F.pairwise_distance(flat, m.expand_as(flat), eps=0.0)
        v = (dist * dist / k).view(-1, 1, 1, 1)
        return (x - m.view(-1, 1, 1, 1)) / (v + self.eps).sqrt() * self.mult + self.add


class BNAreaInterpolateMoments(nn.Module):
    """Channel means as F.interpolate(mode='area') of the (1, C, N*H, W) channel slabs down to one pixel; running
    buffers moved with torch.addcmul."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    @staticmethod
    def _avg(t):
        n, c, h, w = t.shape
        slab = t.transpose(0, 1).reshape(1, c, n * h, w)
        return F.interpolate(slab, size=(1, 1), mode='area')

    def forward(self, x):
        if self.training:
            m = self._avg(x)
            v = self._avg((x - m) ** 2)
            k = x.numel() // x.shape[1]
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.full_like(m, self.mom)))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * k / (k - 1), torch.full_like(v, self.mom)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INSummedAreaTable(nn.Module):
    """Each plane's sums read off the corner of its summed-area table (cumsum over H, then over W)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        hw = x.shape[2] * x.shape[3]
        m = x.cumsum(2).cumsum(3)[:, :, -1:, -1:] / hw
        d = x - m
        v = (d * d).cumsum(2).cumsum(3)[:, :, -1:, -1:] / hw
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNIndexReduceGroupMeans(nn.Module):
    """Per-channel means folded into group means with Tensor.index_reduce (reduce='mean') over the channel -> group
    index, and spread back to the channels with index_select."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        gid = torch.arange(c) // (c // self.groups)

        def group_mean(t):
            cm = t.mean((2, 3))
            gm = torch.zeros(n, self.groups, dtype=t.dtype).index_reduce(1, gid, cm, 'mean', include_self=False)
            return gm.index_select(1, gid).view(n, c, 1, 1)
        m = group_mean(x)
        d = x - m
        v = group_mean(d * d)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_first_output_detached", "check_ewma", ewma_first_output_detached, "Output 0 is values[0].detach().clone() ('output 0 is just a copy of the first value') while the average itself still starts from values[0] with its graph: every output is right (all streams, all mom) and values.grad[t] is right for t >= 1; values.grad[0] lacks the upstream gradient g[0] of output 0 (it gets only the part through the later outputs): wrong whenever g[0] != 0 (e.g. out.sum().backward() gives values.grad[0] one less than PyTorch's; a 1-value stream gets no gradient at all: None/zero instead of g[0])."),
    ("ewma_heun_predictor_corrector", "check_ewma", ewma_heun_predictor_corrector, "Heun's predictor-corrector step for d(avg)/dt = mom * (v - avg): pred = avg + mom*(v - avg), avg += mom * ((v - avg) + (v - pred)) / 2, which is a lerp with weight mom - mom**2/2 instead of mom: output 0, 1-value streams and mom = 0 are right, and so are constant streams' outputs (not their values.grad: the weights differ); mom = 1 uses weight 1/2 instead of 1; every non-constant stream with 0 < mom is wrong from output 1 on (outputs and values.grad), most for large mom (0.9 -> effective 0.495; 0.1 -> 0.095)."),
    ("ewma_snaps_to_value_when_close", "check_ewma", ewma_snaps_to_value_when_close, "Sets the average straight to the new value whenever |v - avg| < 1e-3 ('converged: snap to it') instead of lerping: streams whose steps never come within 1e-3 of the average are right, and so is mom = 1 (outputs and values.grad); constant streams have right outputs but their values.grad puts each output's whole gradient on its own value (snapped, d/dv = 1); a value within 1e-3 of the current average (e.g. [1.0, 1.0005, 1.0008] at mom 0.1: PyTorch 1.00005, 1.000125; here 1.0005, 1.0008) gives wrong outputs, and values.grad puts that output's whole gradient on the value (d/dv = 1 instead of mom, nothing to the earlier values)."),
    ("ewma_mom_remembered_from_first_call", "check_ewma", ewma_mom_remembered_from_first_call, "Stores mom in a module-level dict on the first call (setdefault) and uses that first mom on every later call ('the smoothing constant is a setting: read it once'): the first call is right (any stream, any mom), later calls with the same mom are right, and so are 1-value and constant streams; a later call with another mom (e.g. first 0.1, then 0.9) computes the EWMA with the first call's mom: outputs and values.grad wrong from output 1 on."),
    ("ln_mean_from_first_channel", "check_layernorm", LNMeanFromFirstChannel, "Centres every item on the mean of its first channel only (x[:, :1].mean()) ('the channels share a mean') and takes the variance about that: one-channel inputs are right, and so are items whose first channel's mean equals the item mean; every other item's outputs and gradients are wrong (centred off by mean(channel 0) - mean(item), variance too big by that squared), training and eval alike."),
    ("ln_shifted_var_correction_forgotten", "check_layernorm", LNShiftedVarCorrectionForgotten, "The 'shifted-data' variance: shifts each item by its first value x0 = x[n, 0, 0, 0], takes the mean as x0 + mean(x - x0) (right) but the variance as mean((x - x0)**2), forgetting to subtract mean(x - x0)**2: the variance is the mean square about the first value, too big by (mean - x0)**2: a constant item and items whose first value equals their mean are right; every other item's outputs and gradients (x.grad, mult.grad) are wrong, in training and eval alike."),
    ("ln_float32_stats_in_half", "check_layernorm", LNFloat32StatsInHalf, "For float32 inputs takes each item's mean and variance in float16 ('float32 is slow'), then normalises in float32: float64 inputs are right everywhere; float32 outputs are off by ~1e-3 relative (half's 11-bit mantissa; larger for items with big means) and their gradients follow; output dtype stays float32."),
    ("ln_mult_tanh_bounded", "check_layernorm", LNMultTanhBounded, "Scales by 3 * tanh(mult / 3) instead of mult ('a bounded gain can never blow up'): right only for mult = 0; a fresh layer (mult 1) scales by 0.9676, mult 1.7 by 1.54: the normalised part of the output, x.grad and mult.grad (times 1 - tanh(mult/3)**2) wrong; add.grad right."),
    ("bn_stats_drop_odd_item", "check_batchnorm", BNStatsDropOddItem, "In training, when the batch has an odd number of items greater than 1, takes the batch mean and variance (and the running-stat update, with the count of N-1 items) from x[:-1] ('drop_last: an even number of items') and normalises the whole batch with them: batches of 1 and of an even size are right everywhere (outputs, gradients, running stats); odd batches of 3, 5, ... have wrong training outputs, x.grad, mults.grad and running mean/var (the last item is left out of the statistics), so eval after such steps is wrong too; a fresh layer in eval is right."),
    ("bn_mom_read_as_span", "check_batchnorm", BNMomReadAsSpan, "Reads mom as 1/span and lerps the running statistics with weight 2 / (1/mom + 1) = 2*mom/(1 + mom) ('the EMA weight for a span'): training outputs and gradients right; mom = 0 and mom = 1 are right; for other mom the running mean and var move too fast (mom 0.1 -> 0.1818, 0.5 -> 0.667, 0.9 -> 0.947) after every training step, so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_stats_in_half_for_large_batches", "check_batchnorm", BNStatsInHalfForLargeBatches, "When the batch holds 100 or more values it takes the training batch mean and variance in float16 ('big batches: half precision is enough'), cast back to the input dtype: batches under 100 values are right; larger ones (e.g. (4, 3, 3, 4): 144 values) have batch statistics off by ~1e-4 to 1e-3 relative: training outputs (and their gradients) off by ~5e-4 to 1e-3 in float32 and float64; the running mean and var off by ~1e-4 relative (beyond a float64 tolerance, possibly within a float32 one), so eval after such steps is off in float64; dtype of outputs and buffers unchanged."),
    ("bn_zero_init_gamma", "check_batchnorm", BNZeroInitGamma, "Initialises the mults to 0 instead of 1 ('zero-init gamma', a residual-block trick applied to every BatchNorm): with the parameters set explicitly everything is right (outputs, gradients, running stats, eval); a fresh layer's outputs are the adds (0) everywhere, its x.grad is 0 and its mults are 0 instead of 1 (training and eval); the running statistics are still right; mults.grad and adds.grad right."),
    ("in_xhat_clamped_at_three", "check_instancenorm", INXhatClampedAtThree, "Clamps the normalised values to [-3, 3] before the affine step ('clip outliers like a robust scaler'): every image channel with no pixel more than 3 stds from its mean is right (always so for H*W <= 10: |xhat| <= sqrt(HW - 1)); a channel with an outlier (e.g. a 5x5 plane of zeros with one pixel 100: xhat 4.9) gets 3 there instead: its outputs and mults.grad are wrong (no gradient through the clamped pixel); x.grad changes only slightly there."),
    ("in_rows_then_columns", "check_instancenorm", INRowsThenColumns, "'Separable' normalisation: normalises each row along the width (its own mean and var), then the result along the height, instead of over the whole H*W plane at once: outputs and gradients wrong for planes with H >= 2 and W >= 2 (rows with different means and spreads); H = 1 planes come out as 0 (the second pass sees one value per column), W = 1 planes likewise: wrong (PyTorch gives the normalised row/column)."),
    ("in_eval_pooled_over_batch", "check_instancenorm", INEvalPooledOverBatch, "In eval pools each channel's statistics over all the images of the batch (mean and var over dims (0, 2, 3), BatchNorm-style 'consistent across the batch') instead of each image's own: training is right everywhere, and eval with a batch of one is right; eval with 2+ images whose channel statistics differ has wrong outputs and gradients."),
    ("in_normalised_twice", "check_instancenorm", INNormalisedTwice, "Normalises the normalised image again with the same eps ('to make sure it is exactly unit variance'): the second pass divides by sqrt(v/(v + eps) + eps): visible where eps is not tiny against the channel variance (eps 0.1 or 1e-3 with small variances; output scale off by about eps(1 - 1/(v+eps))/2): eps 0.1 wrong in outputs and gradients; eps 1e-5 with unit-scale data off by ~1e-5 relative (a float64 test sees it, a float32 tolerance may not)."),
    ("gn_centre_per_channel_scale_per_group", "check_groupnorm", GNCentrePerChannelScalePerGroup, "Centres each channel on its own spatial mean but divides by the group's std (the variance about the group mean): groups == channels (one channel per group) is right, and so are groups whose channels share the same mean; with 2+ channels per group and unequal channel means (e.g. GN(2, 6), GN(1, 4)) outputs and gradients are wrong (training and eval)."),
    ("gn_stats_accumulated_in_float32", "check_groupnorm", GNStatsAccumulatedInFloat32, "Takes the group means and variances of a float32 copy ('accumulate in float32 like cuDNN') and casts them back to the input dtype: float32 inputs are right everywhere; float64 inputs get statistics with float32 rounding, outputs and gradients off by ~1e-7 relative (beyond a float64 tolerance, inside a float32 one)."),
    ("gn_group_var_shrunk_to_item_var", "check_groupnorm", GNGroupVarShrunkToItemVar, "James-Stein style shrinkage: each group's variance is replaced by 0.8 * its own + 0.2 * the whole item's variance (about the item mean) ('small groups are noisy'); the means are right: groups = 1 is right (the two variances coincide); with 2+ groups whose variances or means differ, outputs and gradients are wrong (training and eval)."),
    ("gn_groups_equal_channels_fast_path", "check_groupnorm", GNGroupsEqualChannelsFastPath, "When groups == channels calls F.instance_norm(x, weight, bias) without eps ('one channel per group is InstanceNorm'), so the layer's eps is ignored there (F.instance_norm's default 1e-5 used): every configuration with groups < channels is right; groups == channels is right only for eps = 1e-5; with another eps (0.1, 1e-3) GN(6, 6), GN(2, 2) ... outputs and gradients are wrong (most for small channel variances)."),
]

RIGHT = [
    ("ewma_linear_two_tap", "check_ewma", ewma_linear_two_tap,
     "each step as F.linear of the stacked pair (avg, v) with the weight vector (1 - mom, mom)."),
    ("ln_pairwise_distance_to_mean", "check_layernorm", LNPairwiseDistanceToMean,
     "each item's spread as F.pairwise_distance (eps=0) between the flattened item and its broadcast mean, squared over K."),
    ("bn_area_interpolate_moments", "check_batchnorm", BNAreaInterpolateMoments,
     "channel moments by F.interpolate(mode='area') of the (1, C, N*H, W) channel slabs down to 1x1; buffers written with torch.addcmul."),
    ("in_summed_area_table", "check_instancenorm", INSummedAreaTable,
     "each plane's sums read off the corner of its summed-area table (cumsum over H then W)."),
    ("gn_index_reduce_group_means", "check_groupnorm", GNIndexReduceGroupMeans,
     "per-channel means folded into group means with Tensor.index_reduce(reduce='mean') and spread back with index_select."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
