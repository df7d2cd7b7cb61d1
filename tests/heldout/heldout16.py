"""Sixteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout15 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_start_slot_returned(values, mom):
    out = values.new_empty(len(values) + 1)                         # one extra slot for the start value
    out[0] = values[0]
    for i, v in enumerate(values):
        out[i + 1] = torch.lerp(out[i], v, mom)
    return out                                                      # out[1:] meant: the start slot is returned too


def ewma_state_in_default_dict(values, mom, _state={}):
    avg, out = _state.get('avg', values[0]), []                     # "carry on the stream": the dict is made once, so
    for v in values:                                                # every later call starts from the last call's average
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    _state['avg'] = avg
    return torch.stack(out)


def ewma_python_floats_as_double(values, mom):
    avg, out = values[0].item(), []
    for v in values.tolist():
        avg = avg + mom * (v - avg)
        out.append(avg)
    return torch.tensor(out, dtype=torch.float64)                   # "keep the precision": dtype=values.dtype meant


def ewma_first_output_patched(values, mom):
    avg, out = torch.zeros_like(values[0]), []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    out[0] = values[0]                                              # patches output 0 only: avg = values[0] at the start meant
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNCountPrecedence(_LNBase):
    def forward(self, x):
        m = x.sum((1, 2, 3), keepdim=True) / x.shape[1] * x.shape[2] * x.shape[3]          # / (C * H * W) meant
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True) / x.shape[1] * x.shape[2] * x.shape[3]
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNLerpAsFma(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return torch.lerp(self.add, xn, self.mult)                  # "fused add + mult * xn": torch.addcmul(add, xn, mult) meant


class LNDimsNotTuple(_LNBase):
    def forward(self, x):
        m = x.mean(1, 2, 3, keepdim=True)                           # x.mean((1, 2, 3), keepdim=True) meant: the dims as one tuple
        v = ((x - m) ** 2).mean(1, 2, 3, keepdim=True)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNRecentredAfterAffine(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        out = (x - m) / (v + self.eps).sqrt() * self.mult + self.add
        return out - out.mean((1, 2, 3), keepdim=True)              # "make sure the output is centred": this removes add again


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


class BNTrainingCalled(_BNBase):
    def forward(self, x):
        if self.training():                                         # self.training meant: it is a bool attribute, not a method
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNMomCompoundedPerItem(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            w = 1 - (1 - self.mom) ** len(x)                        # "one momentum step per image": mom is per batch, w = mom meant
            with torch.no_grad():
                self.means.lerp_(m, w)
                self.vars.lerp_(v * n / (n - 1), w)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBesselCountOfOneItem(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x[0].numel()                                        # values per channel: x[:, 0].numel() meant (x[0] is one item)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalBatchStatsBeforeTraining(_BNBase):
    def forward(self, x):
        if self.training or not self.means.any():                   # "no running stats yet: use the batch's" (PyTorch uses 0 and 1)
            m, v, n = self.batch_stats(x)
            if self.training:
                with torch.no_grad():
                    self.means.lerp_(m, self.mom)
                    self.vars.lerp_(v * n / (n - 1), self.mom)
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


class INAdaptiveMaxPool(_INBase):
    def forward(self, x):
        m = F.adaptive_max_pool2d(x, 1)                             # adaptive_avg_pool2d meant (autocompleted): the max, not the mean
        v = F.adaptive_avg_pool2d((x - m) ** 2, 1)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INNormalisedPerDimInTurn(_INBase):
    def forward(self, x):
        for d in (2, 3):                                            # normalises over H, then the result over W: statistics over
            x = (x - x.mean(d, keepdim=True)) / (x.var(d, keepdim=True, correction=0) + self.eps).sqrt()   # (2, 3) together meant
        return x * self.mults + self.adds


class INHwFromLeadingDims(_INBase):
    def forward(self, x):
        h, w = x.shape[:2]                                          # x.shape[2:] meant: these are N and C
        m = x.sum((2, 3), keepdim=True) / (h * w)
        v = ((x - m) ** 2).sum((2, 3), keepdim=True) / (h * w)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INEpsMachineEpsilon(_INBase):
    def forward(self, x):
        eps = torch.finfo(x.dtype).eps                              # the dtype's machine epsilon: self.eps meant
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNStatsRequiresGradOff(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        xs = xg.requires_grad_(False)                               # "the statistics need no gradient": xg.detach() meant
        m = xs.mean(-1, keepdim=True)                               # (requires_grad_ changes xg itself, and only on a leaf)
        v = xs.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNCatGenerator(_GNBase):
    def norm(self, xs):
        m = xs.mean((1, 2, 3), keepdim=True)
        v = xs.var((1, 2, 3), keepdim=True, correction=0)
        return (xs - m) / (v + self.eps).sqrt()

    def forward(self, x):
        y = torch.cat((self.norm(xs) for xs in x.chunk(self.groups, 1)), 1)    # a generator: [... for ...] (a list) meant
        return y * self.mults + self.adds


class GNMultsSliceNoOffset(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = torch.empty_like(x)
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            xs = x[:, sl]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, sl] = (xs - m) / (v + self.eps).sqrt() * self.mults[:cpg] + self.adds[:cpg]   # self.mults[sl] meant
        return out


class GNVarGlobalMeanSquared(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = (xg ** 2).mean(-1, keepdim=True) - xg.mean() ** 2       # one-pass variance: m ** 2 meant (xg.mean() is the whole batch's)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_start_slot_returned", "check_ewma", ewma_start_slot_returned, "Preallocates out of length n+1 with values[0] in slot 0, fills out[i+1] = lerp(out[i], v, mom) and returns out (out[1:] meant): the output has shape (n+1,), a leading values[0] followed by the right n averages. [1, 3, 0, 2] at mom 0.1 gives [1, 1, 1.2, 1.08, 1.172]."),
    ("ewma_state_in_default_dict", "check_ewma", ewma_state_in_default_dict, "Keeps the running average in a mutable default dict (_state={}, made once) 'to carry on the stream': the first call is right, every later call starts from the previous call's final average instead of its own values[0] (and a float32 call after a float64 one raises in torch.lerp). [1, 3, 0, 2] twice at mom 0.1: second call [1.1548, 1.3393, 1.2054, 1.2848]."),
    ("ewma_python_floats_as_double", "check_ewma", ewma_python_floats_as_double, "Computes on Python floats and returns torch.tensor(out, dtype=torch.float64): float64 streams are right; float32 streams give a float64 output (values right to ~1e-7); the output carries no gradient."),
    ("ewma_first_output_patched", "check_ewma", ewma_first_output_patched, "Starts the average from 0 and then overwrites out[0] = values[0]: output 0 is right, outputs 1.. are those of the average started from 0, too small by (1-mom)^(t+1)*values[0]. [1, 3, 0, 2] at mom 0.1 gives [1, 0.39, 0.351, 0.5159]; right for one value and for streams starting with 0."),
    ("ln_count_precedence", "check_layernorm", LNCountPrecedence, "Divides the sums by x.shape[1] * x.shape[2] * x.shape[3] without parentheses (sum / C * H * W): the mean is (H*W)^2 times the item mean and the variance likewise inflated, so each item comes out almost constant at about -sign(mean)/(H*W) (-0.05 for 4x5)."),
    ("ln_lerp_as_fma", "check_layernorm", LNLerpAsFma, "Ends with torch.lerp(add, xn, mult) as a 'fused add + mult*xn' (addcmul meant): lerp gives add + mult*(xn - add) = mult*xn + add*(1 - mult): a fresh layer's output is right but add.grad is 0; with mult 1.7, add -0.3 the shift is +0.21."),
    ("ln_dims_not_tuple", "check_layernorm", LNDimsNotTuple, "x.mean(1, 2, 3, keepdim=True) (the dims as separate arguments; one tuple meant): every call raises TypeError 'mean() received an invalid combination of arguments - got (int, int, int, keepdim=bool)'."),
    ("ln_recentred_after_affine", "check_layernorm", LNRecentredAfterAffine, "Returns out - out.mean((1, 2, 3)) after out = xn*mult + add ('make sure the output is centred'): the re-centring removes add, so the output is mult*xn and add gets no gradient; a fresh layer's output, x.grad and mult.grad are right."),
    ("bn_training_called", "check_batchnorm", BNTrainingCalled, "if self.training(): (training is a bool attribute): every call, training or eval, raises TypeError \"'bool' object is not callable\"."),
    ("bn_mom_compounded_per_item", "check_batchnorm", BNMomCompoundedPerItem, "Lerps the running stats with weight 1 - (1 - mom)**N ('one momentum step per image'; mom meant): 0.19 instead of 0.1 for a batch of 2, 0.76 instead of 0.3 for 4; right for a batch of one; training output right, running stats and eval off."),
    ("bn_bessel_count_of_one_item", "check_batchnorm", BNBesselCountOfOneItem, "Bessel's factor n/(n-1) with n = x[0].numel() (C*H*W, one item) instead of x[:, 0].numel() (N*H*W per channel): 120/119 instead of 40/39 on (2, 6, 4, 5): running var slightly too small (too big when N > C); right when N == C; training output and running mean right."),
    ("bn_eval_batch_stats_before_training", "check_batchnorm", BNEvalBatchStatsBeforeTraining, "if self.training or not self.means.any(): a freshly built layer in eval (running mean still all 0) normalises with the batch's own statistics instead of PyTorch's initial running stats 0 and 1 (x/sqrt(1 + eps)); right after any training step and in training."),
    ("in_adaptive_max_pool", "check_instancenorm", INAdaptiveMaxPool, "Mean by F.adaptive_max_pool2d(x, 1) (adaptive_avg_pool2d meant): subtracts each (item, channel)'s maximum and divides by the RMS deviation from it: every output <= 0 with its max at 0 (means about -0.9, std about 0.44)."),
    ("in_normalised_per_dim_in_turn", "check_instancenorm", INNormalisedPerDimInTurn, "Normalises over H and then the result over W (for d in (2, 3): x = (x - mean_d)/sqrt(var_d + eps)) instead of over (H, W) together: each (item, channel) ends centred with spread ~1, but the values differ (max diff 2.6)."),
    ("in_hw_from_leading_dims", "check_instancenorm", INHwFromLeadingDims, "h, w = x.shape[:2] (x.shape[2:] meant): the sums over (2, 3) are divided by N*C instead of H*W (12 instead of 20 on (2, 6, 4, 5)): off-centre outputs with spread about 0.77; right when N*C == H*W."),
    ("in_eps_machine_epsilon", "check_instancenorm", INEpsMachineEpsilon, "Uses eps = torch.finfo(x.dtype).eps (2.2e-16 / 1.2e-7) instead of self.eps: off by ~eps/(2 var) relatively (0.108 max diff at eps 0.1); a constant channel's input gradient is sqrt(eps/finfo.eps) times PyTorch's (2.1e5x at eps 1e-5 in float64)."),
    ("gn_stats_requires_grad_off", "check_groupnorm", GNStatsRequiresGradOff, "xg.requires_grad_(False) on the grouped view of x ('statistics need no gradient'; detach() meant): for an input that requires grad it raises RuntimeError 'you can only change requires_grad flags of leaf variables'; right for an input without grad."),
    ("gn_cat_generator", "check_groupnorm", GNCatGenerator, "torch.cat((self.norm(xs) for xs in x.chunk(groups, 1)), 1): a generator expression (a list meant): TypeError 'cat(): argument 'tensors' (position 1) must be tuple of Tensors, not generator' on every call."),
    ("gn_mults_slice_no_offset", "check_groupnorm", GNMultsSliceNoOffset, "Group loop scales/shifts every group with self.mults[:cpg] / self.adds[:cpg] (the first group's; self.mults[sl] meant): statistics right; with 2+ groups the outputs are wrong once mults/adds differ per channel, and mults.grad/adds.grad land on the first cpg channels only (a fresh layer's output is right)."),
    ("gn_var_global_mean_squared", "check_groupnorm", GNVarGlobalMeanSquared, "One-pass variance (xg**2).mean(-1) - xg.mean()**2: the second mean has no dim (the whole batch's mean squared, m**2 meant): the variance is off by m_g^2 - M^2 and can go negative (NaN); right only for one group on a batch of one."),
]


# ================================================================= RIGHT answers

def ewma_unfold_padded_windows(values, mom):
    """The stream left-padded with n-1 copies of values[0] and cut into n sliding windows of n values (Tensor.unfold);
    each window times one weight vector mom*(1-mom)^age, the oldest slot taking the remainder (1-mom)^(n-1)."""
    n = len(values)
    padded = torch.cat([values[:1].expand(n - 1), values])
    windows = padded.unfold(0, n, 1)
    age = torch.arange(n - 1, -1, -1, dtype=values.dtype)
    w = mom * (1 - mom) ** age
    w[0] = (1 - mom) ** (n - 1)
    return windows @ w


class LNLocalResponseNorm(nn.Module):
    """F.local_response_norm over the centred item seen as K = C*H*W channels of length 1, with a window of 2K-1 (so every
    channel sees all K), alpha = window/K, beta = 1/2 and k = eps: divides by sqrt(mean of squares + eps)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        d = x - x.mean((1, 2, 3), keepdim=True)
        k = d[0].numel()
        size = 2 * k - 1
        y = F.local_response_norm(d.reshape(len(x), k, 1), size, alpha=size / k, beta=0.5, k=self.eps)
        return y.view(x.shape) * self.mult + self.add


