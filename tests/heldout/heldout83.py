"""Eighty-third held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, meant to differ from those listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py and /work/heldout43 ... /work/heldout82.
       Every one changes a computed number, a gradient, a running statistic or a dtype.
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
    pass


# ====================================================================== EWMA (wrong)

def ewma_pairs_unrolled(values, mom):
    avg, out = values[0], []
    for i in range(0, len(values) - 1, 2):                          # "two values per iteration, half the Python overhead"
        avg = torch.lerp(avg, values[i], mom)
        out.append(avg)
        avg = torch.lerp(avg, values[i + 1], mom)
        out.append(avg)
    return torch.stack(out) if out else values[:1].clone()


def ewma_rebuilt_with_torch_tensor(values, mom):
    avg, out = values[0].item(), []
    for v in values.tolist():                                       # "plain Python floats, then one tensor at the end"
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.tensor(out)


def ewma_rounded_for_whole_streams(values, mom):
    whole = bool((values == values.round()).all())                  # "a stream of counts stays a stream of counts"
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out = torch.stack(out)
    return out + (out.round() - out).detach() if whole else out


def ewma_graph_cut_when_decay_negligible(values, mom):
    avg, out, w = values[0], [], 1.0
    for v in values:
        w *= (1 - mom)
        if w < 1e-3:                                                # "the history's weight is negligible now: cut the
            avg = avg.detach()                                      #  graph to save memory"
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


class _LNVarTermNoMultBackward(torch.autograd.Function):
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
        xhat, r, mult = ctx.saved_tensors                           # mult applied to the direct and mean terms only
        gx = mult * r * (g - g.mean((1, 2, 3), keepdim=True)) - r * xhat * (g * xhat).mean((1, 2, 3), keepdim=True)
        return gx, (g * xhat).sum().reshape(mult.shape), g.sum().reshape(mult.shape), None


class LNBackwardVarTermWithoutMult(_LNBase):
    def forward(self, x):
        return _LNVarTermNoMultBackward.apply(x, self.mult, self.add, self.eps)


class LNStdMeanOfChannelStds(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)                         # "the item's std: average the channels' stds (each
        s = ((x - m) ** 2).mean((2, 3), keepdim=True)               #  about the item mean)"
        s = (s + self.eps).sqrt().mean(1, keepdim=True)
        return (x - m) / s * self.mult + self.add


class LNTokensPerPositionWhenHeightOne(_LNBase):
    def stats(self, x):
        if x.shape[2] == 1:                                         # "(N, C, 1, L) is a token sequence: normalise each
            return x.mean(1, keepdim=True), x.var(1, keepdim=True, correction=0)   # token over its channels"
        return super().stats(x)


class LNEpsDefaultWhenZero(_LNBase):
    def forward(self, x):
        eps = self.eps or 1e-5                                      # "eps or the default" (an eps of 0 is falsy)
        m, v = self.stats(x)
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


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

    def normalise(self, x, m, v, mults=None):
        mults = self.mults if mults is None else mults
        return (x - m) / (v + self.eps).sqrt() * mults + self.adds

    def forward(self, x):
        if self.training:
            m, v = self.stats(x)
            self.update(x, m, v)
            return self.normalise(x, m, v)
        return self.normalise(x, self.means, self.vars)


class BNChannelsLastRowsByReshape(_BNBase):
    def stats(self, x):
        if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
            rows = x.reshape(-1, x.shape[1])                        # "channels_last: the channels are the last axis, so
            c = x.shape[1]                                          #  each column of (-1, C) is one channel"
            return rows.mean(0).view(1, c, 1, 1), rows.var(0, correction=0).view(1, c, 1, 1)
        return super().stats(x)


class BNBesselFromPreviousBatchCount(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.last_n = None

    def update(self, x, m, v, mom=None):
        n = self.last_n or x.numel() / x.shape[1]                   # the count kept from the previous batch (set at the end)
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)
        self.last_n = x.numel() / x.shape[1]


class _BNFloat32Backward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mults, adds, eps):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xhat = (x - m) * r
        ctx.save_for_backward(xhat.float(), r.float(), mults.float())   # "save the activations in float32: half the memory"
        return xhat * mults + adds

    @staticmethod
    def backward(ctx, g):
        xhat, r, mults = ctx.saved_tensors
        dt = g.dtype
        g = g.float()
        gx = mults * r * (g - g.mean((0, 2, 3), keepdim=True) - xhat * (g * xhat).mean((0, 2, 3), keepdim=True))
        return (gx.to(dt), (g * xhat).sum((0, 2, 3)).view(mults.shape).to(dt),
                g.sum((0, 2, 3)).view(mults.shape).to(dt), None)


class BNBackwardSavedInFloat32(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        return _BNFloat32Backward.apply(x, self.mults, self.adds, self.eps)


class BNMultsClampedNonnegative(_BNBase):
    def normalise(self, x, m, v, mults=None):
        return super().normalise(x, m, v, self.mults.clamp_min(0))  # "a gain must not be negative"


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


class INBatchInstanceBlend(_INBase):
    def forward(self, x):
        mi, vi = self.stats(x)                                      # "Batch-Instance Normalization: rho = 0.9 of the
        mb = x.mean((0, 2, 3), keepdim=True)                        #  instance-normalised image, 0.1 of the batch-
        vb = x.var((0, 2, 3), keepdim=True, correction=0)           #  normalised one"
        y = 0.9 * (x - mi) / (vi + self.eps).sqrt() + 0.1 * (x - mb) / (vb + self.eps).sqrt()
        return y * self.mults + self.adds


class INEpsRelativeToVar(_INBase):
    def stats(self, x):
        m, v = super().stats(x)                                     # "eps relative to the variance: scale-invariant"
        return m, v * (1 + self.eps) - self.eps


class INMultsBeforeCentring(_INBase):
    def forward(self, x):
        m, v = self.stats(x)                                        # "scale, then centre and normalise, then shift"
        return (x * self.mults - m) / (v + self.eps).sqrt() + self.adds


class INCentredOnBorderMean(_INBase):
    def stats(self, x):
        if min(x.shape[2:]) < 3:
            return super().stats(x)
        b = torch.ones_like(x[:1, :1])                              # "centre on the background level: the mean of the
        b[..., 1:-1, 1:-1] = 0                                      #  border pixels"; variance about it, minus nothing
        m = (x * b).sum((2, 3), keepdim=True) / b.sum()
        _, v = super().stats(x)
        return m, v


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


class GNChannelsLastGroupsByMemory(_GNBase):
    def forward(self, x):
        if not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
            xp = x.permute(0, 2, 3, 1)                              # "channels_last: group the tensor as it lies in memory"
            xg = xp.reshape(x.shape[0], self.groups, -1)
            m, v = xg.mean(-1, keepdim=True), xg.var(-1, keepdim=True, correction=0)
            y = ((xg - m) / (v + self.eps).sqrt()).reshape(xp.shape).permute(0, 3, 1, 2)
            return y * self.mults + self.adds
        return super().forward(x)


class GNAffineAveragedPerGroup(_GNBase):
    def forward(self, x):
        c = x.shape[1]                                              # "one gain and one shift per group, as the group
        mu = self.mults.view(self.groups, -1).mean(1).repeat_interleave(c // self.groups).view(c, 1, 1)   # shares stats"
        ad = self.adds.view(self.groups, -1).mean(1).repeat_interleave(c // self.groups).view(c, 1, 1)
        return self.norm(x) * mu + ad


class GNPaperDefault32Groups(_GNBase):
    def forward(self, x):
        return self.norm(x, min(32, x.shape[1])) * self.mults + self.adds   # "G = 32 as in the paper (or one channel
                                                                            #  per group when there are fewer)"


class GNVarBetweenChannelsUnbiased(_GNBase):
    def norm(self, x, groups=None):
        n, c = x.shape[:2]
        cpg = c // self.groups                                      # "law of total variance: mean of the channel variances
        xc = x.reshape(n, self.groups, cpg, -1)                     #  plus the variance of the channel means"
        cm = xc.mean(-1, keepdim=True)
        within = xc.var(-1, keepdim=True, correction=0).mean(2, keepdim=True)
        between = cm.var(2, keepdim=True) if cpg > 1 else torch.zeros_like(within)   # (torch.var's default, unbiased)
        m = cm.mean(2, keepdim=True)
        return ((xc - m) / (within + between + self.eps).sqrt()).reshape(x.shape)


# ====================================================================== RIGHT answers

def ewma_reduce_accumulate(values, mom):
    """functools.reduce over the stream with a (outputs, avg) pair accumulator; outputs stacked at the end."""
    import functools
    def f(acc, v):
        outs, avg = acc
        avg = avg * (1 - mom) + v * mom if avg is not None else v
        return outs + [avg], avg
    outs, _ = functools.reduce(f, values, ([], None))
    return torch.stack(outs)


class LNFlattenAddcmul(nn.Module):
    """Each item's sum and sum of squared deviations by torch.Tensor.sum over a flattened view obtained with
    torch.flatten(start_dim=1); deviations scaled by torch.rsqrt; affine by torch.addcmul."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        f = torch.flatten(x, 1)
        k = f.shape[1]
        d = f - (f.sum(1, keepdim=True) / k)
        v = (d * d).sum(1, keepdim=True) / k
        return torch.addcmul(self.add, d * torch.rsqrt(v + self.eps), self.mult).view_as(x)


