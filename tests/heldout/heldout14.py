"""Fourteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout13 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


# ====================================================================== EWMA (wrong)

def ewma_closed_form_mask_forgotten(values, mom):
    t = torch.arange(len(values), dtype=values.dtype)
    age = t[:, None] - t[None, :]                                   # age of value j in output t
    w = mom * (1 - mom) ** age                                      # torch.tril(...) meant: future values (j > t) get negative ages
    w[:, 0] = (1 - mom) ** t
    return w @ values


def ewma_closure_unbound_local(values, mom):
    avg = values[0]

    def step(v):
        avg = avg + mom * (v - avg)                                 # `nonlocal avg` missing: the assignment makes avg local to step
        return avg
    return torch.stack([step(v) for v in values])


def ewma_list_plus_equals(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out += avg                                                  # out.append(avg) meant: list += iterates its right-hand side
    return torch.stack(out)


def ewma_late_binding_lambdas(values, mom):
    steps = [lambda a: a + mom * (v - a) for v in values]           # one update per value meant: each lambda reads v when called (the last value)
    avg, out = values[0], []
    for step in steps:
        avg = step(avg)
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))


class LNSizesAsDims(_LNBase):
    def forward(self, x):
        dims = x.shape[1:]                                          # the sizes (C, H, W), as for F.layer_norm: the dims (1, 2, 3) meant
        m = x.mean(dims, keepdim=True)
        v = x.var(dims, keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mult + self.add


class LNFunctionalScalarAffine(_LNBase):
    def forward(self, x):
        # meant: F.layer_norm(x, x.shape[1:], eps=self.eps) * self.mult + self.add (weight/bias must have normalized_shape's shape)
        return F.layer_norm(x, x.shape[1:], self.mult, self.add, self.eps)


class LNTrailingComma(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn * self.mult + self.add,                           # stray trailing comma: the tensor alone meant


class LNEvalUsesTrainStats(_LNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((1, 2, 3), keepdim=True)
            v = x.var((1, 2, 3), keepdim=True, correction=0)
            self.m, self.v = m.detach(), v.detach()                 # kept for eval, as BatchNorm keeps its statistics ...
        else:
            m, v = self.m, self.v                                   # ... LayerNorm meant: the eval input's own statistics
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


class BNVarsFullInt(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.full((1, nf, 1, 1), 1))  # torch.full((1, nf, 1, 1), 1.) meant: fill value 1 makes it int64

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNVarMeanOfItemVars(_BNBase):
    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((2, 3), keepdim=True, correction=0).mean(0, keepdim=True)   # each image's variance averaged: x.var((0, 2, 3)) meant
            n = x.numel() / x.shape[1]
            with torch.no_grad():
                self.means.lerp_(m, self.mom)
                self.vars.lerp_(v * n / (n - 1), self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNUpdateAlphaCopied(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            with torch.no_grad():                                   # alpha=self.mom meant: the factor copied from mul_
                self.means.mul_(1 - self.mom).add_(m, alpha=1 - self.mom)
                self.vars.mul_(1 - self.mom).add_(v * n / (n - 1), alpha=1 - self.mom)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNBuffersRecreatedEachCall(_BNBase):
    def forward(self, x):
        nf = x.shape[1]
        # made here to follow x's dtype; meant only once (in __init__, or guarded by `if not hasattr`): this resets them every call
        self.register_buffer('means', torch.zeros(1, nf, 1, 1, dtype=x.dtype))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1, dtype=x.dtype))
        if self.training:
            m, v, n = self.batch_stats(x)
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


class INItemLoop4dDims(_INBase):
    def forward(self, x):
        outs = []
        for xi in x:                                                # xi: one image, (C, H, W)
            m = xi.mean((2, 3), keepdim=True)                       # the batch's dims kept: (1, 2) meant for one image
            v = xi.var((2, 3), keepdim=True, correction=0)
            outs.append((xi - m) / (v + self.eps).sqrt())
        return torch.stack(outs) * self.mults + self.adds


class INRowsStatsDim0(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        xf = x.reshape(n * c, h * w)                                # one row per (item, channel)
        m = xf.mean(0, keepdim=True)                                # along each row (dim 1) meant: dim 0 runs down the columns
        v = xf.var(0, keepdim=True, correction=0)
        return ((xf - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class INCentredBackwards(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = x.var((2, 3), keepdim=True, correction=0)
        return (m - x) / (v + self.eps).sqrt() * self.mults + self.adds   # x - m meant


class INSqueezeBatch(_INBase):
    def forward(self, x):
        x = x.squeeze(0)                                            # written for one image: drops the batch dim only when N == 1
        m = x.mean((1, 2), keepdim=True)                            # (1, 2): height and width of a (C, H, W) image
        v = x.var((1, 2), keepdim=True, correction=0)
        return ((x - m) / (v + self.eps).sqrt() * self.mults + self.adds).unsqueeze(0)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNViewLenOfShape(_GNBase):
    def forward(self, x):
        xg = x.view(len(x.shape), self.groups, -1)                  # len(x) meant (the batch size): len(x.shape) is always 4
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNDivisibilityAssertReversed(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        assert groups % nf == 0, f"{nf} channels can't be split into {groups} groups"   # nf % groups meant
        super().__init__(groups, nf, eps)

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNUnsqueezeWrongAxis(_GNBase):
    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1).unsqueeze(1)                                # keepdim forgotten and put back on the wrong axis: unsqueeze(-1) meant
        v = xg.var(-1, correction=0).unsqueeze(1)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNCpgOperandsSwapped(_GNBase):
    def forward(self, x):
        cpg = self.groups // x.shape[1]                             # channels per group: x.shape[1] // self.groups meant
        out = x.clone()
        for g in range(self.groups):
            xs = x[:, g * cpg:(g + 1) * cpg]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, g * cpg:(g + 1) * cpg] = (xs - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


WRONG = [
    ("ewma_closed_form_mask_forgotten", "check_ewma", ewma_closed_form_mask_forgotten, "Closed form W @ values with W[t, j] = mom*(1-mom)^(t-j) (and (1-mom)^t for j = 0) but no torch.tril: values after t get negative ages and weights mom*(1-mom)^-(j-t), above mom and growing; output t depends on every later value. One value is right."),
    ("ewma_closure_unbound_local", "check_ewma", ewma_closure_unbound_local, "A nested step(v) assigns avg = avg + mom*(v - avg) without `nonlocal avg`: the assignment makes avg local to step, so reading it first raises UnboundLocalError \"cannot access local variable 'avg' where it is not associated with a value\" on every stream (one value included)."),
    ("ewma_list_plus_equals", "check_ewma", ewma_list_plus_equals, "out += avg where out.append(avg) was meant: list += iterates its right-hand side, and a 0-d tensor cannot be iterated: TypeError 'iteration over a 0-d tensor' on every stream."),
    ("ewma_late_binding_lambdas", "check_ewma", ewma_late_binding_lambdas, "One lambda per value built in a comprehension, a + mom*(v - a): each reads v when called, so all see the last value: output t = lerp applied t+1 times from values[0] towards values[-1]: last + (1-mom)^(t+1)*(values[0] - last). One value and constant streams are right."),
    ("ln_sizes_as_dims", "check_layernorm", LNSizesAsDims, "dims = x.shape[1:] (the sizes C, H, W, as F.layer_norm's normalized_shape) passed to mean/var as dims: IndexError 'Dimension out of range' when a size is above 3, RuntimeError 'dim 3 appears multiple times' for repeated sizes; right by coincidence when (C, H, W) == (1, 2, 3)."),
    ("ln_functional_scalar_affine", "check_layernorm", LNFunctionalScalarAffine, "F.layer_norm(x, x.shape[1:], self.mult, self.add, eps) with the scalar mult and add as weight and bias: F.layer_norm needs them of shape normalized_shape and does not broadcast: RuntimeError 'Expected weight to be of same shape as normalized_shape, but got weight of shape [] ...' on every call."),
    ("ln_trailing_comma", "check_layernorm", LNTrailingComma, "return xn * self.mult + self.add, : the stray trailing comma makes forward return a 1-tuple holding the right tensor."),
    ("ln_eval_uses_train_stats", "check_layernorm", LNEvalUsesTrainStats, "Keeps the last training call's per-item mean and variance (self.m, self.v, detached) and uses them in eval: eval normalises item i with the last training batch's item i statistics (RuntimeError if the batch sizes differ and neither is 1; AttributeError if eval comes before any training call); eval outputs carry no gradient through the statistics. Training is right."),
    ("bn_vars_full_int", "check_batchnorm", BNVarsFullInt, "register_buffer('vars', torch.full((1, nf, 1, 1), 1)): the integer fill value makes vars int64, which .to(float64)/.float() leave alone; the first training step raises RuntimeError 'expected dtype long int for `end` but got dtype double' (float for float32) at vars.lerp_. state_dict's vars is int64; eval on a fresh layer is right."),
    ("bn_var_mean_of_item_vars", "check_batchnorm", BNVarMeanOfItemVars, "Batch variance taken as each image's variance over (H, W), averaged over the batch (x.var((0, 2, 3)) meant): leaves out the spread between the images' channel means, so it is too small; used to normalise (training spread above 1) and, times n/(n-1), for the running var. Running mean right. Right for a batch of one."),
    ("bn_update_alpha_copied", "check_batchnorm", BNUpdateAlphaCopied, "Running stats by running.mul_(1 - mom).add_(batch, alpha=1 - mom) (alpha=mom meant): running <- (1-mom)*(running + batch): the batch value gets weight 1 - mom and the weights sum to 2 - 2*mom; the running var grows towards about (1-mom)/mom times the unbiased batch var. Training output right, eval off."),
    ("bn_buffers_recreated_each_call", "check_batchnorm", BNBuffersRecreatedEachCall, "register_buffer('means', zeros) / ('vars', ones) at the top of forward (to follow x's dtype), not once: every call resets the running stats to 0 and 1: after a training step they hold only that step's lerp from 0/1 (right after the first step, wrong after the second); in eval they are reset to 0 and 1 before use, so eval returns x / sqrt(1 + eps) * mults + adds."),
    ("in_item_loop_4d_dims", "check_instancenorm", INItemLoop4dDims, "Loops over the images xi (C, H, W) but keeps the batch's dims (2, 3): IndexError 'Dimension out of range (expected to be in range of [-3, 2], but got 3)' on every input."),
    ("in_rows_stats_dim0", "check_instancenorm", INRowsStatsDim0, "x.reshape(N*C, H*W) (one row per item and channel) but the statistics over dim 0 (down the columns): each set is one spatial position over every item and channel, not one (item, channel) over its positions."),
    ("in_centred_backwards", "check_instancenorm", INCentredBackwards, "(m - x) / sqrt(v + eps) (x - m meant): the normalised values have the opposite sign; output = -xn * mults + adds, so x.grad and mults.grad flip sign too; adds.grad is right."),
    ("in_squeeze_batch", "check_instancenorm", INSqueezeBatch, "Written for one image: x.squeeze(0), statistics over dims (1, 2), then unsqueeze(0): right for a batch of one; for N > 1 nothing is squeezed, so the statistics span (item, width column) over channels and height, and the output is 5-d (1, N, C, H, W)."),
    ("gn_view_len_of_shape", "check_groupnorm", GNViewLenOfShape, "x.view(len(x.shape), groups, -1) (len(x) meant): always 4 rows, so the sets are 4*groups equal consecutive runs of the whole batch: right when N == 4; for other batch sizes wrong sets (runs that cut across items or groups), or a RuntimeError when N*C*H*W is not divisible by 4*groups."),
    ("gn_divisibility_assert_reversed", "check_groupnorm", GNDivisibilityAssertReversed, "__init__ asserts groups % nf == 0 (nf % groups meant): building any layer with fewer groups than channels raises the layer's own AssertionError \"6 channels can't be split into 2 groups\"; with groups == nf it builds and is right."),
    ("gn_unsqueeze_wrong_axis", "check_groupnorm", GNUnsqueezeWrongAxis, "Group stats without keepdim, put back with unsqueeze(1) (unsqueeze(-1) meant): shape (N, 1, groups) against the (N, groups, C/groups*H*W) view: right with one group; with 2 or more groups RuntimeError 'The size of tensor a (60) must match the size of tensor b (2) at non-singleton dimension 2'."),
    ("gn_cpg_operands_swapped", "check_groupnorm", GNCpgOperandsSwapped, "Channels per group as groups // C (C // groups meant): 0 whenever groups < C, so every slice is empty and nothing is normalised: the output is x * mults + adds; right when groups == C (cpg 1)."),
]


# ================================================================= RIGHT answers

def ewma_sgd_momentum_buffer(values, mom):
    """torch.optim.SGD's momentum buffer with momentum = dampening = 1 - mom, fed each value as the gradient of a
    parameter that lr=0 never moves: its first step copies the gradient, each later one is (1-mom)*buf + mom*value."""
    p = nn.Parameter(torch.zeros((), dtype=values.dtype))
    opt = torch.optim.SGD([p], lr=0., momentum=1 - mom, dampening=1 - mom)
    out = []
    for v in values:
        p.grad = v.detach().clone().reshape(())
        opt.step()
        out.append(opt.state[p]['momentum_buffer'].clone())
    return torch.stack(out)


class LNEmbeddingBagMeans(nn.Module):
    """Each item's mean, and mean squared deviation, by F.embedding_bag(mode='mean') over the flattened values used as a
    one-column embedding table, one bag per item."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        n, k = x.shape[0], x[0].numel()
        idx = torch.arange(n * k, device=x.device)
        offsets = torch.arange(0, n * k, k, device=x.device)
        bag_mean = lambda t: F.embedding_bag(idx, t.reshape(-1, 1), offsets, mode='mean').view(n, 1, 1, 1)
        d = x - bag_mean(x)
        v = bag_mean(d * d)
        return d / (v + self.eps).sqrt() * self.mult + self.add


