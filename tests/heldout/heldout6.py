"""Sixth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       tests/wrong_answers.py, an earlier held-out set, heldout2.py, heldout3.py,
       heldout4.py, heldout5.py or the brief's list of 15.
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_cumsum_final_weights(values, mom):
    n = len(values)
    age = torch.arange(n - 1, -1, -1, dtype=values.dtype)     # how old each value is at the end of the stream
    w = mom * (1 - mom) ** age                                 # each value's weight in the *final* average
    w[0] = (1 - mom) ** (n - 1)                                # the first value keeps what is left
    return torch.cumsum(w * values, 0)                         # "the running averages are the running sums": only the last is


def ewma_toeplitz_triu(values, mom):
    n = len(values)
    i = torch.arange(n)
    age = (i[:, None] - i[None, :]).abs().to(values.dtype)
    W = torch.triu(mom * (1 - mom) ** age)                     # triu typed for tril: row t weights values t, t+1, ... (the future)
    W[:, 0] = (1 - mom) ** i.to(values.dtype)                  # what is left of values[0]
    return W @ values


def ewma_lerp_not_assigned(values, mom):
    avg, out = values[0], []
    for v in values:
        avg.lerp(v, mom)                                       # out of place: the new average is returned and dropped
        out.append(avg)
    return torch.stack(out)


def ewma_range_stops_early(values, mom):
    avg = values[0]
    out = [avg]
    for i in range(1, len(values) - 1):                        # off by one: the last value is never folded in
        avg = torch.lerp(avg, values[i], mom)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNMeanOverWholeBatch(_LNBase):
    def forward(self, x):
        m = x.mean()                                                       # dims forgotten on this line: the whole batch's mean
        v = x.var((1, 2, 3), keepdim=True, correction=0)                   # each item's own variance
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNMissingParens(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return x - m / (v + self.eps).sqrt() * self.mult + self.add        # meant (x - m) / ...: only m is divided


class LNFunctionalEpsPositional(_LNBase):
    def forward(self, x):
        return F.layer_norm(x, x.shape[1:], self.eps) * self.mult + self.add   # 3rd positional argument is weight, not eps


class LNCapitalTensorParams(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.Tensor(1))                          # torch.Tensor(1): an uninitialised tensor of size 1
        self.add = nn.Parameter(torch.Tensor(0))                           # torch.Tensor(0): an empty tensor, shape (0,)

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


class BNRunningVarAllDims(_BNBase):
    def update(self, x, m, v):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(x.var(), self.mom)               # "x.var() is unbiased, as running_var wants", but no dims: all channels


class BNBuffersShapedLikeMults(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(nf, 1, 1))   # shape copied from the mults lines: (nf, 1, 1), not (1, nf, 1, 1)
        self.register_buffer('vars', torch.ones(nf, 1, 1))


class BNBesselOnWholeRunningVar(_BNBase):
    def update(self, x, m, v):
        n = x.numel() / x.shape[1]
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v, self.mom).mul_(n / (n - 1))   # chained: the correction scales the whole running var, old part too


class BNAffineAsBuffers(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.register_buffer('mults', torch.ones(nf, 1, 1))     # register_buffer copied for all four: mults and adds never learn
        self.register_buffer('adds', torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))


class BNTracksSecondMoment(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_((x * x).mean((0, 2, 3), keepdim=True), self.mom)   # keeps a running E[x^2] in vars ...
        else:
            m, v = self.means, self.vars - self.means ** 2                         # ... and var = E[x^2] - mean^2 in eval
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ============================================================== InstanceNorm (wrong)

class _INBase(nn.Module):
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class INPoolKernelHeight(_INBase):
    def forward(self, x):
        k = x.shape[2]                                                    # "the whole image": the height, as if images were square
        m = F.avg_pool2d(x, k)
        v = F.avg_pool2d((x - m) ** 2, k)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INReturnsInput(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return x * self.mults + self.adds                                 # x, not xn: the normalised values are dropped


class INStackChannelsFirst(_INBase):
    def forward(self, x):
        outs = []
        for c in range(x.shape[1]):
            xc = x[:, c]                                                  # (N, H, W)
            m = xc.mean((1, 2), keepdim=True)
            v = xc.var((1, 2), keepdim=True, correction=0)
            outs.append((xc - m) / (v + self.eps).sqrt() * self.mults[c] + self.adds[c])
        return torch.stack(outs)                                          # dim 0: (C, N, H, W); dim=1 meant


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNFiveDimsGroupsAxis(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xg = x.view(n, self.groups, c // self.groups, h, w)
        m = xg.mean((1, 3, 4), keepdim=True)                              # (1, 3, 4): the groups axis, where (2, 3, 4) was meant
        v = xg.var((1, 3, 4), keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(n, c, h, w) * self.mults + self.adds


class GNSliceStartNotScaled(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            xs = x[:, g:g + cpg]                                          # starts at channel g: g * cpg meant
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, g:g + cpg] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNMultsIndexedByGroup(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = torch.empty_like(x)
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            xs = x[:, sl]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, sl] = (xs - m) / (v + self.eps).sqrt() * self.mults[g] + self.adds[g]   # [g], the group: [sl] meant
        return out


class GNViewBackTwoDims(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        y = ((xg - m) / (v + self.eps).sqrt()).view(x.shape[0], -1)     # the groups undone, but not the 4-d shape: (N, C*H*W)
        return y * self.mults + self.adds                                 # broadcasts silently to (C, N, C*H*W)


WRONG = [
    ("ewma_cumsum_final_weights", "check_ewma", ewma_cumsum_final_weights,
     "Builds each value's weight in the final average (mom*(1-mom)^(n-1-j), the first value (1-mom)^(n-1)) and returns their cumsum: every output but the last is a partial sum of the final average's weights, not a running average."),
    ("ewma_toeplitz_triu", "check_ewma", ewma_toeplitz_triu,
     "Closed form with torch.triu where tril was meant: output t weights values t, t+1, ... (the future) by mom*(1-mom)^(j-t), plus (1-mom)^t*values[0]; only the start term looks back."),
    ("ewma_lerp_not_assigned", "check_ewma", ewma_lerp_not_assigned,
     "Calls avg.lerp(v, mom) (out of place) and drops the result, so avg never changes: every output is values[0]."),
    ("ewma_range_stops_early", "check_ewma", ewma_range_stops_early,
     "Loops over range(1, len(values) - 1): the last value is never folded in, so it returns n-1 averages (the right ones for values 0..n-2)."),
    ("ln_mean_over_whole_batch", "check_layernorm", LNMeanOverWholeBatch,
     "Subtracts x.mean() (the whole batch's mean, dims forgotten on that line) but divides by each item's own std; right for batch 1."),
    ("ln_missing_parens", "check_layernorm", LNMissingParens,
     "Writes x - m / sqrt(v + eps) * mult + add (parentheses around x - m forgotten): returns x minus a per-item constant, never divided by the std."),
    ("ln_functional_eps_positional", "check_layernorm", LNFunctionalEpsPositional,
     "Calls F.layer_norm(x, x.shape[1:], self.eps): the third positional argument is weight, so it raises TypeError on every input; eps=self.eps meant."),
    ("ln_capital_tensor_params", "check_layernorm", LNCapitalTensorParams,
     "nn.Parameter(torch.Tensor(1)) and torch.Tensor(0): capital-T Tensor takes sizes, so mult is an uninitialised tensor of shape (1,) and add an empty tensor of shape (0,), and forward raises RuntimeError at + self.add."),
    ("bn_running_var_all_dims", "check_batchnorm", BNRunningVarAllDims,
     "Updates the running var with x.var() (no dims: the unbiased variance of the whole batch, all channels together), so every channel's running var is the same number; training output and running mean are right."),
    ("bn_buffers_shaped_like_mults", "check_batchnorm", BNBuffersShapedLikeMults,
     "Registers means and vars with the mults' shape (nf, 1, 1) instead of (1, nf, 1, 1): the in-place lerp_ towards the (1, nf, 1, 1) batch mean raises RuntimeError on the first training step."),
    ("bn_bessel_on_whole_running_var", "check_batchnorm", BNBesselOnWholeRunningVar,
     "vars.lerp_(v, mom).mul_(n/(n-1)): Bessel's factor multiplies the whole running var after the lerp, old part included, so it compounds by n/(n-1) every step."),
    ("bn_affine_as_buffers", "check_batchnorm", BNAffineAsBuffers,
     "Registers mults and adds with register_buffer instead of nn.Parameter: every output and running statistic is right, but mults and adds get no gradient and are not parameters."),
    ("bn_tracks_second_moment", "check_batchnorm", BNTracksSecondMoment,
     "Keeps a running mean of x^2 (biased, no Bessel) in vars, and in eval uses vars - means^2 as the variance: the stored running var is not the variance, and eval divides by a different spread."),
    ("in_pool_kernel_height", "check_instancenorm", INPoolKernelHeight,
     "Mean and variance by F.avg_pool2d(x, x.shape[2]): a square H x H window, so non-square input uses only its top-left H x H block (W < 2H), or raises RuntimeError (W >= 2H, or H > W); right for square images."),
    ("in_returns_input", "check_instancenorm", INReturnsInput,
     "Computes xn = (x - m)/sqrt(v + eps) and returns x * mults + adds: the normalised values are dropped, the input is only scaled and shifted."),
    ("in_stack_channels_first", "check_instancenorm", INStackChannelsFirst,
     "Loops over channels and joins the (N, H, W) results with torch.stack(outs) (dim 0), so the output is (C, N, H, W), not (N, C, H, W); the values are right."),
    ("gn_five_dims_groups_axis", "check_groupnorm", GNFiveDimsGroupsAxis,
     "Reduces the (n, groups, c//groups, h, w) view over dims (1, 3, 4), not (2, 3, 4): each set is the channels at the same place in every group (channels i, i+c/groups, ...), all positions; 1 group: per channel; groups = c: per item."),
    ("gn_slice_start_not_scaled", "check_groupnorm", GNSliceStartNotScaled,
     "Slices group g as channels g : g + c//groups (start g, not g*c//groups): with 2+ groups the slices overlap and are overwritten, and channels past groups-1+c//groups are left raw; right with 1 group."),
    ("gn_mults_indexed_by_group", "check_groupnorm", GNMultsIndexedByGroup,
     "Loops over groups and scales group g by self.mults[g] / self.adds[g]: the group index picks one channel's parameters for all its channels (right output while they are 1 and 0, wrong gradients)."),
    ("gn_view_back_two_dims", "check_groupnorm", GNViewBackTwoDims,
     "Views the normalised (n, groups, -1) tensor back as (n, -1), not x.shape: (N, C*H*W) times the (C, 1, 1) mults broadcasts silently to an output of shape (C, N, C*H*W)."),
]


# ================================================================= RIGHT answers

def ewma_recursive_prefix(values, mom):
    """Recursion on the prefix: the averages of values[:-1], then one more lerp of the last of them towards the last value."""
    if len(values) == 1:
        return values[:1].clone()
    prev = ewma_recursive_prefix(values[:-1], mom)
    return torch.cat([prev, torch.lerp(prev[-1:], values[-1:], mom)])


class LNVmapPerItem(nn.Module):
    """One item's normalisation written for a single (C, H, W) tensor, mapped over the batch with torch.func.vmap."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def _one(self, xi):
        d = xi - xi.mean()
        return d / (d.square().mean() + self.eps).sqrt()

    def forward(self, x):
        return torch.func.vmap(self._one)(x) * self.mult + self.add


