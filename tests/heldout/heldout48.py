"""Forty-eighth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/heldout*.py (sets 2 to 41 and 43 to 46) or
       /work/heldout47/heldout47.py. Every one changes a computed number: an output, a gradient, a running statistic
       or an eval output (none is a state_dict-key-only fault); every one is deterministic (no random draws, nothing
       keyed on memory addresses, allocator reuse or timing). Some keep state on purpose: module-level
       (gn_group_index_cached_by_channels: _GROUP_OF_CHANNEL, cleared by reset_state() before judging an entry on its
       own) or per layer (in_stats_smoothed_across_calls, bn_eval_twice_loses_momentum).
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

def ewma_conv_same_padding(values, mom):
    n = len(values)
    age = torch.arange(n, dtype=values.dtype, device=values.device)
    kernel = mom * (1 - mom) ** age                                     # the weight of a value `age` steps old
    d = (values - values[0]).view(1, 1, n)                              # deviations from the start
    out = F.conv1d(d, kernel.flip(0).view(1, 1, n), padding='same')     # "padding='same': one output per value"
    return values[0] + out.view(n)


def ewma_cosine_mom_schedule(values, mom):
    n = len(values)
    avg, out = values[0], []
    for t, v in enumerate(values):                                      # "BYOL's target-network schedule: the weight
        w = mom * (1 + math.cos(math.pi * t / max(n - 1, 1))) / 2       #  of the new value anneals from mom to 0 along
        avg = torch.lerp(avg, v, w)                                     #  the stream (cosine), so it settles at the end"
        out.append(avg)
    return torch.stack(out)


def ewma_constant_stream_fast_path(values, mom):
    if bool((values == values[0]).all()):                               # "a constant stream is its own average:
        return values.clone()                                           #  skip the loop"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_closed_form_start_to_current(values, mom):
    t = torch.arange(len(values), dtype=values.dtype, device=values.device)
    # "after t steps the start keeps (1 - mom)**t of its weight and the rest has gone to the value"
    return torch.lerp(values[0].expand(len(values)), values, 1 - (1 - mom) ** t)


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


class LNStdRoundedToPowerOfTwo(_LNBase):
    def forward(self, x):
        m, v = self.stats(x)
        s = (v + self.eps).sqrt()
        s = 2 ** torch.round(torch.log2(s))                             # "shift-based normalisation (BinaryNet): divide by
        return (x - m) / s * self.mult + self.add                       #  the nearest power of two, a bit shift in hardware"


class _LNBackwardDefaultEps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        ctx.save_for_backward(x, mult)
        return (x - m) / (v + eps).sqrt() * mult + add

    @staticmethod
    def backward(ctx, g):
        x, mult = ctx.saved_tensors                                     # the statistics recomputed here, as F.layer_norm
        m = x.mean((1, 2, 3), keepdim=True)                             # would take them: with its default eps (the
        r = (x.var((1, 2, 3), keepdim=True, correction=0) + 1e-5).rsqrt()   # layer's eps was not saved in ctx)
        xhat = (x - m) * r
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True) - xhat * (g * xhat).mean((1, 2, 3), keepdim=True))
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardDefaultEps(_LNBase):
    def forward(self, x):
        return _LNBackwardDefaultEps.apply(x, self.mult, self.add, self.eps)


class LNPixelNorm(_LNBase):
    def forward(self, x):                                               # "normalise each feature vector (StyleGAN's
        return x / (x.pow(2).mean(1, keepdim=True) + self.eps).sqrt() * self.mult + self.add   # pixelwise norm)"


class LNStatsFromLeadingValues(_LNBase):
    def stats(self, x):
        flat = x.flatten(1)
        p = max(32, math.ceil(flat.shape[1] / 16))                      # "pRMSNorm: the statistics of the first 1/16 of
        part = flat[:, :p]                                              #  the values are as good (at least 32 of them)"
        return part.mean(1).view(-1, 1, 1, 1), part.var(1, correction=0).view(-1, 1, 1, 1)


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


class _BNGivenStats(torch.autograd.Function):
    """Normalises x with the statistics it is given; the backward is training BatchNorm's (it assumes they are x's own
    batch statistics)."""
    @staticmethod
    def forward(ctx, x, m, v, mults, adds, eps):
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat, r, mults)
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        gy = g * mults
        gx = r * (gy - gy.mean((0, 2, 3), keepdim=True) - xhat * (gy * xhat).mean((0, 2, 3), keepdim=True))
        return gx, None, None, (g * xhat).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None


class BNTrainingBackwardReusedInEval(_BNBase):
    def forward(self, x):
        if self.training:
            m, v = self.stats(x.detach())
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars                                # "one Function for both modes: only the
        return _BNGivenStats.apply(x, m, v, self.mults, self.adds, self.eps)   #  statistics differ"


class _BNAddsGradTimesMults(torch.autograd.Function):
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
        xhat, r, mults = ctx.saved_tensors
        gy = g * mults                                                  # the gradient through the scale ...
        gx = r * (gy - gy.mean((0, 2, 3), keepdim=True) - xhat * (gy * xhat).mean((0, 2, 3), keepdim=True))
        return gx, (g * xhat).sum((0, 2, 3)).view(mults.shape), gy.sum((0, 2, 3)).view(mults.shape), None   # ... reused
                                                                                                             # for adds


class BNBackwardAddsGradTimesMults(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        self.update(x, *self.stats(x.detach()))
        return _BNAddsGradTimesMults.apply(x, self.mults, self.adds, self.eps)


class BNEvalTwiceLosesMomentum(_BNBase):
    def train(self, mode=True):
        if mode:                                                        # "freeze the running statistics in eval: keep
            self.mom = getattr(self, '_train_mom', self.mom)            #  the momentum aside and set it to 0; give it
        else:                                                           #  back in train"
            self._train_mom, self.mom = self.mom, 0.0
        return super().train(mode)


class _BNMultsGradFromRunning(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps, run_m, run_v):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(x, xhat, r, mults, run_m, run_v)
        ctx.eps = eps
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        x, xhat, r, mults, run_m, run_v = ctx.saved_tensors
        gy = g * mults
        gx = r * (gy - gy.mean((0, 2, 3), keepdim=True) - xhat * (gy * xhat).mean((0, 2, 3), keepdim=True))
        xrun = (x - run_m) * (run_v + ctx.eps).rsqrt()                  # "the gain's gradient from the steadier running
        return gx, (g * xrun).sum((0, 2, 3)).view(mults.shape), g.sum((0, 2, 3)).view(mults.shape), None, None, None


class BNBackwardMultsGradFromRunningStats(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        self.update(x, *self.stats(x.detach()))
        return _BNMultsGradFromRunning.apply(x, self.mults, self.adds, self.eps,
                                             self.means.clone(), self.vars.clone())


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


class INRangeStdBanner(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        n = max(x.shape[2] * x.shape[3], 2)
        rng = x.amax((2, 3), keepdim=True) - x.amin((2, 3), keepdim=True)   # "Range BN (Banner et al. 2018): the std
        s = rng / math.sqrt(2 * math.log(n))                                #  from the range, C(n) = 1/sqrt(2 ln n):
        return (x - m) / (s * s + self.eps).sqrt() * self.mults + self.adds  #  no squares to sum, quantisation-friendly"


class INPatchwiseStats(_INBase):
    def forward(self, x):
        h, w = x.shape[2:]
        rows = []
        for i in range(0, h, 4):                                        # "normalise each 4x4 patch on its own (the
            cols = []                                                   #  image as ViT-style tokens)"
            for j in range(0, w, 4):
                p = x[:, :, i:i + 4, j:j + 4]
                m, v = self.stats(p)
                cols.append((p - m) / (v + self.eps).sqrt())
            rows.append(torch.cat(cols, 3))
        return torch.cat(rows, 2) * self.mults + self.adds


class INGreyscaleStatsShared(_INBase):
    def stats(self, x):
        m, v = super().stats(x)
        grey = torch.tensor([torch.equal(xi, xi[:1].expand_as(xi)) for xi in x.detach()]).view(-1, 1, 1, 1)
        if bool(grey.any()):                                            # "a greyscale image copied into every channel:
            m = torch.where(grey, m[:, :1].expand_as(m), m)             #  its channels are equal, so take channel 0's
            v = torch.where(grey, v[:, :1].expand_as(v), v)             #  statistics once and share them"
        return m, v


class INStatsSmoothedAcrossCalls(_INBase):
    def __init__(self, nf, eps=1e-5):
        super().__init__(nf, eps)
        self._prev = None

    def stats(self, x):
        m, v = super().stats(x)
        prev, self._prev = self._prev, (m.detach(), v.detach())
        if prev is not None and (prev[0].shape, prev[0].dtype, prev[0].device) == (m.shape, m.dtype, m.device):
            m = torch.lerp(prev[0], m, 0.8)                             # "video: keep each channel's statistics steady
            v = torch.lerp(prev[1], v, 0.8)                             #  from frame to frame (80% the new frame's)"
        return m, v


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


_GROUP_OF_CHANNEL = {}     # channel count -> group of each channel ("it depends only on C: build it once for all layers")


def reset_state():
    _GROUP_OF_CHANNEL.clear()


class GNGroupIndexCachedByChannels(_GNBase):
    def norm(self, x):
        c = x.shape[1]
        if c not in _GROUP_OF_CHANNEL:
            _GROUP_OF_CHANNEL[c] = torch.arange(c) // (c // self.groups)
        onehot = F.one_hot(_GROUP_OF_CHANNEL[c]).to(x.device, x.dtype)           # (C, G), G from the cached index
        per_group = onehot / onehot.sum(0)                              # averages the channels of each group
        gm = (x.mean((2, 3)) @ per_group) @ onehot.T                    # group means spread back to the channels
        d = x - gm[..., None, None]
        gv = ((d * d).mean((2, 3)) @ per_group) @ onehot.T
        return d / (gv[..., None, None] + self.eps).sqrt()


class GNNonContiguousFallback(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape
        try:
            xg = x.view(n, self.groups, -1)
            back = lambda t: t.view(n, c, h, w)                         # noqa: E731
        except RuntimeError:                                            # "a channels-last (or transposed) input cannot be
            xg = x.permute(0, 2, 3, 1).reshape(n, self.groups, -1)      #  viewed: its memory is NHWC, so group it in
            back = lambda t: t.reshape(n, h, w, c).permute(0, 3, 1, 2)  # noqa: E731   memory order and permute back"
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        return back((xg - m) / (v + self.eps).sqrt())


class GNCumulativeOverWidth(_GNBase):
    def norm(self, x):
        n, c, h, w = x.shape
        xg = x.reshape(n, self.groups, c // self.groups, h, w)
        cols = []
        for t in range(w):                                              # "cumulative layer norm (Conv-TasNet's cLN): the
            seen = xg[..., :t + 1]                                      #  width is time, so each column is normalised
            m = seen.mean((2, 3, 4), keepdim=True)                      #  with the statistics of the columns up to it"
            v = seen.var((2, 3, 4), keepdim=True, correction=0)
            cols.append((xg[..., t:t + 1] - m) / (v + self.eps).sqrt())
        return torch.cat(cols, 4).reshape(x.shape)


class GNBesselOverChannels(_GNBase):
    def norm(self, x):
        cpg = x.shape[1] // self.groups
        xg = x.reshape(x.shape[0], self.groups, -1)
        m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
        if cpg > 1:                                                     # "a group's channels are its samples: Bessel's
            v = v * cpg / (cpg - 1)                                     #  correction over them"
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)


# ================================================================= RIGHT answers

def ewma_conv_transpose_full(values, mom):
    """The deviations from values[0] run through F.conv_transpose1d with the decay kernel mom*(1-mom)**age (a transposed
    convolution is a full convolution, kernel unflipped, output length 2n-1), cut to the first n outputs, added back onto
    values[0]."""
    n = len(values)
    k = mom * (1 - mom) ** torch.arange(n, dtype=values.dtype, device=values.device)
    full = F.conv_transpose1d((values - values[0]).view(1, 1, n), k.view(1, 1, n))
    return values[0] + full.view(-1)[:n]


class LNIndexAddItemSums(nn.Module):
    """Each item's sum (of the values less the item's first value, added back after dividing) and sum of squared
    deviations by Tensor.index_add into an (N,) vector of zeros over the flattened batch, with the item index of every
    value (arange(N).repeat_interleave(C*H*W)); gathered back by that index."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n, k = x.shape[0], x[0].numel()
        item = torch.arange(n, device=x.device).repeat_interleave(k)
        flat = x.reshape(-1)
        first = x.reshape(n, k)[:, 0].detach()                         # a constant shift: no gradient path
        mean = first + x.new_zeros(n).index_add(0, item, flat - first[item]) / k
        d = flat - mean[item]
        var = x.new_zeros(n).index_add(0, item, d * d) / k
        return (d / (var[item] + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNDepthwiseConv1dChannelSums(nn.Module):
    """Each channel's batch sums (of the values less the channel's first value, then added back) by a depthwise F.conv1d
    (groups=C) with an all-ones kernel as long as the channel's (1, C, N*H*W) row of the channel-major view; running
    buffers moved by Tensor.addcdiv_ (value=mom)."""
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
            rows = x.transpose(0, 1).reshape(1, c, -1)
            k = rows.shape[-1]
            ones = x.new_ones(c, 1, k)
            first = rows[..., :1].detach()                              # a constant shift, summed less it
            m = (first + F.conv1d(rows - first, ones, groups=c) / k).view(1, c, 1, 1)
            d = x - m
            v = F.conv1d((d * d).transpose(0, 1).reshape(1, c, -1), ones, groups=c).view(1, c, 1, 1) / k
            with torch.no_grad():
                self.means.addcdiv_(m - self.means, torch.ones_like(self.means), value=self.mom)
                self.vars.addcdiv_(v * k / (k - 1) - self.vars, torch.ones_like(self.vars), value=self.mom)
        else:
            m, v = self.means, self.vars
            d = x - m
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class INConv1dPixelSums(nn.Module):
    """Each image's sum and sum of squared deviations by F.conv1d of its (N*C, 1, H*W) view with one all-ones kernel as
    long as the image, divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        ones = x.new_ones(1, 1, h * w)
        m = F.conv1d(x.reshape(n * c, 1, h * w), ones).view(n, c, 1, 1) / (h * w)
        d = x - m
        v = F.conv1d((d * d).reshape(n * c, 1, h * w), ones).view(n, c, 1, 1) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNChanMergeChannels(nn.Module):
    """Per-channel mean and sum of squared deviations (M2), merged channel by channel within each group by Chan et
    al.'s pairwise update (delta of the means, M2 += M2_b + delta**2 * n_a * n_b / n); spread back by
    repeat_interleave."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg, hw = c // self.groups, h * w
        cm = x.mean((2, 3))
        cm2 = ((x - cm[..., None, None]) ** 2).sum((2, 3))
        gmeans, gvars = [], []
        for g in range(self.groups):
            cnt, mean, m2 = hw, cm[:, g * cpg], cm2[:, g * cpg]
            for j in range(1, cpg):
                mb, m2b = cm[:, g * cpg + j], cm2[:, g * cpg + j]
                delta = mb - mean
                tot = cnt + hw
                mean = mean + delta * hw / tot
                m2 = m2 + m2b + delta * delta * cnt * hw / tot
                cnt = tot
            gmeans.append(mean)
            gvars.append(m2 / cnt)
        gm = torch.stack(gmeans, 1).repeat_interleave(cpg, 1)[..., None, None]
        gv = torch.stack(gvars, 1).repeat_interleave(cpg, 1)[..., None, None]
        return (x - gm) / (gv + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_conv_same_padding", "check_ewma", ewma_conv_same_padding, "Closed form by F.conv1d of the deviations from values[0] with the flipped decay kernel mom*(1-mom)**age (length n) and padding='same' ('one output per value') instead of a causal left padding of n-1: 'same' pads (n-1)//2 zeros on the left and the rest on the right, so the kernel is centred: output t gives value i the weight mom*(1-mom)**(t - i + r) (r = n//2 right-padding: every age shifted by r) and also weights the next r values (the future), plus values[0] with weight 1 - their sum: a 1-value stream and mom 0 are right everywhere, and constant streams' outputs are right (their values.grad is not, for mom > 0: the weights are wrong); every non-constant stream of 2+ values is wrong from output 0 on (e.g. [1, 3] at mom 0.1 gives [1.2, 1.18] instead of [1, 1.2]), and values.grad with it; mom 1 is wrong too (each output copies a later value)."),
    ("ewma_cosine_mom_schedule", "check_ewma", ewma_cosine_mom_schedule, "BYOL's cosine momentum schedule put into the average: the new value's weight at step t is mom*(1 + cos(pi*t/(n-1)))/2 (n the stream length), annealing from mom at t = 0 to 0 at the last value, instead of mom at every step: output 0, 1-value streams and mom 0 are right everywhere, and constant streams' outputs are right (their values.grad is not, for mom > 0); on any other stream every output from output 1 on moves too little (the last step has weight 0, so the last output repeats the one before; a 2-value stream gives [v0, v0]), and the weights depend on the stream's length; values.grad wrong likewise."),
    ("ewma_constant_stream_fast_path", "check_ewma", ewma_constant_stream_fast_path, "Returns values.clone() when every value equals values[0] ('a constant stream is its own average: skip the loop'): every output value is right on every stream, and every non-constant stream is right everywhere (values.grad too); on a constant stream of 2+ values the outputs are right but values.grad is the upstream gradient itself (identity Jacobian) instead of PyTorch's (values[0] gets sum_t g_t*(1-mom)**t, value k >= 1 gets mom*sum_{t>=k} g_t*(1-mom)**(t-k)): wrong at every mom below 1 (right at mom 1 and for a 1-value stream)."),
    ("ewma_closed_form_start_to_current", "check_ewma", ewma_closed_form_start_to_current, "Misremembered closed form: output t = lerp(values[0], values[t], 1 - (1-mom)**t) ('the start keeps (1-mom)**t of the weight, the rest goes to the value'): only values[0] and the current value count, every value in between is forgotten: outputs 0 and 1 are right, so streams of 1 or 2 values are right everywhere, and so are mom 0 and mom 1; constant streams' outputs are right (their values.grad is not: values[1..t-1] get no gradient from output t); from output 2 on any other stream is wrong (e.g. [1, 3, 0] at mom 0.1 gives output 2 = 0.81 instead of 1.08), and values.grad (no gradient reaches values[1..t-1] from output t)."),
    ("ln_std_rounded_to_power_of_two", "check_layernorm", LNStdRoundedToPowerOfTwo, "Shift-based normalisation (BinaryNet's shift-based BatchNorm) applied to the layer: divides the centred item by 2**round(log2(sqrt(var + eps))), the nearest power of two, instead of sqrt(var + eps): centring is right and a constant item's output is right (add); every item whose sqrt(var + eps) is not a power of two is scaled wrongly (by up to a factor 2**0.5 either way: an item with std 3 is divided by 4), and the gradients are wrong everywhere (torch.round passes no gradient, so x.grad lacks the variance term; even a constant item's x.grad is mult*(g - mean g)/2**-8 instead of /sqrt(1e-5)); mult.grad follows the wrong normalised values; add.grad right."),
    ("ln_backward_default_eps", "check_layernorm", LNBackwardDefaultEps, "A custom autograd.Function whose forward is right (it uses the layer's eps) but whose hand-written backward recomputes the statistics with eps = 1e-5, F.layer_norm's default, because the layer's eps never reached ctx: outputs and add.grad are right everywhere, and everything is right for a layer built with eps 1e-5; with another eps (1e-3, 0.1) x.grad and mult.grad are those of eps 1e-5: wrong (visibly for items whose variance is not large next to eps: a constant item's x.grad is mult*(g - mean g)/sqrt(1e-5) instead of /sqrt(eps)), in training and eval alike."),
    ("ln_pixel_norm", "check_layernorm", LNPixelNorm, "StyleGAN's pixelwise feature normalisation in place of LayerNorm: each pixel's vector of channels is divided by its root mean square over the channels, x / sqrt(mean_c(x**2) + eps), no centring and no statistics over the item: an all-zero input is right (add); everything else is wrong: outputs, x.grad and mult.grad (a constant item c gives about mult*sign(c) + add, not add; a one-channel input gives about mult*sign(x) + add)."),
    ("ln_stats_from_leading_values", "check_layernorm", LNStatsFromLeadingValues, "Takes each item's mean and variance from its first p = max(32, ceil(K/16)) values in flattened (C, H, W) order ('pRMSNorm: a leading fraction of the values estimates the statistics'), K = C*H*W, and normalises all K values with them: items of at most 32 values (e.g. (1, 2, 4, 4) or (3, 1, 1, 6)) are right everywhere; larger items (e.g. (2, 3, 4, 5), K = 60: the first 32 values, mostly the first channel) are centred and scaled with the statistics of that part: outputs and gradients wrong (values beyond p get no gradient through the statistics)."),
    ("bn_training_backward_reused_in_eval", "check_batchnorm", BNTrainingBackwardReusedInEval, "One custom autograd.Function for both modes: its forward normalises x with the statistics it is given (the batch's in training, the running ones in eval, both right: outputs and running statistics right everywhere) but its hand-written backward is training BatchNorm's, which assumes those statistics are x's own batch statistics: training gradients are right; in eval x.grad = mults*r*(g - mean(g) - xr*mean(g*xr)) over (N, H, W) with xr = (x - running mean)*r, r = 1/sqrt(running var + eps), instead of mults*g*r (the running statistics are constants): eval x.grad wrong (a fresh layer in eval too); eval mults.grad and adds.grad right."),
    ("bn_backward_adds_grad_times_mults", "check_batchnorm", BNBackwardAddsGradTimesMults, "A custom autograd.Function in training whose hand-written backward reuses the gradient through the scale, g * mults, for the shift too: adds.grad = sum over (N, H, W) of g*mults instead of g: training outputs, running statistics, eval (outputs and all its gradients), x.grad and mults.grad are right everywhere, and so is everything for mults = 1 (a fresh layer); with other mults (e.g. 0.6, -1.2) the training adds.grad is mults times the right one (per channel)."),
    ("bn_eval_twice_loses_momentum", "check_batchnorm", BNEvalTwiceLosesMomentum, "Overrides train(mode) to freeze the running statistics in eval: train(False) (which eval() calls) puts the momentum aside and sets it to 0, train(True) gives the put-aside value back; but a second eval() in a row puts aside the 0: after eval(), eval(), train() the momentum stays 0 and the running mean and var never move again: training outputs and gradients are right everywhere; everything is right while eval() is never called twice in a row (eval(), train(), eval(), train() is right), and at mom 0; after two eval() calls in a row, training steps leave the running statistics unchanged (PyTorch moves them), so eval outputs after that training are wrong."),
    ("bn_backward_mults_grad_from_running_stats", "check_batchnorm", BNBackwardMultsGradFromRunningStats, "A custom autograd.Function in training whose hand-written backward takes mults.grad as sum(g * (x - running mean) / sqrt(running var + eps)) (the running statistics just updated, 'steadier') instead of sum(g * xhat) with the batch statistics: training outputs, running statistics, x.grad and adds.grad are right, and eval is right (plain autograd); the training mults.grad is wrong in every configuration (the running statistics are never the batch's: even at mom 1 the running var is unbiased)."),
    ("in_range_std_banner", "check_instancenorm", INRangeStdBanner, "Range BatchNorm's estimate (Banner et al. 2018) used for each image: the std taken as (max - min) / sqrt(2 ln(H*W)) (H*W floored at 2), the variance as its square, plus eps, instead of the mean squared deviation: centring is right and a constant image is right (adds, and its x.grad); every other image is scaled wrongly (for 4x5 Gaussian images the range estimate is about 1.5 times the std, so the normalised values come out about 2/3 of PyTorch's) and its gradients are wrong (only the extreme pixels carry the scale's gradient)."),
    ("in_patchwise_stats", "check_instancenorm", INPatchwiseStats, "Normalises each 4x4 patch of each image with the patch's own mean and variance (patches from the top-left corner, smaller at the right and bottom edges: 'each patch a token, as in a ViT') instead of the whole image's: images of at most 4x4 pixels are right everywhere; larger images (height or width above 4, e.g. 8x9, 4x5, 1x7) are wrong: outputs and gradients, each patch centred and scaled on its own (a 1-pixel edge patch gives adds)."),
    ("in_greyscale_stats_shared", "check_instancenorm", INGreyscaleStatsShared, "When every channel of an image equals its channel 0 ('a greyscale image copied into each channel') takes channel 0's mean and variance once and shares those tensors with the other channels: every output value is right, and every image whose channels differ is right everywhere (gradients too); on an image whose channels are all equal (e.g. a constant input, or one channel repeated) with 2+ channels x.grad is wrong: the statistics' gradient of every channel flows into channel 0's pixels (channel c >= 1 gets mults*r*g without its centring term, channel 0 gets the others' too); mults.grad and adds.grad right."),
    ("in_stats_smoothed_across_calls", "check_instancenorm", INStatsSmoothedAcrossCalls, "Remembers the previous call's per-(item, channel) mean and variance (detached) and, whenever the next call has the same statistics shape and dtype, normalises with lerp(previous, current, 0.8) ('video: keep the statistics steady from frame to frame') instead of the current image's own: the first call of a layer is right (training or eval), and so is any call following one of another shape or dtype; every call following one of the same (N, C) shape, training or eval, is off (outputs and gradients: 20% of the previous call's statistics, which carry no gradient)."),
    ("gn_group_index_cached_by_channels", "check_groupnorm", GNGroupIndexCachedByChannels, "Caches each channel's group index in a module-level dict keyed by the channel count only ('it depends only on C: build it once for all layers'), built with the groups of the first layer that sees that C: every call of the first layer built for a given C is right (so is every layer whose groups match it); a later layer with the same C but another number of groups (e.g. GroupNorm(3, 6) after GroupNorm(2, 6) has run) uses the first layer's grouping: outputs and gradients wrong. Deterministic given the order of calls (reset_state() clears the cache)."),
    ("gn_noncontiguous_fallback_spatial_groups", "check_groupnorm", GNNonContiguousFallback, "Groups with x.view(N, groups, -1) and, when view raises for a non-contiguous input (channels_last memory, or a transposed view), falls back on x.permute(0, 2, 3, 1).reshape(N, groups, -1) ('its memory is NHWC: group it in memory order') and permutes back: every contiguous input is right everywhere, and so is one group; view raises for a channels_last input (x.contiguous(memory_format=torch.channels_last)) with 2+ channels per group and for a transposed view (x.transpose(2, 3) of a contiguous (N, C, W, H) tensor, H and W >= 2) with any number of groups: with 2+ groups such an input is normalised in sets of C*H*W/groups consecutive values in (H, W, C) order (all channels of the first pixels, ...) instead of blocks of channels: outputs and gradients wrong (a channels_last input with one channel per group still views, and is right)."),
    ("gn_cumulative_over_width", "check_groupnorm", GNCumulativeOverWidth, "Conv-TasNet's cumulative layer norm applied to the groups: the width is taken as time, so column t of each group is normalised with the mean and variance of the group's columns 0..t (its channels, all rows) instead of the whole group: inputs of width 1 are right, and in every input the last column is right (its statistics cover the whole group); every earlier column of an input of width 2+ is wrong: outputs and gradients."),
    ("gn_bessel_over_channels", "check_groupnorm", GNBesselOverChannels, "Multiplies each group's variance by cpg/(cpg - 1), cpg = C/groups ('a group's channels are its samples: Bessel's correction over them') before adding eps: one channel per group (groups = C) is right everywhere; with 2+ channels per group every output's spread is too small by sqrt((cpg-1)/cpg) (0.707 for 2 channels, 0.866 for 4) apart from constant groups (right: adds), and the gradients wrong with it."),
]

RIGHT = [
    ("ewma_conv_transpose_full", "check_ewma", ewma_conv_transpose_full,
     "the deviations from values[0] through F.conv_transpose1d with the unflipped decay kernel (a full convolution of length 2n-1), cut to the first n outputs and added back onto values[0]."),
    ("ln_index_add_item_sums", "check_layernorm", LNIndexAddItemSums,
     "each item's sums (less its first value, a detached shift) by Tensor.index_add into an (N,) zero vector over the flattened batch with an item index per value; gathered back by that index."),
    ("bn_depthwise_conv1d_channel_sums", "check_batchnorm", BNDepthwiseConv1dChannelSums,
     "channel sums (less the channel's first value, a detached shift) by a depthwise F.conv1d (groups=C) with an all-ones kernel as long as each channel's (1, C, N*H*W) row; running buffers moved by addcdiv_ (value=mom)."),
    ("in_conv1d_pixel_sums", "check_instancenorm", INConv1dPixelSums,
     "each image's sum and sum of squared deviations by F.conv1d of its (N*C, 1, H*W) view with one image-long all-ones kernel, divided by H*W."),
    ("gn_chan_merge_channels", "check_groupnorm", GNChanMergeChannels,
     "per-channel means and M2 merged channel by channel within each group by Chan et al.'s pairwise update; spread back by repeat_interleave."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
