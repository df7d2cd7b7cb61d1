"""Forty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py or /work/main/tests/heldout/heldout*.py (sets 2 to 41, 43 and 44).
       Every one changes a computed number, a gradient, a running statistic or an eval output (none is a
       state_dict-key-only fault).
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

def ewma_kaufman_efficiency_ratio(values, mom):
    avg, out = values[0], [values[0]]                               # "Kaufman's adaptive moving average: scale the weight
    path = torch.zeros_like(values[0])                              #  by the efficiency ratio |net move| / path length, so
    for t in range(1, len(values)):                                 #  a trending stream is followed and noise is smoothed"
        path = path + (values[t] - values[t - 1]).abs()
        net = (values[t] - values[0]).abs()
        er = torch.where(path > 0, net / torch.where(path > 0, path, torch.ones_like(path)), torch.ones_like(path))
        avg = torch.lerp(avg, values[t], mom * er)
        out.append(avg)
    return torch.stack(out)


_STREAMS = {}


def ewma_resumes_previous_stream(values, mom):
    key = (tuple(values.shape[1:]), values.dtype)                   # "a streaming API: consecutive calls are chunks of one
    if key in _STREAMS:                                             #  long stream, so carry on from where the last call
        avg = torch.lerp(_STREAMS[key].to(values.device), values[0], mom)   # stopped instead of restarting at values[0]"
    else:
        avg = values[0]
    out = [avg]
    for v in values[1:]:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    _STREAMS[key] = avg.detach().clone()
    return torch.stack(out)


def ewma_features_smoothed_in_sequence(values, mom):
    flat = values.reshape(-1)                                       # "flatten first: the loop over 0-d tensors is simplest"
    avg, out = flat[0], []
    for v in flat:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out).reshape(values.shape)


class _EWMAStartMomShare(torch.autograd.Function):
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
        for t in range(len(g) - 1, -1, -1):
            carry = g[t] + (1 - mom) * carry
            grads[t] = mom * carry                                  # "every value enters through lerp(avg, v, mom): its
        return grads, None                                          #  gradient is mom times the carry" (values[0] too,
                                                                    #  though it is also the start: it should get all of it)


def ewma_backward_start_gets_mom_share(values, mom):
    return _EWMAStartMomShare.apply(values, mom)


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


class LNRescaledBySqrt2ForRelu(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "He/Kaiming: a ReLU follows and halves the second
        xhat = (x - m) / (v + self.eps).sqrt() * math.sqrt(2)       #  moment, so normalise to variance 2 to keep it at 1"
        return xhat * self.mult + self.add


class LNZerosTreatedAsPadding(_LNBase):
    def stats(self, x):
        keep = (x != 0).to(x.dtype)                                 # "zeros are padding: leave them out of the statistics"
        n = keep.sum((1, 2, 3), keepdim=True)
        m = (x * keep).sum((1, 2, 3), keepdim=True) / n
        v = (((x - m) * keep) ** 2).sum((1, 2, 3), keepdim=True) / n
        return m, v


class LNSkipsAlreadyNormalisedItems(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "an item that is already standardised (mean ~0, var ~1)
        done = (m.abs() < 1e-3) & ((v - 1).abs() < 1e-3)            #  needs no work: pass it through unchanged"
        xhat = torch.where(done, x, (x - m) / (v + self.eps).sqrt())
        return xhat * self.mult + self.add


class LNMultTakenAsMagnitude(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "a scale is a size, like a std: use its magnitude"
        return (x - m) / (v + self.eps).sqrt() * self.mult.abs() + self.add


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


class BNMomentumKeptInHalf(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)                              # "keep the momentum as a (half, like AMP) buffer so it
        self.register_buffer('momentum', torch.tensor(mom, dtype=torch.float16), persistent=False)   # moves with .to()"

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        mom = self.momentum.item()
        with torch.no_grad():
            self.means.lerp_(m, mom)
            self.vars.lerp_(v * n / (n - 1), mom)


class BNRunningVarFromPixelwiseBatchVariance(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():                                       # "the batch variance is the spread ACROSS THE BATCH:
            self.means.lerp_(m, self.mom)                           #  the unbiased variance over the items at each pixel,
            vb = x.var(0, correction=1).mean((1, 2)).view_as(self.vars)   # averaged over the image"
            self.vars.lerp_(vb, self.mom)


class BNEvalPolyakAveragedRunningStats(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('sum_means', torch.zeros(1, nf, 1, 1), persistent=False)
        self.register_buffer('sum_vars', torch.zeros(1, nf, 1, 1), persistent=False)
        self.steps = 0

    def update(self, x, m, v):
        super().update(x, m, v)
        with torch.no_grad():                                       # "Polyak-Ruppert: evaluate with the average of all the
            self.sum_means += self.means                            #  running-statistic iterates, steadier than the last"
            self.sum_vars += self.vars
        self.steps += 1

    def forward(self, x):
        if self.training or self.steps == 0:
            return super().forward(x)
        return self.normalise(x, self.sum_means / self.steps, self.sum_vars / self.steps)


class BNRepeatedBatchUpdateSkipped(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self._last = None

    def update(self, x, m, v):
        key = (x.data_ptr(), x._version, tuple(x.shape))            # "gradient checkpointing re-runs the forward on the same
        if key == self._last:                                       #  batch: don't count it twice in the running stats"
            return
        self._last = key
        super().update(x, m, v)


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


class INEvalBatchPooledInstanceStats(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        if self.training:
            return m, v                                             # "at test time one image's statistics are noisy: use the
        return m.mean(0, keepdim=True), v.mean(0, keepdim=True)     #  batch's average instance mean and variance"


class INFramePairsPooled(_INBase):
    def forward(self, x):
        outs = []                                                   # "the batch is a video: consecutive frames (items 2k and
        for k in range(0, x.shape[0], 2):                           #  2k+1) share their statistics, steadier over time"
            xs = x[k:k + 2]
            m = xs.mean((0, 2, 3), keepdim=True)
            v = xs.var((0, 2, 3), keepdim=True, correction=0)
            outs.append((xs - m) / (v + self.eps).sqrt())
        return torch.cat(outs) * self.mults + self.adds


class INWCTChannelWhitening(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape                                        # "whitening-colouring transform (style transfer): remove
        d = (x - x.mean((2, 3), keepdim=True)).reshape(n, c, h * w) #  the channels' correlations as well as their scale"
        cov = d @ d.transpose(1, 2) / (h * w) + self.eps * torch.eye(c, dtype=x.dtype)
        lam, u = torch.linalg.eigh(cov)
        wm = u @ torch.diag_embed(lam.rsqrt()) @ u.transpose(1, 2)
        return (wm @ d).reshape(n, c, h, w) * self.mults + self.adds


class INLargeImageStatsDetached(_INBase):
    def stats(self, x):
        if x.shape[2] * x.shape[3] >= 64:                           # "a big image's statistics are exact enough: no need to
            return super().stats(x.detach())                        #  backpropagate through them (saves the backward's work)"
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


class GNAttentiveChannelGate(_GNBase):
    def forward(self, x):
        xn = self.norm(x)                                           # "Attentive Normalization: reweight each channel's affine
        gate = 2 * torch.sigmoid(xn.mean((2, 3), keepdim=True))     #  by an SE-style gate from the normalised features
        return xn * gate * self.mults + self.adds                   #  (1 when the channel sits at its group's mean)"


class GNGroupVarGeometricPool(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape
        xc = x.reshape(n, self.groups, c // self.groups, h * w)
        mc = xc.mean(-1, keepdim=True)                              # per-channel mean and within-channel variance
        vc = xc.var(-1, keepdim=True, correction=0)
        m = mc.mean(2, keepdim=True)                                # "pool the channels' variances geometrically (scale-
        v = vc.log().mean(2, keepdim=True).exp() + ((mc - m) ** 2).mean(2, keepdim=True)   # equivariant), plus the spread
        return ((xc - m) / (v + self.eps).sqrt()).reshape(x.shape)  #  of the channel means"


class GNOddGroupsPaddedWithZeroChannel(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape                                        # "vectorise over channel PAIRS: pad each group with a
        cpg = c // self.groups                                      #  zero channel when it has an odd number of channels"
        xg = x.reshape(n, self.groups, cpg, h * w)
        xp = F.pad(xg, (0, 0, 0, 1)) if cpg % 2 else xg
        m = xp.mean((2, 3), keepdim=True)
        v = xp.var((2, 3), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


class GNRegionNormHalves(_GNBase):
    def forward(self, x):
        h = x.shape[2]                                              # "Region Normalization (inpainting): the top and bottom
        if h < 2:                                                   #  halves of the image are different regions, each
            return super().forward(x)                               #  group normalised separately in each half"
        k = h // 2
        out = torch.cat([self.norm(x[:, :, :k]), self.norm(x[:, :, k:])], 2)
        return out * self.mults + self.adds


# ======================================================================== RIGHT answers

def ewma_float_power_linear(values, mom):
    """Every output at once: F.linear of the stream with a (T, T) weight matrix of torch.float_power ages, built with
    masked_fill (future masked to 0); values[0] gets the leftover weight (1 - mom)**t."""
    t = len(values)
    i = torch.arange(t, dtype=torch.float64)
    age = i[:, None] - i[None, :]
    wts = (mom * torch.float_power(torch.tensor(1 - mom, dtype=torch.float64), age.clamp(min=0))).masked_fill(age < 0, 0.)
    wts[:, 0] = torch.float_power(torch.tensor(1 - mom, dtype=torch.float64), i)
    wts = wts.to(values.dtype)
    if values.dim() == 1:
        return F.linear(values, wts)
    flat = values.reshape(t, -1)
    return F.linear(flat.T, wts).T.reshape(values.shape)


class LNConv2dItemKernel(nn.Module):
    """Each item's sum (and sum of squared deviations) as one F.conv2d of the batch with a single (1, C, H, W) kernel of
    ones covering the whole item, divided by C*H*W."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        k = x[0].numel()
        ones = x.new_ones((1,) + tuple(x.shape[1:]))
        m = F.conv2d(x, ones) / k                                   # (N, 1, 1, 1)
        d = x - m
        v = F.conv2d(d * d, ones) / k
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNEmbeddingBagChannelRows(nn.Module):
    """Channel rows (C, N*H*W) flattened into a one-column table; F.embedding_bag(mode='mean') with one bag per channel
    gives the channel means and mean squared deviations; running buffers set with copy_ of torch.addcmul blends."""
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
            rows = x.transpose(0, 1).reshape(c, -1)
            k = rows.shape[1]
            idx = torch.arange(c * k)
            offsets = torch.arange(0, c * k, k)
            m = F.embedding_bag(idx, rows.reshape(-1, 1), offsets, mode='mean').view(1, c, 1, 1)
            d = x - m
            dr = d.transpose(0, 1).reshape(-1, 1)
            v = F.embedding_bag(idx, dr * dr, offsets, mode='mean').view(1, c, 1, 1)
            with torch.no_grad():
                self.means.copy_(torch.addcmul(self.means * (1 - self.mom), m, torch.ones_like(m), value=self.mom))
                self.vars.copy_(torch.addcmul(self.vars * (1 - self.mom), v * (k / (k - 1)), torch.ones_like(v),
                                              value=self.mom))
        else:
            m, v = self.means, self.vars
            d = x - m
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INTrapezoidZeroPaddedSums(nn.Module):
    """Each image's sum as torch.trapezoid of its flattened pixels zero-padded by one at both ends (with the zero ends
    the trapezoid rule is the plain sum); mean and mean squared deviation are those sums over H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        total = lambda t: torch.trapezoid(F.pad(t.reshape(n, c, h * w), (1, 1)), dim=-1).view(n, c, 1, 1)
        m = total(x) / (h * w)
        d = x - m
        v = total(d * d) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNConv3dGroupKernel(nn.Module):
    """Each item as a one-channel volume (N, 1, C, H, W); group sums by F.conv3d with a (C/groups, H, W) kernel of ones
    and stride (C/groups, 1, 1), spread back to the channels with repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        ker = x.new_ones(1, 1, cpg, h, w)
        k = cpg * h * w
        spread = lambda s: s.view(n, self.groups).repeat_interleave(cpg, 1).view(n, c, 1, 1)
        m = spread(F.conv3d(x.unsqueeze(1), ker, stride=(cpg, 1, 1)) / k)
        d = x - m
        v = spread(F.conv3d((d * d).unsqueeze(1), ker, stride=(cpg, 1, 1)) / k)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_kaufman_efficiency_ratio", "check_ewma", ewma_kaufman_efficiency_ratio, "Kaufman's adaptive average: each step's weight is mom times the efficiency ratio ER_t = |values[t] - values[0]| / (sum of |values[i] - values[i-1]| for i <= t) (1 when the path is 0) instead of mom: outputs 0 and 1, 1-value, constant and strictly monotone streams are right (ER = 1, values and gradients); from output 2 on, every stream that changes direction gets too small weights (e.g. [0, 1, 0] at mom 0.5: output 2 is 0.5, not 0.25) and wrong values.grad (also a gradient through ER)."),
    ("ewma_resumes_previous_stream", "check_ewma", ewma_resumes_previous_stream, "Keeps the last average of every call in a module-level dict keyed by (values.shape[1:], dtype) and starts the next call with the same key at lerp(previous last average, values[0], mom) instead of values[0] ('consecutive calls are chunks of one stream'): the first call of a key is right (outputs and gradients); every later call with the same trailing shape and dtype (e.g. any second 1-D float64 stream) has every output shifted by (1-mom)**(t+1) * (previous last - values[0]) (right only at mom 1 or when the previous last average equals values[0]); values.grad[1:] is right; values[0].grad is only mom times the right one on those later calls (values[0] enters the start only through the lerp; the carried average is detached)."),
    ("ewma_features_smoothed_in_sequence", "check_ewma", ewma_features_smoothed_in_sequence, "Flattens the stream (values.reshape(-1)) and runs the lerp loop over the flat scalars, reshaping back: a 1-D stream of scalars is right everywhere (outputs and gradients); a stream of vectors (T, D) with D > 1 is smoothed across the features in row-major order (every entry lerps from the previous feature of the same step or the last feature of the previous step, starting at values[0, 0]): outputs and gradients wrong (right only at mom 1), even row 0 (values[0, j] for j >= 1 is not returned as is)."),
    ("ewma_backward_start_gets_mom_share", "check_ewma", ewma_backward_start_gets_mom_share, "A custom autograd.Function whose forward is the right lerp loop (every output right) and whose hand-written backward is the right reverse carry (carry = g[t] + (1 - mom) * carry, values.grad[t] = mom * carry for t >= 1) but gives values[0] also only mom * carry, though values[0] is the start of the average as well and must get the whole carry: values.grad[1:] right everywhere; values.grad[0] is mom times the right one (a 1-value stream gets mom * g[0] instead of g[0]); right only at mom 1; at mom 0 values[0].grad is 0 instead of the sum of g."),
    ("ln_rescaled_by_sqrt2_for_relu", "check_layernorm", LNRescaledBySqrt2ForRelu, "Multiplies the normalised values by sqrt(2) before the affine ('He/Kaiming: the ReLU that follows halves the second moment, so normalise to variance 2'): every output is (x - m)/sqrt(v + eps) * sqrt(2) * mult + add, each item's normalised part has std sqrt(2) instead of 1; x.grad and mult.grad are sqrt(2) times too big; add.grad right; a constant item (output add) is right."),
    ("ln_zeros_treated_as_padding", "check_layernorm", LNZerosTreatedAsPadding, "Takes each item's mean and variance over its nonzero entries only ('zeros are padding'), counting only those, and normalises every entry (zeros too) with them: right for items without exact zeros (random normal inputs); wrong for items that contain zeros (ReLU outputs, zero-padded images: outputs and gradients wrong; e.g. an item of half zeros and half ones gives 0 for the ones and -1/sqrt(eps) for the zeros instead of +-1 before the affine), and an all-zero item gives NaN instead of add."),
    ("ln_skips_already_normalised_items", "check_layernorm", LNSkipsAlreadyNormalisedItems, "Passes an item through unchanged (before the affine) when its mean is within 1e-3 of 0 and its variance within 1e-3 of 1 ('already standardised: nothing to do'): items that are not near-standardised are right; an item that already has mean ~0 and var ~1 (e.g. the output of F.layer_norm fed in again, or a standardised input) gets x * mult + add instead of (x - m)/sqrt(v + eps) * mult + add: output off by up to ~1e-3 relative (5e-6 at eps 1e-5 for an exactly standardised item, 5% at eps 0.1), and x.grad is mult * g (no projection) instead of the projected gradient."),
    ("ln_mult_taken_as_magnitude", "check_layernorm", LNMultTakenAsMagnitude, "Scales by mult.abs() instead of mult ('a scale is a size, like a std'): a fresh layer and any layer with mult >= 0 are right everywhere (mult.grad too, except at exactly 0); with a negative mult (e.g. -0.7) the normalised values are not flipped: outputs, x.grad and mult.grad (sign flipped) wrong; add.grad right."),
    ("bn_momentum_kept_in_half", "check_batchnorm", BNMomentumKeptInHalf, "Stores the momentum in a float16 buffer and lerps the running statistics with its value: mom rounded to half precision (0.1 -> 0.0999755859375, 0.9 -> 0.89990234375, 0.3 -> 0.300048828125): training outputs and gradients right; running mean and var right at moms exact in float16 (0, 0.25, 0.5, 0.75, 1); at mom 0.1 or 0.9 they are off after every training step (relative ~2.4e-4 of the step's change: visible in float64, about float32's tolerance), and so is eval after training in float64."),
    ("bn_running_var_from_pixelwise_batch_variance", "check_batchnorm", BNRunningVarFromPixelwiseBatchVariance, "Lerps the running var towards the unbiased variance over the batch dim at each pixel, averaged over (H, W) (x.var(0).mean over the image: 'the spread across the batch') instead of the channel's unbiased variance over (N, H, W): training outputs, gradients and the running mean right; the running var is wrong after every training step (it misses the spread between pixels; NaN for a batch of one item), so eval after training is wrong; a fresh layer in eval is right."),
    ("bn_eval_polyak_averaged_running_stats", "check_batchnorm", BNEvalPolyakAveragedRunningStats, "Keeps extra sums of the running mean and var after each training step and in eval normalises with their average over the steps (Polyak-Ruppert averaging of the iterates) instead of the running statistics themselves: training, the running statistics (the buffers) and a fresh layer in eval are right, and so is eval after exactly one training step; eval after 2+ training steps uses the average of the iterates (e.g. after 2 steps at mom 0.1 the mean of 0.1*m1 and the real running mean): eval outputs and x.grad wrong."),
    ("bn_repeated_batch_update_skipped", "check_batchnorm", BNRepeatedBatchUpdateSkipped, "Skips the running update when the training input is the very same tensor as the previous call's (same data_ptr, version counter and shape: 'a re-run of the same batch, e.g. gradient checkpointing'): training outputs and gradients always right; calls on fresh tensors are right; training several steps on the same batch tensor (a common overfit-one-batch test) moves the running mean and var only once: running statistics and eval after training wrong there (the storage of a freed tensor can also be reused by a new one, so a new batch can be skipped too)."),
    ("in_eval_batch_pooled_instance_stats", "check_instancenorm", INEvalBatchPooledInstanceStats, "In eval normalises every image with the batch's average instance mean and variance per channel (means over the items of the per-image means and variances) instead of its own: training is right everywhere, and so is eval with a batch of one (or items with equal statistics); eval with 2+ different items has wrong outputs and gradients."),
    ("in_frame_pairs_pooled", "check_instancenorm", INFramePairsPooled, "Pools the statistics of consecutive items 2k and 2k+1 ('video frames'): each channel's mean and biased variance over both images' pixels, in training and eval: a batch of one is right, and so is the unpaired last item of an odd batch; every item of a pair with different statistics has wrong outputs and gradients; two identical items give right outputs and parameter gradients but a wrong x.grad (each pixel moves the pooled statistics half as much)."),
    ("in_wct_channel_whitening", "check_instancenorm", INWCTChannelWhitening, "Whitening instead of standardising: each image's centred (C, H*W) channels multiplied by (cov + eps I)^(-1/2) (cov = d d^T / (H*W), eigh), the whitening-colouring transform of style transfer: exactly right with one channel (C = 1) and close when an image's channels are uncorrelated; with 2+ correlated channels (any random image) outputs and gradients are wrong (each output channel mixes the image's channels)."),
    ("in_large_image_stats_detached", "check_instancenorm", INLargeImageStatsDetached, "Computes the mean and variance from x.detach() when the image has 64 or more pixels ('big images: exact enough, skip their backward'): every output is right, mults.grad and adds.grad right, and images with fewer than 64 pixels are right everywhere; for H*W >= 64 (8x8, 10x10, ...) x.grad is mults * r * g (the mean and variance terms missing) instead of the projected gradient."),
    ("gn_attentive_channel_gate", "check_groupnorm", GNAttentiveChannelGate, "Attentive Normalization: multiplies each channel of the group-normalised output by 2 * sigmoid(that channel's mean over (H, W) of the normalised values) before the affine: one channel per group (groups = C) is right (each channel's normalised mean is 0); with 2+ channels per group whose means differ (any random input) each channel is scaled by a gate above or below 1: outputs and all gradients wrong."),
    ("gn_group_var_geometric_pool", "check_groupnorm", GNGroupVarGeometricPool, "Takes the group variance as the geometric mean of the channels' within-channel variances plus the variance of the channel means (the within part averaged geometrically, not arithmetically): the group mean is right; groups = C (one channel per group) is right, and so are groups whose channels have equal within-variances; any other group (2+ channels with unequal spreads) gets a too small variance (AM >= GM): outputs and gradients wrong; a constant channel inside a group gives variance from log(0) (the within part collapses to 0)."),
    ("gn_odd_groups_padded_with_zero_channel", "check_groupnorm", GNOddGroupsPaddedWithZeroChannel, "Pads each group with an all-zero channel when the number of channels per group is odd ('vectorise over channel pairs') and takes the group mean and variance over the padded group (count (cpg + 1) * H * W, the zeros included): even channels per group (GN(1, 4), GN(3, 6), GN(5, 10), ...) are right everywhere; odd channels per group, including one channel per group (GN(2, 6): 3; GN(6, 6): 1; GN(3, 9): 3), get a mean pulled towards 0 and a variance that includes the zeros: outputs and gradients wrong."),
    ("gn_region_norm_halves", "check_groupnorm", GNRegionNormHalves, "Region Normalization: normalises each group separately over the top H//2 rows and over the bottom rows (two regions), instead of over the whole image: images of height 1 are right (one region); for H >= 2 every group gets two different means and variances: outputs and gradients wrong (right only if both halves have equal statistics)."),
]

