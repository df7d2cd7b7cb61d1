"""Fifteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout14 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_truthiness_sentinel(values, mom):
    avg, out = None, []
    for v in values:
        avg = v if not avg else torch.lerp(avg, v, mom)             # `avg is None` meant: `not avg` is also true when avg == 0
        out.append(avg)
    return torch.stack(out)


def ewma_return_inside_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
        return torch.stack(out)                                     # indented one level too far: meant after the loop


def ewma_mom_convention_guess(values, mom):
    if mom > 0.5:                                                   # "accept either convention" (Keras 0.99 / PyTorch 0.1):
        mom = 1 - mom                                               # but mom is always the new value's weight here
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_first_step_flag_off_by_one(values, mom):
    avg, out = torch.zeros_like(values[0]), []
    for t, v in enumerate(values):
        avg = torch.lerp(avg, v, 1. if t == 1 else mom)             # the first step copies its value: t == 0 meant (enumerate counts from 0)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNCountCachedFirstCall(_LNBase):
    def __init__(self, dummy, eps=1e-5):
        super().__init__(dummy, eps)
        self.n = None

    def forward(self, x):
        if self.n is None:
            self.n = x[0].numel()                                   # cached once "to save work": every later input assumed the same size
        m = x.sum((1, 2, 3), keepdim=True) / self.n
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / self.n
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNNumpyDdof(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, ddof=0)                  # numpy's keyword: torch's is correction=0 (or unbiased=False)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNOnePlusMult(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * (1 + self.mult) + self.add                      # the "1 + scale" form (for a scale that starts at 0): mult starts at 1 here


_ONE, _ZERO = torch.tensor(1.), torch.tensor(0.)


class LNDefaultTensorArgs(nn.Module):
    def __init__(self, dummy, eps=1e-5, mult=_ONE, add=_ZERO):      # default tensors are made once, when the def runs
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(mult)                              # wraps the default tensor itself (nn.Parameter(mult.clone()) meant):
        self.add = nn.Parameter(add)                                # every layer built with the defaults shares its storage

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
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

    def batch_stats(self, x):
        m = x.mean((0, 2, 3), keepdim=True)
        v = x.var((0, 2, 3), keepdim=True, correction=0)
        n = x.numel() / x.shape[1]
        return m, v, n


class BNNoGradNotCalled(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad:                                     # torch.no_grad() meant: the class itself is not a context manager
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNVarLerpNotInPlace(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp(v * n / (n - 1), self.mom)           # lerp_ meant: lerp returns a new tensor, here thrown away
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRunningVarFloored(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)                       # "so eval never divides by ~0": but eps already does that
                self.vars.lerp_((v * n / (n - 1)).clamp(min=self.eps), self.mom)   # the plain unbiased variance meant
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNMomentumWarmup(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.steps += 1
            w = max(self.mom, 1 / self.steps)                       # "warm-up" so the running stats forget their 0/1 start: mom meant
            with torch.no_grad():
                self.means.lerp_(m, w)
                self.vars.lerp_(v * n / (n - 1), w)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INSqrtChainedOnQuotient(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = x.sub(m).div(v.add(self.eps)).sqrt()                   # .div(v.add(self.eps).sqrt()) meant: sqrt closes the whole chain
        return xn * self.mults + self.adds


class INVectorNormOverCount(_INBase):
    def forward(self, x):
        h, w = x.shape[-2:]
        d = x - x.mean((2, 3), keepdim=True)
        s = torch.linalg.vector_norm(d, dim=(2, 3), keepdim=True) / (h * w)     # the RMS: / math.sqrt(h * w) meant
        return d / (s ** 2 + self.eps).sqrt() * self.mults + self.adds


class INReshapeChannelsRows(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        rows = x.reshape(c, -1)                                     # one row per (item, channel): x.reshape(n * c, -1) meant
        m = rows.mean(1, keepdim=True)
        v = rows.var(1, keepdim=True, correction=0)
        return ((rows - m) / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


class INZeroVarGuard(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        s = torch.where(v == 0, torch.ones_like(v), (v + self.eps).sqrt())    # sklearn's habit: constant channels left unscaled
        return (x - m) / s * self.mults + self.adds                            # (eps already guards the division: sqrt(v + eps) meant everywhere)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNSliceEndPrecedence(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            xs = x[:, g * cpg:g + 1 * cpg]                          # (g + 1) * cpg meant: this ends at g + cpg
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, g * cpg:g + 1 * cpg] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNVarCountWrongAxis(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = ((xg - m) ** 2).sum(-1, keepdim=True) / xg.shape[1]     # xg.shape[-1] (values per group) meant: shape[1] is the group count
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNGroupsComparedNotAssigned(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        nn.Module.__init__(self)
        self.groups == groups                                       # `=` meant: `==` compares (and reads an attribute not yet set)
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNLoopStepGroups(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for s in range(0, x.shape[1], self.groups):                 # step cpg meant (each group starts cpg channels after the last)
            xs = x[:, s:s + cpg]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, s:s + cpg] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


WRONG = [
    ("ewma_truthiness_sentinel", "check_ewma", ewma_truthiness_sentinel, "avg starts as None and each step is `avg = v if not avg else lerp(avg, v, mom)` (`avg is None` meant): `not avg` is also true for a 0-d tensor equal to 0, so whenever the running average is exactly 0 the next value is copied instead of lerped. Streams starting with 0 (or with an exact 0 average) are wrong: [0, 1, 0, 0] gives [0, 1, 0.9, 0.81] at mom 0.1 (right: [0, 0.1, 0.09, 0.081]); other streams are right."),
    ("ewma_return_inside_loop", "check_ewma", ewma_return_inside_loop, "return torch.stack(out) indented inside the loop: it returns after the first value, so the output is always [values[0]] of shape (1,); right only for a one-value stream."),
    ("ewma_mom_convention_guess", "check_ewma", ewma_mom_convention_guess, "If mom > 0.5 it replaces mom by 1 - mom ('accept either convention'): at mom 0.9 it averages with weight 0.1 on the new value; right for every mom <= 0.5. [1, 3] at mom 0.9 gives [1, 1.2] (right: [1, 2.8])."),
    ("ewma_first_step_flag_off_by_one", "check_ewma", ewma_first_step_flag_off_by_one, "Starts from 0 and lerps with weight 1 when t == 1 (t == 0 meant: enumerate counts from 0): output 0 is mom*values[0], output 1 is values[1] exactly, and from there on it is the EWMA of the stream that starts at values[1]. [1, 3, 0, 2] gives [0.1, 3, 2.7, 2.63] at mom 0.1 (right: [1, 1.2, 1.08, 1.172])."),
    ("ln_count_cached_first_call", "check_layernorm", LNCountCachedFirstCall, "Caches the per-item count C*H*W (x[0].numel()) on the first call and divides sums by it on every later call: right while every input has the first one's item size; a later input with another item size K gets mean = sum/K0 (K/K0 times the true mean) and var = sum of squared deviations from that / K0, so its items are off-centre and their spread is about sqrt(K0/K) (0.75 for K0 = 60, K = 105; 1.41 for K = 30)."),
    ("ln_numpy_ddof", "check_layernorm", LNNumpyDdof, "x.var((1, 2, 3), keepdim=True, ddof=0): ddof is numpy's keyword; torch.var takes correction=0 / unbiased=False, so every call raises TypeError 'var() received an invalid combination of arguments - got (tuple, ddof=int, keepdim=bool)'."),
    ("ln_one_plus_mult", "check_layernorm", LNOnePlusMult, "Returns xn * (1 + mult) + add (the '1 + scale' form used with a scale that starts at 0) while mult starts at 1: the fresh output is 2*xn; with mult m the scale is 1 + m; x.grad is (1+m)/m times PyTorch's; mult.grad and add.grad are right."),
    ("ln_default_tensor_args", "check_layernorm", LNDefaultTensorArgs, "mult and add come from default arguments mult=torch.tensor(1.), add=torch.tensor(0.) (made once, when the def runs) wrapped by nn.Parameter without a copy: every layer built with the defaults shares their storage, so setting or training mult/add in place on one float32 layer changes every other layer and the starting values of every later one (after one layer's mult is set to 1.7, a fresh layer's output is 1.7*xn). A single fresh layer is right; .to(float64) gives that layer its own copy."),
    ("bn_no_grad_not_called", "check_batchnorm", BNNoGradNotCalled, "`with torch.no_grad:` (the class, not torch.no_grad()): every training call raises TypeError \"'type' object does not support the context manager protocol\" before the running stats are touched; eval calls are right."),
    ("bn_var_lerp_not_in_place", "check_batchnorm", BNVarLerpNotInPlace, "self.vars.lerp(...) (not lerp_) for the running variance: the new tensor is thrown away, so the running var stays 1 forever; the running mean is right; training output right; eval divides by sqrt(1 + eps)."),
    ("bn_running_var_floored", "check_batchnorm", BNRunningVarFloored, "The running variance is lerped towards the unbiased batch variance clamped at eps (clamp(min=eps), 'so eval never divides by ~0'): right wherever every channel's unbiased batch variance is at least eps; a channel below it (a constant channel: 0 -> eps; small-spread channels at eps 0.1) gets a running var too big, so eval divides by too much there. Training output and running mean right."),
    ("bn_momentum_warmup", "check_batchnorm", BNMomentumWarmup, "Counts steps and lerps the running stats with weight max(mom, 1/steps): step 1 copies the batch stats (weight 1), step 2 averages with weight 1/2, ..., a cumulative average until 1/steps < mom (10 steps at mom 0.1, 4 at 0.3); from then on right weight but wrong history. Running stats wrong from the first step; training output right; eval off."),
    ("in_sqrt_chained_on_quotient", "check_instancenorm", INSqrtChainedOnQuotient, "x.sub(m).div(v.add(eps)).sqrt() (.div(v.add(eps).sqrt()) meant): the square root closes the whole chain, so it returns sqrt((x - m)/(v + eps)): NaN wherever x is below its (item, channel) mean (about half the values) and sqrt of the deviation over the variance elsewhere; gradients NaN/inf there too."),
    ("in_vector_norm_over_count", "check_instancenorm", INVectorNormOverCount, "Spread as torch.linalg.vector_norm(x - m over (H, W)) / (H*W) (the RMS meant: / sqrt(H*W)): the std is understated by sqrt(H*W), so it divides by sqrt(var/(H*W) + eps): the output's spread is about sqrt(H*W) (not 1) per (item, channel) (4.47 for 4x5), less where eps is large against var/(H*W)."),
    ("in_reshape_channels_rows", "check_instancenorm", INReshapeChannelsRows, "x.reshape(C, -1) where x.reshape(N*C, -1) was meant: for a batch of one each row is one channel (right); for N > 1 each row is N*H*W consecutive values in memory, i.e. N consecutive (item, channel) blocks (channels 0..N-1 of item 0, ...), normalised together."),
    ("in_zero_var_guard", "check_instancenorm", INZeroVarGuard, "Divides by torch.where(v == 0, 1, sqrt(v + eps)) (sklearn's 'leave constant features unscaled'): outputs are right everywhere (a constant channel is 0 either way), but for a constant channel the input gradient is (g - mean g)*mult instead of PyTorch's (g - mean g)*mult/sqrt(eps): 316 times smaller at eps 1e-5; non-constant channels right."),
    ("gn_slice_end_precedence", "check_groupnorm", GNSliceEndPrecedence, "Group loop slices x[:, g*cpg:g + 1*cpg] ((g + 1)*cpg meant): group 0 is right, group g >= 1 covers channels g*cpg .. g+cpg-1 only, which is one channel for g = 1 and empty from g = 2 when cpg >= 2; the channels left out stay raw (x*mults + adds). Right with one group or one channel per group."),
    ("gn_var_count_wrong_axis", "check_groupnorm", GNVarCountWrongAxis, "Group variance = sum of squared deviations / xg.shape[1] (the number of groups) where xg.shape[-1] (values per group, C/G*H*W) was meant: the variance is overstated by (C/G*H*W)/G, so the output's spread is about sqrt(G/(C/G*H*W)) (0.129 for 1 group of 6x4x5); centring right."),
    ("gn_groups_compared_not_assigned", "check_groupnorm", GNGroupsComparedNotAssigned, "self.groups == groups in __init__ (= meant): the comparison reads self.groups before it exists, so building any layer raises AttributeError \"'GNGroupsComparedNotAssigned' object has no attribute 'groups'\"."),
    ("gn_loop_step_groups", "check_groupnorm", GNLoopStepGroups, "Group loop for s in range(0, C, groups) with slices [s:s + cpg] (step cpg meant): right when groups == cpg (C = groups^2, e.g. 2 groups of 2); otherwise the slices overlap or leave gaps: with one group every channel is overwritten by the slice starting at it (channel C-1 normalised alone), with groups == C only channel 0 is normalised, with 2 groups of 3 channels the slices are [0:3], [2:5], [4:6]."),
]


# ================================================================= RIGHT answers

def ewma_relu_rnn_shifted(values, mom):
    """An nn.RNN with a ReLU cell, input weight mom and recurrent weight 1 - mom, run on the stream shifted to be
    non-negative (so the ReLU never clips), its initial state the shifted values[0]; shifted back after."""
    lo = values.min()
    rnn = nn.RNN(1, 1, nonlinearity='relu', bias=False, batch_first=True).to(values.dtype)
    for p in rnn.parameters(): p.requires_grad_(False)
    rnn.weight_ih_l0.fill_(mom)
    rnn.weight_hh_l0.fill_(1 - mom)
    s = (values - lo).view(1, -1, 1)
    out, _ = rnn(s, s[:, :1].transpose(0, 1).contiguous())
    return out.view(-1) + lo


class LNRmsNormCentred(nn.Module):
    """F.rms_norm of the centred input over (C, H, W): x - mean divided by sqrt(mean((x - mean)^2) + eps)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x - x.mean((1, 2, 3), keepdim=True)
        return F.rms_norm(d, d.shape[1:], eps=self.eps) * self.mult + self.add