class BNFoldedDepthwiseConv(nn.Module):
    """Both modes as one depthwise 1x1 F.conv2d (groups=C) of the centred input, whose weight is mults/sqrt(var + eps) and
    whose bias is adds, the statistics being the batch's (training) or the running ones (eval)."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3))
            v = x.var((0, 2, 3), correction=0)
            with torch.no_grad():
                n = x.numel() // x.shape[1]
                self.means.copy_(torch.lerp(self.means.view(-1), m, self.mom).view_as(self.means))
                self.vars.copy_(torch.lerp(self.vars.view(-1), v * n / (n - 1), self.mom).view_as(self.vars))
        else:
            m, v = self.means.view(-1), self.vars.view(-1)
        weight = self.mults.view(-1) * (v + self.eps).rsqrt()
        return F.conv2d(x - m.view(1, -1, 1, 1), weight.view(-1, 1, 1, 1), self.adds.view(-1), groups=x.shape[1])


class INNestedVmap(nn.Module):
    """A normalisation of one (H, W) image, mapped over channels and then items with torch.vmap(torch.vmap(...))."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        def one(img):
            d = img - img.mean()
            return d / ((d * d).mean() + self.eps).sqrt()
        return torch.vmap(torch.vmap(one))(x) * self.mults + self.adds