class BNChannelsLastRowsAddcdiv(nn.Module):
    """Channels-last (N*H*W, C) matrix with column statistics; running stats rebound through .data; output by torch.addcdiv."""
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
            rows = x.permute(0, 2, 3, 1).reshape(-1, c)                  # one row per (item, pixel), one column per channel
            k = rows.shape[0]
            m = rows.mean(0)
            v = (rows - m).square().sum(0) / k
            self.means.data = torch.lerp(self.means, m.detach().view(1, c, 1, 1), self.mom)
            self.vars.data = torch.lerp(self.vars, (v.detach() * k / (k - 1)).view(1, c, 1, 1), self.mom)
            m, v = m.view(1, c, 1, 1), v.view(1, c, 1, 1)
        else:
            m, v = self.means, self.vars
        return torch.addcdiv(self.adds, (x - m) * self.mults, (v + self.eps).sqrt())


class INDepthwiseConvMoments(nn.Module):
    """Per-(item, channel) mean and mean squared deviation by a depthwise F.conv2d with a full-size averaging kernel."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        k = torch.full((c, 1, h, w), 1 / (h * w), dtype=x.dtype, device=x.device)
        m = F.conv2d(x, k, groups=c)                                      # (N, C, 1, 1)
        d = x - m
        v = F.conv2d(d * d, k, groups=c)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelPrefixSums(nn.Module):
    """Group sums of the per-channel means as differences of a prefix sum over the channels, at the group boundaries."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def _group_avg(self, cm):                                             # cm: (N, C) per-channel means -> (N, C) group means
        n, c = cm.shape
        cpg = c // self.groups
        cs = F.pad(cm.cumsum(1), (1, 0))                                  # (N, C+1), cs[:, j] = sum of the first j channels
        ends = torch.arange(cpg, c + 1, cpg, device=cm.device)
        gsum = cs[:, ends] - cs[:, ends - cpg]                            # (N, groups)
        return (gsum / cpg).repeat_interleave(cpg, 1)

    def forward(self, x):
        gm = self._group_avg(x.mean((2, 3)))[:, :, None, None]
        d = x - gm
        gv = self._group_avg(d.square().mean((2, 3)))[:, :, None, None]
        return d / (gv + self.eps).sqrt() * self.mults + self.adds


RIGHT = [
    ("ewma_recursive_prefix", "check_ewma", ewma_recursive_prefix,
     "recursion on the prefix: averages of values[:-1], then torch.cat one more lerp of the last of them."),
    ("ln_vmap_per_item", "check_layernorm", LNVmapPerItem,
     "a single-item normalisation mapped over the batch with torch.func.vmap."),
    ("bn_channels_last_rows_addcdiv", "check_batchnorm", BNChannelsLastRowsAddcdiv,
     "permute to a channels-last (N*H*W, C) matrix, column stats; running stats rebound via .data = torch.lerp(...); output by torch.addcdiv."),
    ("in_depthwise_conv_moments", "check_instancenorm", INDepthwiseConvMoments,
     "mean and mean squared deviation by a depthwise F.conv2d (groups=C) with a full-size 1/(H*W) kernel."),
    ("gn_channel_prefix_sums", "check_groupnorm", GNChannelPrefixSums,
     "group sums of per-channel means as differences of a channel prefix sum (cumsum) at the group boundaries, repeat_interleave back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