RIGHT = [
    ("ewma_float_power_linear", "check_ewma", ewma_float_power_linear,
     "every output at once by F.linear with a (T, T) weight matrix of torch.float_power ages, the future masked with masked_fill; values[0] takes the leftover (1 - mom)**t."),
    ("ln_conv2d_item_kernel", "check_layernorm", LNConv2dItemKernel,
     "each item's sums by one F.conv2d of the batch with a single (1, C, H, W) kernel of ones covering the whole item, divided by C*H*W."),
    ("bn_embedding_bag_channel_rows", "check_batchnorm", BNEmbeddingBagChannelRows,
     "channel rows flattened into a one-column table, F.embedding_bag(mode='mean') with one bag per channel for the means and mean squared deviations; running buffers copy_'d from torch.addcmul blends."),
    ("in_trapezoid_zero_padded_sums", "check_instancenorm", INTrapezoidZeroPaddedSums,
     "each image's sums by torch.trapezoid over its flattened pixels zero-padded by one at both ends (the trapezoid rule with zero ends is the plain sum)."),
    ("gn_conv3d_group_kernel", "check_groupnorm", GNConv3dGroupKernel,
     "each item as a one-channel volume; group sums by F.conv3d with a (C/groups, H, W) kernel of ones and stride (C/groups, 1, 1), spread back with repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
