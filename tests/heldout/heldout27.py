"""Twenty-seventh held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout26 (heldoutN.py).
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

def ewma_first_then_stack_rest(values, mom):
    avg, rest = values[0], []
    for v in values[1:]:
        avg = torch.lerp(avg, v, mom)
        rest.append(avg)
    return torch.cat([values[:1], torch.stack(rest)])               # output 0 kept as a slice; torch.stack([]) raises for one value


def ewma_step_clamped(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg + (mom * (v - avg)).clamp(-1, 1)                  # "no single value may move the average by more than 1"
        out.append(avg)
    return torch.stack(out)


def ewma_weight_compounds_with_step(values, mom):
    avg, out = values[0], []
    for t, v in enumerate(values):
        avg = torch.lerp(avg, v, 1 - (1 - mom) ** t)                # "the new value's share grows as the old average decays"
        out.append(avg)
    return torch.stack(out)


def ewma_start_first_nonzero(values, mom):
    nonzero = values[values != 0]
    avg = nonzero[0] if len(nonzero) else values[0]                 # "a leading 0 is a missing reading: start from the first real one"
    out = []
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


class LNMeanDetached(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True).detach()                # "the mean is only a shift: no gradient needed through it"
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNEpsRaisedForFloat32(_LNBase):
    def forward(self, x):
        eps = max(self.eps, 1e-3) if x.dtype != torch.float64 else self.eps   # "lower precision needs a bigger eps"
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + eps).sqrt() * self.mult + self.add


class LNStatsOfClippedInput(_LNBase):
    def forward(self, x):
        xc = x.clamp(-5, 5)                                         # "outliers must not dominate the statistics"
        m = xc.mean((1, 2, 3), keepdim=True)
        v = xc.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNVarMeanOfPixelVars(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var(1, keepdim=True, correction=0).mean((2, 3), keepdim=True)   # variance across the channels at each pixel, averaged over pixels
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


# ================================================================= BatchNorm (wrong)

class _BNBase(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            self.update(x, m, v)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningVarPooledMixture(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            old = self.means.clone()
            self.means.lerp_(m, self.mom)
            new = self.means                                        # "the variance of the mixture: each part about the new mean"
            self.vars.copy_((1 - self.mom) * (self.vars + (old - new) ** 2) + self.mom * (v * n / (n - 1) + (m - new) ** 2))


class BNRunningUpdateInFloat32(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():                                       # "running statistics in float32, as mixed precision keeps them"
            self.means.lerp_(m.float(), self.mom)
            self.vars.lerp_((v * n / (n - 1)).float(), self.mom)


class BNEvalBatchStatsAtNewSize(_BNBase):
    def forward(self, x):
        if self.training:
            self.train_hw = tuple(x.shape[2:])
            return super().forward(x)
        if getattr(self, 'train_hw', None) not in (None, tuple(x.shape[2:])):   # "the running stats belong to the training resolution"
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds
        return super().forward(x)


class BNStatsPooledWithPreviousBatch(_BNBase):
    def forward(self, x):
        if not self.training: return super().forward(x)
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        self.update(x, m, v)
        prev = getattr(self, 'prev', None)
        self.prev = (m.detach(), v.detach())
        if prev is not None:                                        # "a bigger effective batch: pool with the previous batch's statistics"
            m, v = (m + prev[0]) / 2, (v + prev[1]) / 2
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INAveragingMatricesCached(_INBase):
    def forward(self, x):
        if not hasattr(self, 'rows'):                               # "build the averaging matrices once, on the first call"
            h, w = x.shape[2:]
            self.rows = torch.full((1, h), 1 / h, dtype=x.dtype)
            self.cols = torch.full((w, 1), 1 / w, dtype=x.dtype)
        m = self.rows @ x @ self.cols
        v = self.rows @ (x - m) ** 2 @ self.cols
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INCountMinusOneEverywhere(_INBase):
    def forward(self, x):
        k = x.shape[2] * x.shape[3] - 1                             # "n - 1 in the denominators": for the mean too
        m = x.sum((2, 3), keepdim=True) / k
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / k
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INDebugHookNeedsGrad(_INBase):
    def _keep_grad(self, g):
        self.last_grad = g.detach()                                 # left in from debugging

    def forward(self, x):
        x.register_hook(self._keep_grad)                            # raises for an input that does not require grad
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMultsRepeatedPerItem(_INBase):
    def forward(self, x):
        n = x.shape[0]
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mults.repeat(n, 1, 1) + self.adds.repeat(n, 1, 1)   # "one copy of the parameters per item": (N*C, 1, 1)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNVarUnbiasedWithinChannels(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        cv, cm = torch.var_mean(x, dim=(2, 3))                      # per-channel variance and mean; torch's default correction=1 (correction=0 meant)
        cv, cm = cv.view(n, self.groups, -1), cm.view(n, self.groups, -1)
        gm = cm.mean(-1, keepdim=True)
        gv = cv.mean(-1, keepdim=True) + ((cm - gm) ** 2).mean(-1, keepdim=True)   # within-channel + between-channel parts
        xg = x.view(n, self.groups, -1)
        return ((xg - gm) / (gv + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNMultsRepeatNotInterleave(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        xn = (xg - m) / (v + self.eps).sqrt()
        mults = self.mults.view(1, self.groups, -1).repeat(1, 1, h * w)   # repeat_interleave(h * w, -1) meant: each channel's value over its pixels
        adds = self.adds.view(1, self.groups, -1).repeat(1, 1, h * w)
        return (xn * mults + adds).view(x.shape)


class GNOutputTransposedBack(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3, 4), keepdim=True)
        v = xg.var((2, 3, 4), keepdim=True, correction=0)
        out = ((xg - m) / (v + self.eps).sqrt()).transpose(1, 2).reshape(x.shape)   # "swap the group axes back" (a plain reshape meant)
        return out * self.mults + self.adds


class GNHalfForFloat32(_GNBase):
    def forward(self, x):
        xh = x.half() if x.dtype == torch.float32 else x            # "autocast: float32 activations in half for speed"
        xg = xh.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        out = ((xg - m) / (v + self.eps).sqrt()).view(x.shape).to(x.dtype)
        return out * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_zip_growing_list(values, mom):
    """zip over the output list while appending to it: the list iterator sees each new average as the next `prev`."""
    out = [values[0]]
    for prev, v in zip(out, values[1:]):
        out.append(torch.lerp(prev, v, mom))
    return torch.stack(out)


class LNNestedMeansHypot(nn.Module):
    """Item mean and variance as means over one dim at a time (3, then 2, then 1); divides by torch.hypot(std, sqrt(eps))."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean(3, keepdim=True).mean(2, keepdim=True).mean(1, keepdim=True)
        d = x - m
        v = (d * d).mean(3, keepdim=True).mean(2, keepdim=True).mean(1, keepdim=True)
        s = v.sqrt()
        return d / torch.hypot(s, torch.full_like(s, math.sqrt(self.eps))) * self.mult + self.add


