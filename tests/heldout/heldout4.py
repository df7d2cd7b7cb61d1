"""Fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       tests/wrong_answers.py, an earlier held-out set, heldout2.py, heldout3.py
       or the brief's list of 15.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_starts_from_last(values, mom):
    avg, out = values[-1], []                  # typo: values[-1] (the last value), meant values[0]
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


def ewma_start_slice_keeps_dim(values, mom):
    avg, out = values[:1], []                  # a slice, shape (1,), not the 0-d values[0]
    for v in values:
        avg = torch.lerp(avg, v, mom)          # stays shape (1,)
        out.append(avg)
    return torch.stack(out)                    # (n, 1), not (n,)


def ewma_window_mean(values, mom):
    k = round(1 / mom)                         # "momentum 0.1 ~ the last 10 batches": a plain moving window
    out = [values[max(0, i - k + 1):i + 1].mean() for i in range(len(values))]
    return torch.stack(out)


def ewma_sign_flipped(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg - mom * (v - avg)            # sign typo: meant avg + mom * (v - avg)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNDimsRangeOffByOne(_LNBase):
    def forward(self, x):
        dims = tuple(range(1, x.ndim - 1))                                 # off by one: (1, 2), meant range(1, x.ndim)
        m = x.mean(dims, keepdim=True)
        v = x.var(dims, keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNIntParams(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1))                           # integer tensors: 1 and 0, not 1. and 0.
        self.add = nn.Parameter(torch.tensor(0))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNItemsAsColumns(_LNBase):
    def forward(self, x):
        xf = x.view(-1, x.shape[0])                                        # meant one column per item: needs x.view(n, -1).T
        m = xf.mean(0, keepdim=True)
        v = xf.var(0, keepdim=True, correction=0)
        return ((xf - m) / (v + self.eps).sqrt()).view(x.shape) * self.mult + self.add


class LNVarSumNotMean(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = ((x - m) ** 2).sum((1, 2, 3), keepdim=True)                    # the sum of squares, never divided by the count
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


class BNRunningVarAboutRunningMean(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            ss = ((x - self.means) ** 2).sum((0, 2, 3), keepdim=True)     # self.means (just updated) where m was meant
            self.vars.lerp_(ss / (n - 1), self.mom)


class BNFirstBatchInitialises(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.started = False

    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            if not self.started:                                          # "warm start": the first batch's stats copied in
                self.means.copy_(m)
                self.vars.copy_(v * n / (n - 1))
                self.started = True
            else:
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)


class BNVarLerpWeightEps(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.eps)                    # typo: self.eps, meant self.mom


class BNBesselRolesSwapped(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True)                            # unbiased for normalising ...
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(x.var((0, 2, 3), keepdim=True, correction=0), self.mom)   # ... biased for the running var
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNAddWithoutAlpha(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.mul_(1 - self.mom).add_(m)                         # alpha=self.mom forgotten on the add
            self.vars.mul_(1 - self.mom).add_(v * n / (n - 1))


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INLoopBoundBatch(_INBase):
    def forward(self, x):
        out = x.clone()
        for c in range(len(x)):                                           # len(x) is the batch size, not the channels
            xc = x[:, c]                                                  # (N, H, W)
            m = xc.mean((1, 2), keepdim=True)
            v = xc.var((1, 2), keepdim=True, correction=0)
            out[:, c] = (xc - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class INRowsFromOne(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        total = torch.zeros(n, c, 1, 1, dtype=x.dtype)
        for i in range(1, h):                                             # off by one: row 0 never summed
            for j in range(w):
                total = total + x[:, :, i:i + 1, j:j + 1]
        m = total / (h * w)
        sq = torch.zeros(n, c, 1, 1, dtype=x.dtype)
        for i in range(1, h):
            for j in range(w):
                sq = sq + (x[:, :, i:i + 1, j:j + 1] - m) ** 2
        v = sq / (h * w)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAffineBetweenStatsAndNorm(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        x = x * self.mults + self.adds                                   # scaled and shifted after the stats were taken ...
        return (x - m) / (v + self.eps).sqrt()                            # ... and then normalised with the raw x's stats


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNFiveDimsOneShort(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((2, 3), keepdim=True)                                 # (2, 3) from InstanceNorm: meant (2, 3, 4)
        v = xg.var((2, 3), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNLoopSkipsLastGroup(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups - 1):                                  # off by one: the last group is never normalised
            xs = x[:, g * cpg:(g + 1) * cpg]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, g * cpg:(g + 1) * cpg] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNRepeatInterleaveGroups(_GNBase):
    def forward(self, x):
        n = x.shape[0]
        xg = x.view(n, self.groups, -1)
        m, v = xg.mean(-1), xg.var(-1, correction=0)                      # (n, groups): right
        m = m.repeat_interleave(self.groups, dim=1)[:, :, None, None]     # repeats each `groups` times: meant c // groups
        v = v.repeat_interleave(self.groups, dim=1)[:, :, None, None]
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNLastGroupStatsForAll(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        for g in range(self.groups):
            xs = x[:, g * cpg:(g + 1) * cpg]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
        out = (x - m) / (v + self.eps).sqrt()                             # indented one level too little: after the loop
        return out * self.mults + self.adds


WRONG = [
    ("ewma_starts_from_last", "check_ewma", ewma_starts_from_last,
     "Starts from values[-1] (the last value) instead of values[0], so output 0 = lerp(values[-1], values[0], mom) and every output depends on the last value."),
    ("ewma_start_slice_keeps_dim", "check_ewma", ewma_start_slice_keeps_dim,
     "Starts from values[:1] (shape (1,)) instead of values[0], so every average has shape (1,) and the stacked output is (n, 1) instead of (n,); the numbers are right."),
    ("ewma_window_mean", "check_ewma", ewma_window_mean,
     "A plain moving average over the last round(1/mom) values (equal weights, a fixed window), not an exponentially weighted one."),
    ("ewma_sign_flipped", "check_ewma", ewma_sign_flipped,
     "avg - mom*(v - avg) instead of avg + mom*(v - avg): each step moves the average away from the new value (weight -mom on it, 1+mom on the old average)."),
    ("ln_dims_range_off_by_one", "check_layernorm", LNDimsRangeOffByOne,
     "dims = tuple(range(1, x.ndim - 1)) = (1, 2): statistics per item and column, over channels and height, not over (1, 2, 3)."),
    ("ln_int_params", "check_layernorm", LNIntParams,
     "nn.Parameter(torch.tensor(1)) and torch.tensor(0): integer tensors cannot require gradients, so building the layer raises RuntimeError."),
    ("ln_items_as_columns", "check_layernorm", LNItemsAsColumns,
     "x.view(-1, n) with statistics down each column: that is not one column per item but every n-th value of the whole batch (right only for batch 1)."),
    ("ln_var_sum_not_mean", "check_layernorm", LNVarSumNotMean,
     "Uses the sum of squared deviations as the variance (never divided by the count C*H*W), so it divides by about sqrt(C*H*W) times the std."),
    ("bn_running_var_about_running_mean", "check_batchnorm", BNRunningVarAboutRunningMean,
     "Computes the running variance's update by hand about self.means (just updated) instead of the batch mean m: it adds n/(n-1)*(m - running mean)^2 to the unbiased variance."),
    ("bn_first_batch_initialises", "check_batchnorm", BNFirstBatchInitialises,
     "The first training step copies the batch's mean and unbiased var into the running stats (a warm start); only later steps lerp with mom."),
    ("bn_var_lerp_weight_eps", "check_batchnorm", BNVarLerpWeightEps,
     "Lerps the running var with weight self.eps instead of self.mom (typo), so the running var hardly moves (moves eps of the way); the running mean is right."),
    ("bn_bessel_roles_swapped", "check_batchnorm", BNBesselRolesSwapped,
     "Swaps which variance goes where: training normalises with the unbiased variance and the running var stores the biased one."),
    ("bn_add_without_alpha", "check_batchnorm", BNAddWithoutAlpha,
     "running.mul_(1 - mom).add_(batch) without alpha=mom: each step keeps (1-mom) of the old value and adds the whole batch statistic, so the running stats grow to about 1/mom times the batch's."),
    ("in_loop_bound_batch", "check_instancenorm", INLoopBoundBatch,
     "Loops over channels with range(len(x)), which is the batch size: only the first N channels are normalised, the rest are left raw (then scaled and shifted)."),
    ("in_rows_from_one", "check_instancenorm", INRowsFromOne,
     "Sums over rows range(1, h) (row 0 left out) but still divides by h*w, for both the mean and the variance."),
    ("in_affine_between_stats_and_norm", "check_instancenorm", INAffineBetweenStatsAndNorm,
     "Takes the stats of the raw x, then applies mults and adds to x, then normalises: ((x*mults + adds) - m)/sqrt(v + eps), not (x - m)/sqrt(v + eps)*mults + adds."),
    ("gn_five_dims_one_short", "check_groupnorm", GNFiveDimsOneShort,
     "On the (n, groups, c//groups, h, w) view it reduces over dims (2, 3) only, not (2, 3, 4): one set per item, group and column (the group's channels and the height)."),
    ("gn_loop_skips_last_group", "check_groupnorm", GNLoopSkipsLastGroup,
     "Loops over range(groups - 1): the last group's channels are never normalised (left raw, then scaled and shifted); with 1 group nothing is normalised."),
    ("gn_repeat_interleave_groups", "check_groupnorm", GNRepeatInterleaveGroups,
     "Spreads the (n, groups) stats to channels with repeat_interleave(groups) instead of repeat_interleave(c // groups): (n, groups^2) columns, which don't broadcast against c channels (RuntimeError) unless groups == c // groups."),
    ("gn_last_group_stats_for_all", "check_groupnorm", GNLastGroupStatsForAll,
     "Computes each group's stats in a loop but normalises after the loop, so every channel uses the last group's mean and variance (right with 1 group)."),
]


# ================================================================= RIGHT answers

def ewma_triangular_solve(values, mom):
    """The recurrence avg_t - (1-mom) avg_{t-1} = mom v_t as one lower-bidiagonal linear system, solved by
    torch.linalg.solve_triangular."""
    n = len(values)
    A = torch.eye(n, dtype=values.dtype) - (1 - mom) * torch.diag(torch.ones(n - 1, dtype=values.dtype), -1)
    b = values * mom
    b[0] = values[0]                                      # the first average is the first value
    A[0, 0] = 1
    return torch.linalg.solve_triangular(A, b[:, None], upper=False)[:, 0]


class LNViaBatchNormItemsAsChannels(nn.Module):
    """Each item made a 'channel' of a batch of one: F.batch_norm in training mode with no running stats."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        y = F.batch_norm(x.reshape(1, x.shape[0], -1), None, None, training=True, eps=self.eps)
        return y.view_as(x) * self.mult + self.add