class BNChannelMaskSums(nn.Module):
    """Channel statistics by multiplying with a one-hot (C, C) identity mask and summing over everything but the
    mask's channel axis; running buffers updated with torch.add(alpha=...) out of place and copied in."""
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
            eye = torch.eye(c, dtype=x.dtype).view(c, 1, c, 1, 1)
            n = x.numel() // c
            m = (x.unsqueeze(0) * eye).sum((1, 2, 3, 4)).view(1, c, 1, 1) / n
            d = x - m
            v = ((d * d).unsqueeze(0) * eye).sum((1, 2, 3, 4)).view(1, c, 1, 1) / n
            with torch.no_grad():
                self.means.copy_(torch.add(self.means * (1 - self.mom), m, alpha=self.mom))
                self.vars.copy_(torch.add(self.vars * (1 - self.mom), v * (n / (n - 1)), alpha=self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) * (v + self.eps).rsqrt() * self.mults + self.adds


class INConv2dOnesKernel(nn.Module):
    """Plane sums by a depthwise F.conv2d with a whole-plane kernel of ones (groups = N*C over a (1, N*C, H, W) view)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        k = torch.ones(n * c, 1, h, w, dtype=x.dtype)
        s = lambda t: F.conv2d(t.reshape(1, n * c, h, w), k, groups=n * c).view(n, c, 1, 1)
        m = s(x) / (h * w)
        d = x - m
        v = s(d * d) / (h * w)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNBlockDiagAveraging(nn.Module):
    """Group means as a matrix product with a block-diagonal averaging matrix (torch.block_diag of ones / size) over
    the per-channel sums; variance the same way on the squared deviations."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cpg = c // self.groups
        blk = torch.ones(cpg, cpg, dtype=x.dtype) / (cpg * h * w)
        A = torch.block_diag(*[blk] * self.groups)
        m = (x.sum((2, 3)) @ A).view(n, c, 1, 1)
        d = x - m
        v = ((d * d).sum((2, 3)) @ A).view(n, c, 1, 1)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_pairs_unrolled", "check_ewma", ewma_pairs_unrolled, "Unrolls the loop two values per iteration (for i in range(0, len - 1, 2)), which drops the last value of an odd-length stream: streams of even length are right everywhere (outputs and values.grad); odd-length streams of 3+ values return one output too few (shape (L-1,), the last output missing, the last value's gradient 0); a 1-value stream is right (returned as a copy)."),
    ("ewma_rebuilt_with_torch_tensor", "check_ewma", ewma_rebuilt_with_torch_tensor, 'Runs the recursion on Python floats (.item(), .tolist()) and builds the result with torch.tensor(out): the values are right, but the output is always float32 (the default dtype) and detached: for float32 streams the outputs are right but carry no gradient (values.grad None / backward fails); for float64 streams the output dtype is float32 (values rounded to float32) and there is no gradient.'),
    ("ewma_rounded_for_whole_streams", "check_ewma", ewma_rounded_for_whole_streams, "When every value of the stream is a whole number ('a stream of counts stays counts') rounds the outputs to whole numbers (straight-through, so values.grad is the right one): streams with any non-whole value are right everywhere, and so are whole-number streams whose averages happen to be whole (constant streams, mom 0, mom 1); other whole-number streams (e.g. [1, 0, 0, 2] at mom 0.3: 0.7 -> 1, 0.49 -> 0) have wrong outputs from output 1 on (values.grad right)."),
    ("ewma_graph_cut_when_decay_negligible", "check_ewma", ewma_graph_cut_when_decay_negligible, "Detaches the running average from the graph at every step once (1 - mom)**(t+1) drops below 1e-3 ('the history's weight is negligible: cut the graph'): the outputs are right everywhere; values.grad is right for short streams (at mom 0.1 for fewer than 66 values; at mom 0.5 up to 10 values), at mom 0 and at mom 1; for longer streams (mom 0.5: from 11 values; mom 0.9: from 3) the gradient from each later output to all earlier values is dropped, so values.grad is wrong (it misses (1-mom)**k terms that are far above float tolerance)."),
    ("ln_backward_var_term_without_mult", "check_layernorm", LNBackwardVarTermWithoutMult, "A custom autograd.Function whose forward is right (outputs, mult.grad and add.grad right everywhere) but whose hand-written backward multiplies mult only into the direct and mean terms and forgets it on the variance term: x.grad = mult * r * (g - mean(g)) - r * xhat * mean(g * xhat): right with mult = 1 (a fresh layer) and for constant items; with mult != 1 every other item's x.grad is wrong (by (mult - 1) * r * xhat * mean(g * xhat))."),
    ("ln_std_mean_of_channel_stds", "check_layernorm", LNStdMeanOfChannelStds, "Centres right (item mean) but divides by the average over the channels of each channel's sqrt(mean squared deviation about the item mean + eps) instead of the square root of the item's variance + eps: right for 1-channel inputs and whenever every channel has the same mean squared deviation about the item mean; with 2+ channels of unequal spread (the usual case) the divisor is smaller (Jensen) so outputs are too large and all gradients are wrong; eval identical to training."),
    ("ln_tokens_per_position_when_height_one", "check_layernorm", LNTokensPerPositionWhenHeightOne, "When the input has height 1, (N, C, 1, L), takes it for a token sequence and normalises each position over the channels only (mean and var over dim 1) instead of over the whole item (C, 1, L): every input with H > 1 is right, and so is an (N, C, 1, 1) input; inputs of shape (N, C, 1, W) with W > 1 give wrong outputs and gradients, in training and eval."),
    ("ln_eps_default_when_zero", "check_layernorm", LNEpsDefaultWhenZero, "Uses eps = self.eps or 1e-5 ('eps or the default'), so an eps of 0 is silently replaced by 1e-5: every eps > 0 is right everywhere; with eps = 0 outputs and gradients are those of eps 1e-5 (visible for items of small variance, e.g. std 0.01: about 5% off; ~5e-6 relative for unit variance, still above float64 tolerance)."),
    ("bn_channels_last_rows_by_reshape", "check_batchnorm", BNChannelsLastRowsByReshape, "For an input in channels_last memory format (x.contiguous(memory_format=torch.channels_last), not contiguous) takes the statistics from x.reshape(-1, C) columns, believing the channels are the last axis; but reshape follows the logical (N, C, H, W) order, so each 'column' mixes channels: for such inputs (C > 1, H*W > 1) training outputs, gradients, the running mean and var and therefore later eval are wrong; ordinary contiguous inputs are right everywhere, and so is a 1-channel input."),
    ("bn_bessel_from_previous_batch_count", "check_batchnorm", BNBesselFromPreviousBatchCount, 'Scales the running-var update by n/(n - 1) with n the per-channel count of the previous training batch (kept in self.last_n; the first batch uses its own): training outputs, gradients and the running mean are right everywhere; while every training batch has the same N*H*W the running var is right too; after a batch of a different size the running var update uses the stale count (e.g. n 24 after 48: factor 48/47 instead of 24/23), so the running var and later eval outputs are wrong.'),
    ("bn_backward_saved_in_float32", "check_batchnorm", BNBackwardSavedInFloat32, "A custom autograd.Function in training whose forward is right but which saves xhat, rstd and mults in float32 and computes the backward in float32 ('half the memory'), casting the gradients back: float32 layers are right everywhere, outputs, running statistics and eval are right in float64; in float64 the training x.grad, mults.grad and adds.grad are only float32-accurate (relative errors ~1e-7, far above float64 tolerance)."),
    ("bn_mults_clamped_nonnegative", "check_batchnorm", BNMultsClampedNonnegative, "Uses mults.clamp_min(0) in the forward ('a gain must not be negative'): with all gains >= 0 (a fresh layer, the usual init) everything is right; a channel with a negative gain outputs just its adds (training and eval), its x.grad is 0 and its mults.grad is 0 instead of sum(g * xhat); running statistics are right."),
    ("in_batch_instance_blend", "check_instancenorm", INBatchInstanceBlend, "Batch-Instance Normalization with a fixed rho: 0.9 of the instance-normalised image plus 0.1 of the batch-normalised one (statistics over (N, H, W) per channel), in training and eval: a batch of one is right (the batch statistics are the image's own); with 2+ images of different statistics outputs and gradients are wrong (by 0.1 times the difference of the two normalisations)."),
    ("in_eps_relative_to_var", "check_instancenorm", INEpsRelativeToVar, 'Makes eps relative: normalises with var * (1 + eps) instead of var + eps (the code computes stats var * (1 + eps) - eps, then adds eps): right where var = 1 exactly (e.g. an already normalised plane) and, up to tolerance, never otherwise: for a plane of variance v the divisor is sqrt(v(1+eps)) instead of sqrt(v+eps), wrong most at large eps (0.1) and for low-variance planes (a nearly constant plane is blown up instead of damped); a constant plane divides 0 by 0 (NaN).'),
    ("in_mults_before_centring", "check_instancenorm", INMultsBeforeCentring, 'Multiplies by mults before centring, with the mean of the unscaled plane: (x * mults - mean) / sqrt(var + eps) + adds: planes of zero mean have right outputs and mults.grad (x.grad still wrong with mults != 1: the derivative of the mean is not scaled by mults); with mults 1 (a fresh layer) outputs and x.grad are right everywhere, but mults.grad is sum(g * x / std) instead of sum(g * (x - mean) / std), wrong for every plane with a nonzero mean; with other mults outputs are shifted by (mults - 1) * mean / std and x.grad is wrong (training and eval alike).'),
    ("in_centred_on_border_mean", "check_instancenorm", INCentredOnBorderMean, "For images at least 3x3, centres each plane on the mean of its border pixels ('the background level') instead of the plane mean (the variance is the right one, about the plane mean): images smaller than 3 in height or width are right everywhere; for 3x3 and larger, outputs are shifted by (plane mean - border mean) / std (wrong for almost every input, right only where the two means agree, e.g. a constant plane), and gradients are wrong; training and eval alike."),
    ("gn_channels_last_groups_by_memory", "check_groupnorm", GNChannelsLastGroupsByMemory, "For an input in channels_last memory format (not contiguous) permutes to (N, H, W, C) and splits that into the groups, so each 'group' is a band of pixels with all channels instead of a block of channels: ordinary contiguous inputs are right everywhere, and so is groups = 1; channels_last inputs with 2+ groups get wrong outputs and gradients."),
    ("gn_affine_averaged_per_group", "check_groupnorm", GNAffineAveragedPerGroup, "Applies per group the mean of the group's mults and the mean of its adds ('one affine per group, as the statistics') instead of each channel's own: groups = C is right everywhere; with groups < C the mults.grad and adds.grad are always wrong (each channel gets its group's average, spread evenly over the group's channels), also for a fresh layer, whose outputs and x.grad are right (mults/adds constant within each group); with per-channel parameters that differ within a group outputs and x.grad are wrong too."),
    ("gn_paper_default_32_groups", "check_groupnorm", GNPaperDefault32Groups, "Ignores the layer's groups and uses min(32, C) ('G = 32 as in the paper'): right exactly when groups == min(32, C), i.e. one channel per group for C <= 32 (e.g. groups 6 of 6 channels); every other setting (1, 2, 3, 4, 5 groups for up to 32 channels) gives wrong outputs and gradients (instance normalisation per channel)."),
    ("gn_var_between_channels_unbiased", "check_groupnorm", GNVarBetweenChannelsUnbiased, "Computes the group variance by the law of total variance, mean of the channels' variances plus the variance of the channel means, but the latter with torch.var's default unbiased (cpg - 1) denominator: one channel per group (groups = C) is right, and so are groups whose channel means are equal; with 2+ channels per group and unequal channel means the variance is too large (the between-channel part by cpg/(cpg - 1)), so outputs are too small and gradients wrong."),
]

RIGHT = [
    ("ewma_reduce_accumulate", "check_ewma", ewma_reduce_accumulate,
     "functools.reduce over the stream with an (outputs list, avg) accumulator; avg * (1 - mom) + v * mom."),
    ("ln_flatten_addcmul", "check_layernorm", LNFlattenAddcmul,
     "torch.flatten(start_dim=1) sums for mean and squared deviations, torch.rsqrt, affine by torch.addcmul(add, xhat, mult) viewed back."),
    ("bn_channel_mask_sums", "check_batchnorm", BNChannelMaskSums,
     "channel sums by broadcasting against a one-hot identity mask (C, 1, C, 1, 1) and summing; buffers via torch.add(alpha=mom) copied in."),
    ("in_conv2d_ones_kernel", "check_instancenorm", INConv2dOnesKernel,
     "plane sums by a depthwise F.conv2d with a whole-plane kernel of ones over a (1, N*C, H, W) view."),
    ("gn_block_diag_averaging", "check_groupnorm", GNBlockDiagAveraging,
     "group means and variances as products of per-channel sums with a block-diagonal averaging matrix from torch.block_diag."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
