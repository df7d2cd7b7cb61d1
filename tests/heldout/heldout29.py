"""Twenty-ninth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout28 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom, start):
    avg, out = start, []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_truncated_backprop(values, mom):
    avg, out = values[0], []
    for i, v in enumerate(values):
        if i and i % 32 == 0:
            avg = avg.detach()                                      # "truncated backprop: keep the graph short on long streams"
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_avg_promoted_to_double(values, mom):
    avg, out = values[0].double(), []                               # "accumulate in double for accuracy" (never cast back)
    for v in values:
        avg = torch.lerp(avg, v.double(), mom)
        out.append(avg)
    return torch.stack(out)


def ewma_long_stream_float32(values, mom):
    if len(values) > 100 and values.dtype == torch.float64:       # "float64 is slow on long streams: loop in float32"
        v32 = values.float()
        return _lerp_loop(v32, mom, v32[0]).double()
    return _lerp_loop(values, mom, values[0])


def ewma_start_as_item(values, mom):
    avg, out = values[0].item(), []                                 # "copy the start value" (.item() cuts it from the graph)
    for v in values:
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNNoEpsInFloat64(_LNBase):
    def forward(self, x):
        eps = 0. if x.dtype == torch.float64 else self.eps          # "float64 has precision to spare: eps is a float32 guard"
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


class _LNFnNoEps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xh = (x - m) * (v + eps).rsqrt()
        ctx.save_for_backward(xh, v, mult)
        return xh * mult + add

    @staticmethod
    def backward(ctx, g):
        xh, v, mult = ctx.saved_tensors
        r = v.rsqrt()                                               # eps forgotten here: (v + eps).rsqrt() meant
        gh = g * mult
        dx = r * (gh - gh.mean((1, 2, 3), keepdim=True) - xh * (gh * xh).mean((1, 2, 3), keepdim=True))
        return dx, (g * xh).sum(), g.sum(), None


class LNBackwardWithoutEps(_LNBase):
    def forward(self, x):
        return _LNFnNoEps.apply(x, self.mult, self.add, self.eps)


class LNZeroVarEarlyReturn(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        if (v == 0).any():                                          # "guard against dividing by zero"
            return x * self.mult + self.add
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNNormalizedShapeFromFirstCall(_LNBase):
    def forward(self, x):
        if not hasattr(self, 'shape'):
            self.shape = tuple(x.shape[1:])                         # "the item shape is fixed: work it out once"
        return F.layer_norm(x, self.shape, eps=self.eps) * self.mult + self.add


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def batch_stats(self, x):
        return x.mean((0, 2, 3), keepdim=True), x.var((0, 2, 3), keepdim=True, correction=0)

    def unbias(self, v, n):
        return v * n / (n - 1)

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(self.unbias(v, n), self.mom)

    def forward(self, x):
        if self.training:
            m, v = self.batch_stats(x)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalCachesNormaliser(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        if not hasattr(self, '_shift'):                             # "inference is hot: precompute the running normaliser once"
            self._shift = self.means.clone()
            self._scale = (self.vars + self.eps).rsqrt()
        return (x - self._shift) * self._scale * self.mults + self.adds


class BNFrozenAfterEval(_BNBase):
    def update(self, x, m, v):
        if not getattr(self, 'frozen', False):
            super().update(x, m, v)

    def forward(self, x):
        if not self.training:
            self.frozen = True                                      # "once we evaluate, the statistics are final"
        return super().forward(x)


class BNBesselSkippedForLargeCounts(_BNBase):
    def unbias(self, v, n):
        return v if n >= 30 else v * n / (n - 1)                    # "n/(n-1) is 1 for any decent count"


class BNTrainVarDetached(_BNBase):
    def batch_stats(self, x):
        m, v = super().batch_stats(x)
        return m, v.detach()                                        # "the variance is only a scale: no gradient through it"


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


class _INFnNoProjection(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, eps):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        ctx.save_for_backward(r)
        return (x - m) * r

    @staticmethod
    def backward(ctx, g):
        r, = ctx.saved_tensors
        return r * (g - g.mean((2, 3), keepdim=True)), None         # the - xhat * mean(g * xhat) term left out


class INBackwardNoProjection(_INBase):
    def forward(self, x):
        return _INFnNoProjection.apply(x, self.eps) * self.mults + self.adds


class INMultsFoldedIntoStd(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v / self.mults ** 2 + self.eps).sqrt() + self.adds   # "fold the scale into the std" (eps not scaled)


class INEvalParamsDetached(_INBase):
    def forward(self, x):
        mults, adds = (self.mults, self.adds) if self.training else (self.mults.detach(), self.adds.detach())
        return self.norm(x) * mults + adds                          # "at inference the parameters are constants"


class INOddBatchChunkDropped(_INBase):
    def forward(self, x):
        outs = []
        for i in range(0, x.shape[0] - 1, 2):                       # "two images at a time" (range(0, n, 2) meant)
            outs.append(self.norm(x[i:i + 2]))
        return torch.cat(outs) * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class _GNFnPerChannelBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, groups, eps):
        xg = x.view(x.shape[0], groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        r = (v + eps).rsqrt()
        xh = ((xg - m) * r).view(x.shape)
        ctx.save_for_backward(xh, r)
        ctx.groups = groups
        return xh

    @staticmethod
    def backward(ctx, g):
        xh, r = ctx.saved_tensors
        n, c = g.shape[:2]
        rc = r.expand(n, ctx.groups, c // ctx.groups).reshape(n, c, 1, 1)
        # projection taken per channel (means over H, W) instead of over the whole group
        dx = rc * (g - g.mean((2, 3), keepdim=True) - xh * (g * xh).mean((2, 3), keepdim=True))
        return dx, None, None


class GNBackwardPerChannel(_GNBase):
    def forward(self, x):
        return _GNFnPerChannelBackward.apply(x, self.groups, self.eps) * self.mults + self.adds


class GNEpsSqrtSplit(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        xn = (xg - m) / (v.sqrt() + math.sqrt(self.eps))            # sqrt(v + eps) "split" as sqrt(v) + sqrt(eps)
        return xn.view(x.shape) * self.mults + self.adds


class GNOneChannelGroupsInstanceNorm(_GNBase):
    def forward(self, x):
        if self.groups == x.shape[1]:                               # "one channel per group is just InstanceNorm"
            return F.instance_norm(x, eps=self.eps)                 # mults and adds forgotten on this path
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNStatsPreallocatedDefaultDtype(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.view(n, self.groups, -1)
        m = torch.zeros(n, self.groups)                             # default dtype float32 (dtype=x.dtype forgotten)
        v = torch.zeros(n, self.groups)
        for i in range(self.groups):
            m[:, i] = xg[:, i].mean(-1)
            v[:, i] = xg[:, i].var(-1, correction=0)
        xn = (xg - m[..., None]) / (v[..., None] + self.eps).sqrt()
        return xn.view(x.shape) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_blocked_matmul_carry(values, mom):
    """Blocks of 16 values: inside a block the averages are a lower-triangular weight matrix mom*(1-mom)**(i-j) times the
    block plus (1-mom)**(i+1) times the carried start; the last average of a block is the next block's start."""
    B, outs, start = 16, [], values[0]
    for s in range(0, len(values), B):
        vb = values[s:s + B]
        L = len(vb)
        i = torch.arange(L, device=values.device)
        d = (i[:, None] - i[None, :]).to(values.dtype)
        W = torch.where(d >= 0, mom * (1 - mom) ** d.clamp(min=0), torch.zeros_like(d))
        carry = (1 - mom) ** (i + 1).to(values.dtype)
        ob = W @ vb + carry * start
        outs.append(ob)
        start = ob[-1]
    return torch.cat(outs)