class BNForwardPreHook(nn.Module):
    """Running statistics updated by a forward pre-hook registered in __init__ (torch.var_mean, correction=1);
    forward itself only normalises (batch statistics in training, running ones in eval) with rsqrt."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))
        self.register_forward_pre_hook(_bn_track_running)

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
        else:
            m, v = self.means, self.vars
        return (x - m) * torch.rsqrt(v + self.eps) * self.mults + self.adds


def _bn_track_running(mod, args):
    "Forward pre-hook: in training, move the running statistics towards the batch's (unbiased variance)."
    if mod.training:
        with torch.no_grad():
            v, m = torch.var_mean(args[0], (0, 2, 3), correction=1, keepdim=True)
            mod.means.lerp_(m, mod.mom)
            mod.vars.lerp_(v, mod.mom)


class INSegmentReduce(nn.Module):
    """Per-(item, channel) means and mean squared deviations by torch.segment_reduce(reduce='mean') over the flattened
    input cut into N*C segments of H*W values."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        lengths = torch.full((n * c,), h * w, dtype=torch.long, device=x.device)
        seg_mean = lambda t: torch.segment_reduce(t.reshape(-1), 'mean', lengths=lengths).view(n, c, 1, 1)
        d = x - seg_mean(x)
        v = seg_mean(d * d)
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNChannelUnfold(nn.Module):
    """Tensor.unfold(1, C/groups, C/groups): each group's channels as windows in a new last dim, (N, groups, H, W, C/groups);
    statistics over (2, 3, 4), permuted back."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        cpg = x.shape[1] // self.groups
        xu = x.unfold(1, cpg, cpg)
        d = xu - xu.mean((2, 3, 4), keepdim=True)
        v = (d * d).mean((2, 3, 4), keepdim=True)
        y = (d / (v + self.eps).sqrt()).permute(0, 1, 4, 2, 3).reshape(x.shape)
        return y * self.mults + self.adds


RIGHT = [
    ("ewma_sgd_momentum_buffer", "check_ewma", ewma_sgd_momentum_buffer,
     "torch.optim.SGD(momentum=1 - mom, dampening=1 - mom, lr=0) fed each value as a gradient; its momentum_buffer read after each step."),
    ("ln_embedding_bag_means", "check_layernorm", LNEmbeddingBagMeans,
     "each item's mean and mean squared deviation by F.embedding_bag(mode='mean'), the flattened values as a one-column embedding table, one bag per item."),
    ("bn_forward_pre_hook", "check_batchnorm", BNForwardPreHook,
     "running statistics updated in a forward pre-hook registered in __init__ (torch.var_mean, correction=1); forward only normalises."),
    ("in_segment_reduce", "check_instancenorm", INSegmentReduce,
     "per-(item, channel) means and mean squared deviations by torch.segment_reduce(reduce='mean') over N*C segments of H*W values."),
    ("gn_channel_unfold", "check_groupnorm", GNChannelUnfold,
     "Tensor.unfold(1, C/groups, C/groups) puts each group's channels in a new last dim; statistics over (2, 3, 4), permuted back."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
