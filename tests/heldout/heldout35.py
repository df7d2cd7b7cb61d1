"""Thirty-fifth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout34 (heldoutN.py).
       Every one changes a computed number, an output's accuracy, a gradient or a running statistic (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_ages_int8(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=torch.int8)                           # "ages are small whole numbers: a byte is plenty"
    age = (t[:, None] - t[None, :]).to(values.dtype)                # (int8 wraps past 127: long streams get wrong ages)
    tt = t.to(values.dtype)
    W = torch.where(age >= 0, mom * (1 - mom) ** age.clamp(min=0), torch.zeros((), dtype=values.dtype))
    W[:, 0] = torch.where(age[:, 0] >= 0, (1 - mom) ** tt.clamp(min=0), torch.zeros((), dtype=values.dtype))
    return W @ values


def ewma_target_detached(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + mom * (v - avg.detach())                        # "the gap to the new value is a target, like a TD target:
        out.append(avg)                                             #  stop its gradient"
    return torch.stack(out)


def ewma_short_streams_as_floats(values, mom):
    if len(values) <= 8:                                            # "short streams: plain Python floats are faster than
        avg, out = values[0].item(), []                             #  tensor ops; rebuild a tensor at the end"
        for v in values.tolist():
            avg = avg + mom * (v - avg)
            out.append(avg)
        return torch.tensor(out, dtype=values.dtype)
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_fft_circular(values, mom):
    n = len(values)
    k = torch.arange(n, dtype=values.dtype)
    h = mom * (1 - mom) ** k                                        # the impulse response mom*(1-mom)**k
    conv = torch.fft.irfft(torch.fft.rfft(values) * torch.fft.rfft(h), n)   # "convolution theorem" (no zero padding:
    return conv + (1 - mom) ** (k + 1) * values[0]                          #  the convolution is circular)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        return self.norm(x) * self.mult + self.add


class LNChunkedMeanOfMeans(_LNBase):
    def norm(self, x):
        flat = x.flatten(1)
        chunks = flat.split(64, dim=1)                              # "big items: average in chunks of 64 (vectorised), then
        m = torch.stack([c.mean(1) for c in chunks], 1).mean(1)     #  average the chunk averages"
        sq = torch.stack([(c * c).mean(1) for c in chunks], 1).mean(1)
        v = (sq - m * m).view(-1, 1, 1, 1)
        m = m.view(-1, 1, 1, 1)
        return (x - m) / (v + self.eps).sqrt()


class LNBackwardHookPerBatch(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        # "the loss is summed over the batch: divide the input gradient by the batch size so its scale does not grow with N"
        self.register_full_backward_hook(
            lambda mod, gin, gout: tuple(None if g is None else g / g.shape[0] for g in gin))


class LNIdentityAffineSkipped(_LNBase):
    def forward(self, x):
        xn = self.norm(x)
        if bool(self.mult == 1) and bool(self.add == 0):            # "an identity affine does nothing: skip two ops"
            return xn
        return xn * self.mult + self.add


class LNMeanRoundedForReproducibility(_LNBase):
    def norm(self, x):
        m = torch.round(x.mean((1, 2, 3), keepdim=True), decimals=4)   # "round the statistics to 4 decimals so runs agree
        d = x - m                                                       #  bit for bit across machines"
        v = (d * d).mean((1, 2, 3), keepdim=True)
        return d / (v + self.eps).sqrt()


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


class BNSmallBatchInstanceStats(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)                                        # the running statistics from the whole batch (right)
        if x.shape[0] < 4:                                          # "fewer than 4 images: batch statistics are too noisy,
            m = x.mean((2, 3), keepdim=True)                        #  normalise each image with its own (InstanceNorm's)"
            v = x.var((2, 3), keepdim=True, correction=0)
        return self.normalise(x, m, v)


class BNReluFused(_BNBase):
    def forward(self, x):
        return F.relu(super().forward(x))                           # "BatchNorm is always followed by a ReLU: fuse it in"


class BNCheckpointed(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        # "activation checkpointing: save memory, recompute the forward in the backward"
        return torch.utils.checkpoint.checkpoint(super().forward, x, use_reentrant=False)


class BNEvalClampsToTrainingRange(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.register_buffer('lo', torch.full((1, nf, 1, 1), -math.inf))
        self.register_buffer('hi', torch.full((1, nf, 1, 1), math.inf))
        self.seen = False

    def forward(self, x):
        if self.training:
            with torch.no_grad():                                   # "remember each channel's range seen in training"
                lo, hi = x.amin((0, 2, 3), keepdim=True), x.amax((0, 2, 3), keepdim=True)
                if not self.seen:
                    self.lo.copy_(lo); self.hi.copy_(hi); self.seen = True
                else:
                    torch.minimum(self.lo, lo, out=self.lo); torch.maximum(self.hi, hi, out=self.hi)
            return super().forward(x)
        x = torch.maximum(torch.minimum(x, self.hi), self.lo)       # "at inference clip inputs to the training range
        return super().forward(x)                                   #  (an out-of-distribution guard)"


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class INLocal3x3Contrast(_INBase):
    def norm(self, x):
        pool = lambda t: F.avg_pool2d(t, 3, stride=1, padding=1, count_include_pad=False)
        m = pool(x)                                                 # "instance statistics, taken locally: each pixel with its
        v = (pool(x * x) - m * m).clamp(min=0)                      #  3x3 neighbourhood (local contrast normalisation)"
        return (x - m) / (v + self.eps).sqrt()


class INStatsWinsorised(_INBase):
    def norm(self, x):
        s0, m0 = torch.std_mean(x, (2, 3), keepdim=True, correction=0)
        xc = torch.clamp(x, m0 - 2 * s0, m0 + 2 * s0)               # "robust statistics: winsorise each image at 2 sigma
        m = xc.mean((2, 3), keepdim=True)                           #  before taking its mean and variance"
        v = xc.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class INHalfDetachedSquare(_INBase):
    def norm(self, x):
        m = x.mean((2, 3), keepdim=True)
        d = x - m
        v = (d * d.detach()).mean((2, 3), keepdim=True)             # "d * d.detach(): same value, and the backward keeps
        return d / (v + self.eps).sqrt()                            #  one copy of d less"


class INMeanViaTrapezoid(_INBase):
    def norm(self, x):
        h, w = x.shape[2:]
        area = lambda t: torch.trapezoid(torch.trapezoid(t, dim=-1), dim=-1) / ((h - 1) * (w - 1))
        m = area(x)[..., None, None]                                # "the mean of an image is its integral over its area"
        d = x - m
        v = area(d * d)[..., None, None]
        return d / (v + self.eps).sqrt()


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x, groups=None):
        g = groups or self.groups
        xg = x.reshape(x.shape[0], g, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNGroupsHalvedUntil16Values(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        g = self.groups
        while g > 1 and (c // g) * h * w < 16:                      # "a group needs at least 16 values for a stable variance:
            g = max(1, g // 2)                                      #  merge groups (halve their number) until it has them"
        return self.norm(x, g) * self.mults + self.adds


class GNMultsAveragedWithinGroup(_GNBase):
    def forward(self, x):
        c = x.shape[1]
        cpg = c // self.groups
        gain = self.mults.view(self.groups, cpg).mean(1).repeat_interleave(cpg).view(c, 1, 1)   # "a group is normalised
        return self.norm(x) * gain + self.adds                                                     #  together: one gain each"


class GNInverseVarianceWeightedMean(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        vc, mc = torch.var_mean(x, (2, 3), correction=0)            # per-channel moments (N, C)
        wgt = 1 / (vc + self.eps)                                   # "combine the channel means with inverse-variance weights:
        wg = wgt.view(n, self.groups, cpg)                          #  the statistically best estimate of the group mean"
        mg = (wg * mc.view(n, self.groups, cpg)).sum(-1) / wg.sum(-1)
        m = mg.repeat_interleave(cpg, 1).view(n, c, 1, 1)
        d = x - m
        v = (d * d).mean((2, 3)).view(n, self.groups, cpg).mean(-1).repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNChanMergeMissingCount(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        k = x.shape[2] * x.shape[3]
        vc, mc = torch.var_mean(x, (2, 3), correction=0)
        vc, mc = vc.view(n, self.groups, cpg), mc.view(n, self.groups, cpg)
        cnt, mean, m2 = k, mc[..., 0], vc[..., 0] * k
        for j in range(1, cpg):                                     # Chan et al.'s merge of (count, mean, M2), channel by channel
            delta = mc[..., j] - mean
            tot = cnt + k
            mean = mean + delta * k / tot
            m2 = m2 + vc[..., j] * k + delta * delta * k / tot      # (delta**2 * n_a * n_b / n meant: n_a left out)
            cnt = tot
        v = m2 / cnt
        sp = lambda t: t.repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return (x - sp(mean)) / (sp(v) + self.eps).sqrt() * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_sdpa_log_weights(values, mom):
    """Every output as an attention read-out: F.scaled_dot_product_attention with zero queries and keys, so the scores are just
    the additive attn_mask, which holds the log closed-form weights (log mom + age*log(1-mom); the start t*log(1-mom); -inf for
    the future); the softmax of log weights that already sum to 1 gives the weights themselves, applied to the values."""
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    age = t[:, None] - t[None, :]
    lm, l1 = math.log(mom), math.log1p(-mom)
    logw = torch.where(age >= 0, lm + age.clamp(min=0) * l1, torch.full_like(age, -math.inf))
    logw[:, 0] = t * l1
    z = values.new_zeros(1, n, 1)
    return F.scaled_dot_product_attention(z, z, values.view(1, n, 1), attn_mask=logw[None]).view(n)


class LNBilinearQuadraticForms(nn.Module):
    """Each item's mean and mean squared deviation as quadratic forms with F.bilinear: the mean as flat^T (J/K) 1 with a
    (1, K, 1) weight of 1/K and a column of ones, the variance as d^T (I/K) d with a (1, K, K) weight eye(K)/K; both accumulated in float64 and cast back."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        f64 = flat.double()                                         # the quadratic forms accumulated in float64
        k = flat.shape[1]
        m = F.bilinear(f64, f64.new_ones(f64.shape[0], 1), f64.new_full((1, k, 1), 1 / k)).to(x.dtype)
        d = flat - m
        d64 = d.double()
        v = F.bilinear(d64, d64, (torch.eye(k, dtype=torch.float64) / k)[None]).to(x.dtype)
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNForwardHookUpdates(nn.Module):
    """The forward only normalises (batch statistics in training, running ones in eval); the running statistics are blended in
    a forward hook registered on itself in __init__, which recomputes the batch moments of the input under no_grad."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))
        self.register_forward_hook(BNForwardHookUpdates._track)

    @staticmethod
    def _track(mod, inputs, output):
        if not mod.training:
            return None
        x = inputs[0]
        with torch.no_grad():
            vu, m = torch.var_mean(x, (0, 2, 3), keepdim=True, correction=1)
            mod.means.mul_(1 - mod.mom).add_(m, alpha=mod.mom)
            mod.vars.mul_(1 - mod.mom).add_(vu, alpha=mod.mom)
        return None

    def forward(self, x):
        if self.training:
            v, m = torch.var_mean(x, (0, 2, 3), keepdim=True, correction=0)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


class INRfft2ParsevalWeighted(nn.Module):
    """Mean from the DC term of torch.fft.rfft2 and variance by Parseval over the half spectrum, each rfft2 column weighted by
    how many columns of the full spectrum it stands for (1 for column 0 and, for even widths, the last; 2 for the others); the spectrum in float64, the moments cast back."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        k = h * w
        X = torch.fft.rfft2(x.double())                             # the spectrum in float64, the moments cast back
        cols = X.shape[-1]
        wts = torch.full((cols,), 2.0, dtype=torch.float64)
        wts[0] = 1.0
        if w % 2 == 0:
            wts[-1] = 1.0
        m = (X[..., :1, :1].real / k).to(x.dtype)
        power = (X.real ** 2 + X.imag ** 2) * wts
        v = ((power.sum((2, 3), keepdim=True) - X[..., :1, :1].real ** 2) / k ** 2).to(x.dtype)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNKronSpread(nn.Module):
    """Per-channel first and second moments pooled into groups by a view and mean, then spread back to the channels with
    torch.kron(group stats, ones(1, C/groups)); variance = pooled mean square - mean**2."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        ones = x.new_ones(1, cpg)
        spread = lambda t: torch.kron(t.view(n, self.groups, cpg).mean(-1), ones).view(n, c, 1, 1)
        m = spread(x.mean((2, 3)))
        d = x - m
        v = spread((d * d).mean((2, 3)))
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_ages_int8", "check_ewma", ewma_ages_int8, "Closed form whose ages come from torch.arange(n, dtype=torch.int8) ('ages are small whole numbers: a byte is plenty'): streams of up to 128 values are right everywhere; on longer streams int8 wraps past 127, so value ages of 128+ (and output indices of 128+) come out negative or wrong: the later outputs drop or misweight the old values and the start term (outputs and gradients wrong on a 200-value stream wherever (1-mom)**128 is not negligible: here mom 0.1 in float64 and float32 (max diff 0.005), and barely (2e-9) mom 0.3 in float64 on the stream that starts at 0)."),
    ("ewma_target_detached", "check_ewma", ewma_target_detached, "avg = avg + mom * (v - avg.detach()) ('the gap to the new value is a target, like a TD target: stop its gradient'): every output is right, but each step passes the previous average's gradient through with factor 1 instead of 1 - mom, so values.grad is wrong on every stream (too large for the older values; even a 1-value stream gets 1 + mom instead of 1)."),
    ("ewma_short_streams_as_floats", "check_ewma", ewma_short_streams_as_floats, "For streams of at most 8 values runs the loop on Python floats (values.tolist()) and rebuilds the result with torch.tensor(out, dtype=values.dtype) ('plain floats are faster for short streams'); longer streams use the lerp loop: every output (values and dtype) is right, and long streams pass the right gradients, but a short stream's output is a new leaf with no graph, so on streams of 1 to 8 values backward raises RuntimeError ('element 0 of tensors does not require grad') and values.grad stays None, while longer streams pass the right gradients (an EWMA that passes gradients must pass them on every stream)."),
    ("ewma_fft_circular", "check_ewma", ewma_fft_circular, "Convolves the stream with the impulse response mom*(1-mom)**k by the convolution theorem (irfft(rfft(values) * rfft(h), n)) without zero-padding to 2n, then adds the start term (1-mom)**(t+1)*values[0]: the convolution is circular, so every output t also collects the later values j > t with weight mom*(1-mom)**(n+t-j): wrong on short streams at every mom (clearly on 2 and 5 values), while on 200-value streams the wrapped-around weights (1-mom)**(n+t-j) are negligible except for the last values' contribution to the first outputs at mom 0.1 (float64)."),
    ("ln_chunked_mean_of_means", "check_layernorm", LNChunkedMeanOfMeans, "Takes each item's mean (and mean square) as the plain average of the means of its chunks of 64 values (flat.split(64)) ('vectorised chunks, then average the chunk averages'): items of at most 64 values, or a multiple of 64, are right everywhere; for other sizes above 64 (here K = 96, 100, 120) the last, shorter chunk is over-weighted, so the mean and variance, the outputs and gradients are wrong."),
    ("ln_backward_hook_per_batch", "check_layernorm", LNBackwardHookPerBatch, "Registers a full backward hook in __init__ that divides the input gradient by the batch size ('the loss is summed over the batch: keep the gradient's scale independent of N'): outputs and the mult/add gradients are right everywhere, and batches of one item are right everywhere; for N >= 2 x.grad is N times too small."),
    ("ln_identity_affine_skipped", "check_layernorm", LNIdentityAffineSkipped, "Returns the normalised values without the affine step when mult == 1 and add == 0 ('an identity affine does nothing: skip two ops'): every output and x.grad is right, but while the parameters are at their initial values (a fresh layer) mult and add get no gradient at all (None), instead of sum(g * xhat) and sum(g); trained parameters are right everywhere."),
    ("ln_mean_rounded_for_reproducibility", "check_layernorm", LNMeanRoundedForReproducibility, "Rounds each item's mean to 4 decimals (torch.round(m, decimals=4): 'so runs agree bit for bit') and normalises around it: the centre is off by up to 5e-5 (outputs wrong at float64 accuracy, mostly within float32's tolerance), and rounding has zero gradient, so x.grad misses the path through the mean on every input (the -mean(g)-like term), in float32 too."),
    ("bn_small_batch_instance_stats", "check_batchnorm", BNSmallBatchInstanceStats, "In training, a batch of fewer than 4 images is normalised with each image's own per-channel mean and variance (InstanceNorm's: 'small batches give noisy statistics') instead of the batch's; the running statistics are still updated from the whole batch (right): batches of 1 (where the two agree) and of 4+ are right everywhere; training outputs and gradients are wrong for batches of 2 or 3; eval is right."),
    ("bn_relu_fused", "check_batchnorm", BNReluFused, "Applies a ReLU to the output in training and eval ('BatchNorm is always followed by a ReLU: fuse it in'): every negative output becomes 0 and passes no gradient, so outputs, x.grad and the mults/adds gradients are wrong on every ordinary input; the running statistics are right."),
    ("bn_checkpointed", "check_batchnorm", BNCheckpointed, "Wraps the training forward in torch.utils.checkpoint (use_reentrant=False: 'save memory, recompute in the backward'): outputs and gradients are right, but the backward recomputes the forward, which blends the running statistics a second time: after every training step that is backpropagated the running mean and var have moved twice towards the batch's (1 - (1-mom)**2 of the way); a training call without backward updates them once (right); eval is right given the buffers."),
    ("bn_eval_clamps_to_training_range", "check_batchnorm", BNEvalClampsToTrainingRange, "Records each channel's min and max over the training batches in extra buffers and in eval clamps the input to that range ('an out-of-distribution guard'): training, the running statistics and a fresh layer in eval are right; after training, eval inputs outside the seen range are clipped: their outputs are wrong and their input gradient is 0."),
    ("in_local_3x3_contrast", "check_instancenorm", INLocal3x3Contrast, "Normalises each pixel with the mean and variance of its own 3x3 neighbourhood (F.avg_pool2d(3, stride 1, padding 1, count_include_pad=False): 'local contrast normalisation') instead of the whole image's: outputs and gradients are wrong on every image larger than 3x3 in either direction (every shape here)."),
    ("in_stats_winsorised", "check_instancenorm", INStatsWinsorised, "Clamps each image to its mean +- 2 standard deviations before taking the mean and variance ('robust statistics: winsorise at 2 sigma'), but normalises the unclamped image: images with no pixel beyond 2 sigma are right; any image with an outlier beyond 2 sigma gets a shrunk variance (and shifted mean), so its outputs are too large and its gradients wrong (the clipped pixels pass no gradient into the statistics)."),
    ("in_half_detached_square", "check_instancenorm", INHalfDetachedSquare, "Takes the variance as mean(d * d.detach()) ('same value, one copy of d less in the backward'): every output is right, and the mults/adds gradients are right, but the gradient through the variance is halved, so x.grad is wrong on every non-constant image."),
    ("in_mean_via_trapezoid", "check_instancenorm", INMeanViaTrapezoid, "Takes each image's mean (and mean squared deviation) as its double torch.trapezoid integral divided by (H-1)(W-1) ('the mean is the integral over the area'): the trapezoid rule weights the border pixels by 1/2 and the corners by 1/4, so the statistics are wrong (right only for a constant image), and the outputs and gradients of every non-constant image are wrong."),
    ("gn_groups_halved_until_16_values", "check_groupnorm", GNGroupsHalvedUntil16Values, "In forward halves the number of groups (integer division) while a group holds fewer than 16 values ((C/groups)*H*W < 16: 'a group needs enough values for a stable variance'): layers whose groups already hold 16+ values are right everywhere; small images with many groups (here 4 groups of 8 channels on 3x2 images, 4 groups of 4 channels on 3x5 images) are normalised with fewer, larger groups: outputs and gradients wrong."),
    ("gn_mults_averaged_within_group", "check_groupnorm", GNMultsAveragedWithinGroup, "Multiplies every channel by the mean of its group's mults ('a group is normalised together: one gain per group') instead of its own: one channel per group is right everywhere; with 2+ channels per group a fresh layer's outputs and x.grad are right but mults.grad is each group's average (not per channel), and with trained (unequal) mults outputs, x.grad and mults.grad are wrong; adds is right."),
    ("gn_inverse_variance_weighted_mean", "check_groupnorm", GNInverseVarianceWeightedMean, "Combines the channel means of a group with inverse-variance weights 1/(var_c + eps) ('the statistically best estimate of the group mean') and takes the variance about that centre: one channel per group is right everywhere; with 2+ channels per group whose variances differ, the centre (and so the variance, outputs and gradients) is wrong; a constant channel in a group pulls the centre to its own value."),
    ("gn_chan_merge_missing_count", "check_groupnorm", GNChanMergeMissingCount, "Merges the channels' (count, mean, M2) into the group's with Chan et al.'s formula channel by channel, but adds delta**2 * n_b / n instead of delta**2 * n_a * n_b / n (n_a left out): the group mean is right, and one channel per group is right everywhere; with 2+ channels per group the between-channel spread is under-counted, so the variance is too small and outputs and gradients wrong."),
]

RIGHT = [
    ("ewma_sdpa_log_weights", "check_ewma", ewma_sdpa_log_weights,
     "every output an attention read-out: F.scaled_dot_product_attention with zero queries and keys, the log closed-form weights (-inf for the future) as the additive attn_mask."),
    ("ln_bilinear_quadratic_forms", "check_layernorm", LNBilinearQuadraticForms,
     "each item's mean and mean squared deviation as quadratic forms by F.bilinear (a (1, K, 1) weight of 1/K against a column of ones; a (1, K, K) weight eye(K)/K), accumulated in float64 and cast back."),
    ("bn_forward_hook_updates", "check_batchnorm", BNForwardHookUpdates,
     "forward only normalises; the running statistics are blended by a forward hook the layer registers on itself, recomputing the input's batch moments under no_grad (mul_/add_(alpha))."),
    ("in_rfft2_parseval_weighted", "check_instancenorm", INRfft2ParsevalWeighted,
     "mean from the DC term of torch.fft.rfft2, variance by Parseval over the half spectrum with each column weighted by how many full-spectrum columns it stands for (1 or 2); spectrum in float64, moments cast back."),
    ("gn_kron_spread", "check_groupnorm", GNKronSpread,
     "per-channel moments pooled into groups by a view and mean, spread back to the channels with torch.kron(group stats, ones(1, C/groups))."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