class LNAdaptiveAvgPool1d(nn.Module):
    """Each item flattened to a one-channel signal of length K; mean and mean squared deviation by F.adaptive_avg_pool1d(., 1)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n = x.shape[0]
        sig = x.reshape(n, 1, -1)
        m = F.adaptive_avg_pool1d(sig, 1)
        d = sig - m
        v = F.adaptive_avg_pool1d(d * d, 1)
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mult + self.add


class BNNanmeanSubInPlace(nn.Module):
    """Channel mean and variance by torch.nanmean over dims (0, 2, 3); buffers moved by buf.sub_(mom * (buf - stat))."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            k = x.numel() // x.shape[1]
            m = torch.nanmean(x, dim=(0, 2, 3), keepdim=True)
            d = x - m
            v = torch.nanmean(d * d, dim=(0, 2, 3), keepdim=True)
            with torch.no_grad():
                self.means.sub_(self.mom * (self.means - m))
                self.vars.sub_(self.mom * (self.vars - v * k / (k - 1)))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INLinearOnesRow(nn.Module):
    """Sums over (H, W) by F.linear of the flattened image with a (1, H*W) row of ones, divided by H*W."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        flat = x.flatten(2)
        hw = flat.shape[-1]
        ones = x.new_ones(1, hw)
        m = F.linear(flat, ones) / hw
        d = flat - m
        v = F.linear(d * d, ones) / hw
        return (d / (v + self.eps).sqrt()).view_as(x) * self.mults + self.adds


class GNGatherSpread(nn.Module):
    """Group mean and var on the (N, groups, -1) view, spread to the channels with torch.gather along dim 1 (channel -> group)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        gm = xg.mean(-1)
        gv = ((xg - gm[..., None]) ** 2).mean(-1)
        idx = (torch.arange(c, device=x.device) // (c // self.groups)).expand(n, c)
        m = gm.gather(1, idx)[:, :, None, None]
        v = gv.gather(1, idx)[:, :, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_truncated_backprop", "check_ewma", ewma_truncated_backprop, "Detaches the running average every 32 steps ('truncated backprop: keep the graph short'): every output is right (values, dtype, shape) and streams of up to 32 values are right everywhere; on longer streams the gradient of each output with respect to values before its last multiple-of-32 boundary is cut to 0 (the average carried across the boundary is a constant), so values.grad is wrong for the early values."),
    ("ewma_avg_promoted_to_double", "check_ewma", ewma_avg_promoted_to_double, "Runs the average in float64 (values[0].double(), each value .double(); 'accumulate in double for accuracy') and never casts back: float64 streams are right everywhere; a float32 stream returns a float64 output (values right to float32 rounding, gradients right and float32), so the output dtype is wrong for float32."),
    ("ewma_long_stream_float32", "check_ewma", ewma_long_stream_float32, "For float64 streams longer than 100 values runs the loop in float32 and casts the result back to float64 ('float64 is slow on long streams'): float32 streams and every stream of up to 100 values are right; a long float64 stream has the right dtype but values (and gradients) only to float32 precision (errors ~1e-7 relative, far beyond float64 rounding)."),
    ("ewma_start_as_item", "check_ewma", ewma_start_as_item, "Starts from values[0].item() (a Python float, cut from the graph) and steps avg + mom*(v - avg): every output value and dtype is right, but values[0] reaches the outputs only through the mom*(v0 - start) step: the gradient with respect to values[0] misses the start's share, (1-mom)**(t+1) for output t (output 0's gradient with respect to values[0] is mom instead of 1); the other values' gradients are right. Wrong on every stream, a 1-value stream included."),
    ("ln_no_eps_in_float64", "check_layernorm", LNNoEpsInFloat64, "Drops eps for float64 input ('float64 has precision to spare, eps only guards float32'): float32 is right everywhere; float64 outputs are divided by sqrt(v) instead of sqrt(v + eps) (slightly too large at eps 1e-5, clearly at 1e-3 and 0.1), and a constant float64 item (v = 0) gives NaN output and NaN gradients instead of add."),
    ("ln_backward_without_eps", "check_layernorm", LNBackwardWithoutEps, "A custom autograd.Function whose forward is right (outputs right everywhere) but whose hand-written backward uses 1/sqrt(v) (eps left out) where the forward used 1/sqrt(v + eps): mult.grad and add.grad are right; x.grad is too large by sqrt((v + eps)/v) (tiny at eps 1e-5, clear at 1e-3 and 0.1), and for a constant item (v = 0) x.grad is NaN/inf."),
    ("ln_zero_var_early_return", "check_layernorm", LNZeroVarEarlyReturn, "Guards against division by zero with an early return: if any item of the batch has variance exactly 0 it returns x * mult + add for the whole batch, unnormalised: every batch without a constant item is right; a batch with a constant item is wrong for every item (the constant item gives 1.0 * mult + add instead of add, the others are not normalised at all), and the input gradient is g * mult."),
    ("ln_normalized_shape_from_first_call", "check_layernorm", LNNormalizedShapeFromFirstCall, "Stores the item shape x.shape[1:] on the first call ('the item shape is fixed: work it out once') and passes it to F.layer_norm ever after: every call at the first call's size is right (outputs and gradients, training and eval); an input of any other (C, H, W) raises RuntimeError (F.layer_norm's normalized_shape does not match); a new batch size alone is fine."),
    ("bn_eval_caches_normaliser", "check_batchnorm", BNEvalCachesNormaliser, "On its first eval call stores the running mean and 1/sqrt(running var + eps) and uses these copies in every later eval call ('precompute the inference normaliser once'): training (outputs, running statistics) is right, and every eval call up to the next training step is right; after more training the running statistics move but eval still uses the stale copies, so eval after train -> eval -> train -> eval is wrong."),
    ("bn_frozen_after_eval", "check_batchnorm", BNFrozenAfterEval, "The first eval call sets a flag that stops every later running-statistics update ('once we evaluate, the statistics are final'): training outputs are always right, and so is everything before the first eval call; a training step after an eval call leaves the running mean and var unchanged (PyTorch moves them), so the next eval is wrong."),
    ("bn_bessel_skipped_for_large_counts", "check_batchnorm", BNBesselSkippedForLargeCounts, "Leaves out the unbiasing factor n/(n-1) in the running var when a channel has n >= 30 values per batch ('n/(n-1) is 1 for any decent count'; n = N*H*W): batches with fewer than 30 values per channel are right everywhere; from 30 values on the running var is too small by the factor (n-1)/n from the first step, so eval after training is slightly off; training outputs and the running mean are right."),
    ("bn_train_var_detached", "check_batchnorm", BNTrainVarDetached, "Detaches the batch variance in training ('the variance is only a scale, no gradient through it'): training outputs, running statistics, eval (outputs and gradients) and mults/adds gradients are right; the training input gradient misses the term through the variance (-xhat * mean(g*mults*xhat) / sqrt(v + eps) per channel), so training x.grad is wrong."),
    ("in_backward_no_projection", "check_instancenorm", INBackwardNoProjection, "A custom autograd.Function whose forward is right (outputs, mults/adds gradients right) but whose hand-written backward returns r * (g - mean(g)) only: the - xhat * mean(g * xhat) term (the path through the variance) is left out, so x.grad is wrong for every (item, channel) whose values vary; a constant (item, channel) gets the right gradient."),
    ("in_mults_folded_into_std", "check_instancenorm", INMultsFoldedIntoStd, "Folds the scale into the denominator: (x - m) / sqrt(v / mults**2 + eps) + adds ('divide by std/mults'), which leaves eps unscaled: with mults 1 outputs are right (mults.grad is not: it is too small by v/(v + eps)); with mults != 1 outputs are off by sqrt((v + eps)/(v + mults**2 eps)) (visible at eps 1e-3 and 0.1), and for a constant (item, channel) x.grad is (g - mean g)/sqrt(eps), missing the factor mults."),
    ("in_eval_params_detached", "check_instancenorm", INEvalParamsDetached, "Uses mults.detach() and adds.detach() in eval mode ('at inference the parameters are constants'): training is right everywhere, eval outputs and the eval input gradient are right, but in eval mode mults and adds get no gradient (grads stay None / 0)."),
    ("in_odd_batch_chunk_dropped", "check_instancenorm", INOddBatchChunkDropped, "Normalises the batch two images at a time with range(0, N - 1, 2) (range(0, N, 2) meant): even batch sizes are right; for an odd N the last item is never normalised: a batch of 3 returns only its first 2 items (output shape (2, C, H, W)), a batch of 1 raises RuntimeError (torch.cat of an empty list)."),
    ("gn_backward_per_channel", "check_groupnorm", GNBackwardPerChannel, "A custom autograd.Function whose forward is right (outputs, mults/adds gradients right) but whose hand-written backward takes the centring and projection terms per channel (means of g and g*xhat over H, W) instead of over the whole group: one channel per group (groups = C) is right; with 2+ channels per group x.grad is wrong."),
    ("gn_eps_sqrt_split", "check_groupnorm", GNEpsSqrtSplit, "Divides by sqrt(v) + sqrt(eps) instead of sqrt(v + eps) (the square root 'split' over the sum): outputs too small everywhere (clear at eps 1e-3 and 0.1, small at 1e-5); for a constant group the output is right (adds) but x.grad is NaN (the derivative of sqrt(v) at v = 0)."),
    ("gn_one_channel_groups_instance_norm", "check_groupnorm", GNOneChannelGroupsInstanceNorm, "Special-cases groups == C (one channel per group) with F.instance_norm(x, eps=eps) ('one channel per group is just InstanceNorm') and forgets mults and adds on that path: every other group count is right; with one channel per group the output ignores the affine parameters (right only while mults are 1 and adds 0) and mults/adds get no gradient."),
    ("gn_stats_preallocated_default_dtype", "check_groupnorm", GNStatsPreallocatedDefaultDtype, "Collects the group means and variances in torch.zeros(N, groups) buffers created without dtype=x.dtype (float32) and fills them group by group: float32 input is right everywhere; float64 input gets float32-rounded statistics: the output dtype is float64 but outputs and gradients are only float32-accurate (errors ~1e-7, far beyond float64 rounding)."),
]

RIGHT = [
    ("ewma_blocked_matmul_carry", "check_ewma", ewma_blocked_matmul_carry,
     "blocks of 16 values: a lower-triangular weight matrix mom*(1-mom)**(i-j) times the block plus (1-mom)**(i+1) times the carried start; torch.cat of the blocks."),
    ("ln_adaptive_avg_pool1d", "check_layernorm", LNAdaptiveAvgPool1d,
     "each item flattened to a one-channel signal of length K; mean and mean squared deviation by F.adaptive_avg_pool1d(., 1)."),
    ("bn_nanmean_sub_in_place", "check_batchnorm", BNNanmeanSubInPlace,
     "channel mean and variance by torch.nanmean over dims (0, 2, 3); buffers moved by buf.sub_(mom * (buf - stat))."),
    ("in_linear_ones_row", "check_instancenorm", INLinearOnesRow,
     "sums over (H, W) by F.linear of the flattened image with a (1, H*W) row of ones, divided by H*W."),
    ("gn_gather_spread", "check_groupnorm", GNGatherSpread,
     "group mean and var on the (N, groups, -1) view, spread to the channels with torch.gather along dim 1 (channel -> group index)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