class BNFunctionalCall(nn.Module):
    """A throwaway nn.BatchNorm2d (no affine) run by torch.func.functional_call with this layer's buffers, viewed flat,
    as its running_mean / running_var: its in-place running update lands in means and vars."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        bn = nn.BatchNorm2d(x.shape[1], eps=self.eps, momentum=self.mom, affine=False).to(x.dtype).train(self.training)
        state = {'running_mean': self.means.view(-1), 'running_var': self.vars.view(-1)}
        y = torch.func.functional_call(bn, state, (x,))
        return y * self.mults + self.adds


class INUnfoldWholeImage(nn.Module):
    """F.unfold (im2col) with a kernel the size of the image: one column per item holding every (channel, position),
    viewed (N, C, H*W); statistics over the last dim."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        cols = F.unfold(x, (h, w)).view(n, c, h * w)
        d = cols - cols.mean(-1, keepdim=True)
        v = (d * d).mean(-1, keepdim=True)
        return (d / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNLawOfTotalVariance(nn.Module):
    """Per-channel moments over (H, W), combined per group: group mean = mean of the channel means, group variance =
    mean of the channel variances + variance of the channel means (equal counts)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        cv, cm = torch.var_mean(x, (2, 3), correction=0)
        cv, cm = cv.view(n, self.groups, cpg), cm.view(n, self.groups, cpg)
        gm = cm.mean(-1)
        gv = cv.mean(-1) + cm.var(-1, correction=0)
        spread = lambda t: t.repeat_interleave(cpg, 1).view(n, c, 1, 1)
        return (x - spread(gm)) / (spread(gv) + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_relu_rnn_shifted", "check_ewma", ewma_relu_rnn_shifted,
     "nn.RNN (ReLU cell, input weight mom, recurrent weight 1 - mom) on the stream shifted to be non-negative, started at the shifted values[0], shifted back."),
    ("ln_rms_norm_centred", "check_layernorm", LNRmsNormCentred,
     "F.rms_norm over (C, H, W) of the input minus its per-item mean."),
    ("bn_functional_call", "check_batchnorm", BNFunctionalCall,
     "a throwaway nn.BatchNorm2d run through torch.func.functional_call with the layer's own buffers (viewed flat) as running_mean / running_var."),
    ("in_unfold_whole_image", "check_instancenorm", INUnfoldWholeImage,
     "F.unfold with a kernel the size of the image (im2col), viewed (N, C, H*W); statistics over the last dim."),
    ("gn_law_of_total_variance", "check_groupnorm", GNLawOfTotalVariance,
     "per-channel torch.var_mean over (H, W), combined per group by the law of total variance (mean of variances + variance of means)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