class GNUniformAttention(nn.Module):
    """Each group's values as a sequence of 1-d tokens; the group mean and mean squared deviation by
    F.scaled_dot_product_attention with all-zero queries and keys (uniform attention weights 1/L average the values)."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n = x.shape[0]
        xg = x.reshape(n, self.groups, -1, 1)
        q = xg.new_zeros(n, self.groups, 1, 1)
        k = xg.new_zeros(xg.shape)
        m = F.scaled_dot_product_attention(q, k, xg)
        v = F.scaled_dot_product_attention(q, k, (xg - m) ** 2)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_unfold_padded_windows", "check_ewma", ewma_unfold_padded_windows,
     "the stream left-padded with copies of values[0], cut into sliding windows by Tensor.unfold, times one weight vector (oldest slot takes the remainder)."),
    ("ln_local_response_norm", "check_layernorm", LNLocalResponseNorm,
     "F.local_response_norm on the centred item seen as C*H*W channels, window 2K-1, alpha = window/K, beta 1/2, k = eps."),
    ("bn_folded_depthwise_conv", "check_batchnorm", BNFoldedDepthwiseConv,
     "both modes as a depthwise 1x1 F.conv2d (groups=C) of the centred input with weight mults/sqrt(var + eps) and bias adds; running stats copy_'d from torch.lerp."),
    ("in_nested_vmap", "check_instancenorm", INNestedVmap,
     "a one-image (H, W) normalisation mapped over channels and items by torch.vmap(torch.vmap(...))."),
    ("gn_uniform_attention", "check_groupnorm", GNUniformAttention,
     "group mean and mean squared deviation by F.scaled_dot_product_attention with zero queries and keys (uniform weights average the values)."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