class BNLayerNormTransposedStdMean(nn.Module):
    """Training output by F.layer_norm on the channel-first transpose (each channel over batch, height, width);
    running stats from torch.std_mean (unbiased) with mul_/add_(alpha)/addcmul_; eval with rsqrt."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            xt = x.transpose(0, 1)                                           # (C, N, H, W)
            y = F.layer_norm(xt, xt.shape[1:], eps=self.eps).transpose(0, 1)
            with torch.no_grad():
                s, m = torch.std_mean(x, dim=(0, 2, 3), keepdim=True)        # unbiased std
                self.means.mul_(1 - self.mom).add_(m, alpha=self.mom)
                self.vars.mul_(1 - self.mom).addcmul_(s, s, value=self.mom)
        else:
            y = (x - self.means) * torch.rsqrt(self.vars + self.eps)
        return y * self.mults + self.adds


class INVectorNorm(nn.Module):
    """The spread from torch.linalg.vector_norm of the centred values over (height, width)."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        d = x - x.mean((-2, -1), keepdim=True)
        ss = torch.linalg.vector_norm(d, dim=(-2, -1), keepdim=True) ** 2
        return d / (ss / (x.shape[-2] * x.shape[-1]) + self.eps).sqrt() * self.mults + self.adds


class GNIndexAddBins(nn.Module):
    """Per-channel means binned into their groups with index_add, gathered back by fancy indexing."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        grp = torch.arange(c, device=x.device) // cpg
        zeros = torch.zeros(n, self.groups, dtype=x.dtype, device=x.device)
        gm = zeros.index_add(1, grp, x.mean((2, 3))) / cpg                 # (n, groups)
        d = x - gm[:, grp, None, None]
        gv = zeros.index_add(1, grp, d.square().mean((2, 3))) / cpg
        return d / (gv[:, grp, None, None] + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_triangular_solve", "check_ewma", ewma_triangular_solve,
     "the recurrence as a lower-bidiagonal system solved by torch.linalg.solve_triangular."),
    ("ln_via_batch_norm_items_as_channels", "check_layernorm", LNViaBatchNormItemsAsChannels,
     "x.reshape(1, N, -1) through F.batch_norm(training=True, no running stats): each item is a 'channel'."),
    ("bn_layer_norm_transposed_std_mean", "check_batchnorm", BNLayerNormTransposedStdMean,
     "training output by F.layer_norm on x.transpose(0, 1); running stats from torch.std_mean with mul_/add_(alpha)/addcmul_; eval with rsqrt."),
    ("in_vector_norm", "check_instancenorm", INVectorNorm,
     "spread from torch.linalg.vector_norm of the centred values over dims (-2, -1)."),
    ("gn_index_add_bins", "check_groupnorm", GNIndexAddBins,
     "per-channel means and mean squared deviations binned into groups with index_add, gathered back with gm[:, grp]."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