class BNSwapaxesVectorNorm(nn.Module):
    """Channel rows by x.swapaxes(0, 1).reshape(C, -1); sum of squares as torch.linalg.vector_norm(...)**2; buffers moved by sub_(running - batch, alpha=mom)."""
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
            rows = x.swapaxes(0, 1).reshape(c, -1)
            k = rows.shape[1]
            mr = rows.mean(1, keepdim=True)
            ss = torch.linalg.vector_norm(rows - mr, dim=1) ** 2
            m, v = mr.view(1, c, 1, 1), (ss / k).view(1, c, 1, 1)
            with torch.no_grad():
                self.means.sub_(self.means - m, alpha=self.mom)
                self.vars.sub_(self.vars - (ss / (k - 1)).view(1, c, 1, 1), alpha=self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INLpPoolSpread(nn.Module):
    """The spread by F.lp_pool2d(d, 2, (H, W)) (the root of the sum of squares over the image window): var = its square / (H*W); rsqrt."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        h, w = x.shape[2:]
        d = x - x.mean((2, 3), keepdim=True)
        v = F.lp_pool2d(d, 2, (h, w)) ** 2 / (h * w)
        return d * torch.rsqrt(v + self.eps) * self.mults + self.adds


class GNScatterAddGroups(nn.Module):
    """Per-channel means pooled into groups by Tensor.scatter_add over a channel->group index, gathered back with torch.gather."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        idx = (torch.arange(c, device=x.device) // cpg).expand(n, c)

        def group_mean(per_channel):                                # (n, c) per-channel means -> (n, c) their group's mean
            sums = per_channel.new_zeros(n, self.groups).scatter_add(1, idx, per_channel)
            return torch.gather(sums / cpg, 1, idx)

        m = group_mean(x.mean((2, 3)))[:, :, None, None]
        d = x - m
        v = group_mean((d * d).mean((2, 3)))[:, :, None, None]
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_first_then_stack_rest", "check_ewma", ewma_first_then_stack_rest, "Keeps output 0 as the slice values[:1] and stacks the averages of values[1:] separately, then joins them with torch.cat: for a 1-value stream the list of later averages is empty and torch.stack([]) raises RuntimeError 'stack expects a non-empty TensorList'; every stream of 2+ values is right."),
    ("ewma_step_clamped", "check_ewma", ewma_step_clamped, "Clamps each step mom * (v - avg) to [-1, 1] ('no single value may move the average by more than 1'): right while every step is at most 1 in size (short or smooth streams, small mom); where a value is far from the average at a high mom (e.g. 0.9) the average moves by only 1, so it lags; output 0 is values[0]."),
    ("ewma_weight_compounds_with_step", "check_ewma", ewma_weight_compounds_with_step, "Lerps value t with weight 1 - (1 - mom)**t (t counted from 0) instead of mom: the weight is 0 at t = 0 (output 0 is values[0], right), mom at t = 1 (output 1 right), 1 - (1 - mom)**2 at t = 2 and grows towards 1, so from output 2 on the average follows the newest values too closely; right for streams of 1 and 2 values."),
    ("ewma_start_first_nonzero", "check_ewma", ewma_start_first_nonzero, "Starts the average from the first nonzero value ('a leading 0 is a missing reading') instead of values[0], while still lerping towards every value: right for every stream whose first value is not 0; a stream starting at 0 gets output 0 = lerp(values[1], 0, mom) = (1 - mom) * values[1] instead of 0, and the error decays by (1 - mom) each step."),
    ("ln_mean_detached", "check_layernorm", LNMeanDetached, "Detaches the item mean ('only a shift: no gradient needed through it'): outputs and the mult/add gradients are right on every input, but x.grad misses the term through the mean (PyTorch subtracts mean(g * mult) / std from every value of the item): wrong wherever gradients are taken (right only if the output gradient of each item sums to 0)."),
    ("ln_eps_raised_for_float32", "check_layernorm", LNEpsRaisedForFloat32, "For input that is not float64 it uses eps = max(eps, 1e-3) ('lower precision needs a bigger eps'): float64 input is right at every eps, and float32 input is right when eps is 1e-3 or more; float32 input with a smaller eps (e.g. the default 1e-5) is divided by sqrt(v + 1e-3) instead of sqrt(v + eps), so outputs are too small (about 5e-4 relative for unit variance, more for small variances)."),
    ("ln_stats_of_clipped_input", "check_layernorm", LNStatsOfClippedInput, "Takes each item's mean and variance from x.clamp(-5, 5) ('outliers must not dominate the statistics') but normalises the unclipped x: right for items whose values all lie within [-5, 5]; an item with values beyond +-5 is centred and scaled with the clipped statistics (and no gradient flows to those values through the statistics)."),
    ("ln_var_mean_of_pixel_vars", "check_layernorm", LNVarMeanOfPixelVars, "Mean right (over C, H, W); the variance is the variance across the channels at each pixel (x.var(1)) averaged over the pixels: it leaves out the spread between the pixels' channel means, so it is too small and outputs too large (right only if every pixel has the same channel mean)."),
    ("bn_running_var_pooled_mixture", "check_batchnorm", BNRunningVarPooledMixture, "Updates the running var as the variance of a mixture: (1 - mom) * (old var + (old mean - new mean)**2) + mom * (unbiased batch var + (batch mean - new mean)**2), new mean being the updated running mean: training outputs and the running mean are right; the running var is too large from the first step (it gains the squared mean shifts); eval divides by it."),
    ("bn_running_update_in_float32", "check_batchnorm", BNRunningUpdateInFloat32, "Lerps the running statistics towards the batch mean and unbiased variance cast to float32 (m.float(): 'running statistics in float32, as mixed precision keeps them'): float32 layers are right; on a float64 layer (buffers float64) the in-place lerp_ raises RuntimeError 'expected dtype double for `end` but got dtype float' at the first training call; float64 eval calls (a fresh layer) are right."),
    ("bn_eval_batch_stats_at_new_size", "check_batchnorm", BNEvalBatchStatsAtNewSize, "Remembers the training input's height and width, and in eval mode normalises an input of another H x W with that batch's own statistics ('the running stats belong to the training resolution') instead of the running ones: training, the running statistics and eval on inputs of the training size (and a fresh layer in eval) are right; eval on another image size is wrong (outputs and gradients)."),
    ("bn_stats_pooled_with_previous_batch", "check_batchnorm", BNStatsPooledWithPreviousBatch, "In training normalises with the average of this batch's mean/var and the previous training call's ('a bigger effective batch'): the first training call is right, and the running statistics (updated with this batch's own) and eval are right; from the second training call on, outputs (and gradients) are normalised with the pooled statistics."),
    ("in_averaging_matrices_cached", "check_instancenorm", INAveragingMatricesCached, "Takes the mean and variance with averaging matrices ones(1, H)/H @ . @ ones(W, 1)/W built on the first call and kept (plain attributes, 'build them once'): every call on images of the first call's H x W is right; a later call with another height or width raises RuntimeError at the matrix product (size mismatch) (a call with the same H x W in another dtype raises too)."),
    ("in_count_minus_one_everywhere", "check_instancenorm", INCountMinusOneEverywhere, "Divides both sums by H*W - 1 ('n - 1 in the denominators'): the mean is H*W/(H*W - 1) times the true mean, so outputs are not centred, and the variance is the sum of squared deviations about that wrong mean / (H*W - 1): every input is slightly wrong (most where an image's mean is large)."),
    ("in_debug_hook_needs_grad", "check_instancenorm", INDebugHookNeedsGrad, "Registers a debugging hook on the input (x.register_hook, left in to inspect gradients): for an input that does not require grad (e.g. a plain tensor, or one made under torch.no_grad()) register_hook raises RuntimeError 'cannot register a hook on a tensor that doesn't require gradient'; every call on an input that requires grad is right (outputs and gradients)."),
    ("in_mults_repeated_per_item", "check_instancenorm", INMultsRepeatedPerItem, "Scales and shifts with self.mults.repeat(N, 1, 1) and self.adds.repeat(N, 1, 1) ('one copy per item'): shape (N*C, 1, 1), which lines up with (C, H, W) only for a batch of one: batches of one are right; any batch of 2+ items raises RuntimeError (size N*C against C at dim 1)."),
    ("gn_var_unbiased_within_channels", "check_groupnorm", GNVarUnbiasedWithinChannels, "Pools the group variance from per-channel torch.var_mean over (H, W) as the mean of the channel variances plus the spread of the channel means (the law of total variance, right in itself), but torch.var_mean's default correction=1 makes each channel's variance the unbiased one: the within-channel part is H*W/(H*W - 1) times too big, so every output is slightly too small (by up to about 1/(2 H*W) relative: 1/40 on 4x5 images); the mean is right."),
    ("gn_mults_repeat_not_interleave", "check_groupnorm", GNMultsRepeatNotInterleave, "Applies mults/adds on the flattened (N, groups, C/groups*H*W) view, spread with .repeat(1, 1, H*W) where repeat_interleave(H*W) was meant: along a group's flattened values the parameters cycle c0, c1, c0, c1 ... instead of H*W copies of c0 then of c1: the statistics are right; everything is right with one channel per group; with 2+ channels per group a fresh layer's output and x.grad are right (all mults 1, adds 0) but mults.grad and adds.grad mix the group's channels (each channel's gradient sums over a cycling share of its group's positions), and with mults/adds that differ between a group's channels the outputs are wrong too (values get other channels' parameters)."),
    ("gn_output_transposed_back", "check_groupnorm", GNOutputTransposedBack, "Normalises the (N, groups, C/groups, H, W) view right, but returns it with .transpose(1, 2).reshape(x.shape) (a plain reshape meant): the channels come back in the wrong order (channel j*groups + i gets group i's channel j): right with one group or one channel per group; with 2+ groups of 2+ channels the output's channels are shuffled."),
    ("gn_half_for_float32", "check_groupnorm", GNHalfForFloat32, "Casts float32 input to half ('autocast for speed') for the statistics and normalisation and casts the normalised values back: float64 input is right; float32 input gives float32 outputs (and gradients) with float16 rounding (errors about 1e-3)."),
]

RIGHT = [
    ("ewma_zip_growing_list", "check_ewma", ewma_zip_growing_list,
     "zip(out, values[1:]) over the output list while appending to it (the list iterator sees each new average as the next prev)."),
    ("ln_nested_means_hypot", "check_layernorm", LNNestedMeansHypot,
     "mean and variance as means over one dim at a time (3, then 2, then 1); divides by torch.hypot(std, sqrt(eps))."),
    ("bn_swapaxes_vector_norm", "check_batchnorm", BNSwapaxesVectorNorm,
     "channel rows by x.swapaxes(0, 1).reshape(C, -1); sum of squares as torch.linalg.vector_norm(...)**2; buffers moved by sub_(running - batch, alpha=mom)."),
    ("in_lp_pool_spread", "check_instancenorm", INLpPoolSpread,
     "the image's root sum of squared deviations by F.lp_pool2d(d, 2, (H, W)); var = its square / (H*W); torch.rsqrt."),
    ("gn_scatter_add_groups", "check_groupnorm", GNScatterAddGroups,
     "per-channel means pooled into groups by Tensor.scatter_add over a channel->group index, gathered back with torch.gather (for the mean and the mean squared deviation)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
