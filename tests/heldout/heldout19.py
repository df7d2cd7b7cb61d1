"""Nineteenth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout18 (heldoutN.py).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.functional as TF     # what a student who writes `import torch.functional as F` gets (used by ln_torch_functional_import only)

warnings.filterwarnings('ignore')


# ====================================================================== EWMA (wrong)

def ewma_fixed_sweeps(values, mom):
    out = values[0].expand(len(values)).clone()                     # every output starts at values[0]
    for _ in range(10):                                             # "10 sweeps is plenty to converge": len(values) sweeps meant
        out = torch.cat([values[:1], torch.lerp(out[:-1], values[1:], mom)])
    return out


def ewma_relative_step(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = avg * (1 + mom * (v / avg - 1))                       # "move by mom of the relative gap": avg + mom * (v - avg) meant; divides by avg
        out.append(avg)
    return torch.stack(out)


def ewma_rounded_output(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out).round(decimals=3)                       # "three decimals, as the lesson prints them": no rounding meant


def ewma_tolist_lerp(values, mom):
    avg, out = values[0], []
    for v in values.tolist():                                       # "Python floats are faster to loop over": `for v in values` meant
        avg = torch.lerp(avg, v, mom)                               # torch.lerp's end must be a tensor: TypeError
        out.append(avg)
    return torch.stack(out)


# ================================================================= LayerNorm (wrong)

class LNTorchFunctionalImport(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):                                           # the student's `import torch.functional as F` (torch.nn.functional meant)
        return TF.layer_norm(x, x.shape[1:], eps=self.eps) * self.mult + self.add   # AttributeError: torch.functional has no layer_norm


class _LNMissingMultFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mult, add, eps):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        rstd = (v + eps).rsqrt()
        xn = (x - m) * rstd
        ctx.save_for_backward(xn, rstd)
        return xn * mult + add

    @staticmethod
    def backward(ctx, g):
        xn, rstd = ctx.saved_tensors
        dxn = g                                                     # g * mult meant: the chain rule through `* mult` forgotten
        dx = rstd * (dxn - dxn.mean((1, 2, 3), keepdim=True) - xn * (dxn * xn).mean((1, 2, 3), keepdim=True))
        return dx, (g * xn).sum(), g.sum(), None


class LNBackwardMissingMult(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        return _LNMissingMultFn.apply(x, self.mult, self.add, self.eps)


class LNChainAddInsideMul(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        xn = (x - m) / (v + self.eps).sqrt()
        return xn.mul(self.mult.add(self.add))                      # xn.mul(self.mult).add(self.add) meant: a closing parenthesis in the wrong place


class LNDimsFromLen(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        dims = tuple(range(1, len(x)))                              # range(1, x.ndim) meant: len(x) is the batch size
        m = x.mean(dims, keepdim=True)
        v = x.var(dims, keepdim=True, correction=0)
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

    def update(self, m, v, n):
        with torch.no_grad():
            self.means.lerp_(m, self.mom)
            self.vars.lerp_(v * n / (n - 1), self.mom)


class BNSkipsUpdateConstantChannel(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            if (v > 0).all():                                       # "skip degenerate batches": one constant channel skips the whole update
                self.update(m, v, n)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalAttributeTypo(_BNBase):
    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.update(m, v, n)
        else:
            m, v = self.means, self.var                             # self.vars meant: AttributeError in eval mode
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNEvalDebiasedRunning(_BNBase):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__(nf, mom, eps)
        self.steps = 0

    def forward(self, x):
        if self.training:
            m, v, n = self.batch_stats(x)
            self.update(m, v, n)
            self.steps += 1
        else:                                                       # "the running averages start biased, correct them as Adam does":
            c = 1 - (1 - self.mom) ** self.steps if self.steps else 1.   # the buffers are used as they are in PyTorch
            m, v = self.means / c, self.vars / c
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class BNRegisterParameterPlainTensor(nn.Module):
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.register_parameter('mults', torch.ones(nf, 1, 1))      # nn.Parameter(torch.ones(nf, 1, 1)) meant: TypeError
        self.register_parameter('adds', torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            m = x.mean((0, 2, 3), keepdim=True)
            v = x.var((0, 2, 3), keepdim=True, correction=0)
            n = x.numel() / x.shape[1]
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


class INChannelLoopOverInt(_INBase):
    def forward(self, x):
        outs = []
        for c in x.shape[1]:                                        # range(x.shape[1]) meant: TypeError 'int' object is not iterable
            xc = x[:, c]
            m = xc.mean((1, 2), keepdim=True)
            v = xc.var((1, 2), keepdim=True, correction=0)
            outs.append((xc - m) / (v + self.eps).sqrt())
        return torch.stack(outs, 1) * self.mults + self.adds


class INBatchNormWeightRepeatInterleave(_INBase):
    def forward(self, x):
        n, c, h, w = x.shape
        wt = self.mults.flatten().repeat_interleave(n)              # .repeat(n) meant: the rows of x.reshape(1, n*c, ...) are item-major
        bs = self.adds.flatten().repeat_interleave(n)
        out = F.batch_norm(x.reshape(1, n * c, h, w), None, None, wt, bs, training=True, eps=self.eps)
        return out.view(x.shape)


class INNestedListAliasing(_INBase):
    def forward(self, x):
        n, c = x.shape[:2]
        rows = [[None] * c] * n                                     # n references to ONE list: [[None] * c for _ in range(n)] meant
        for i in range(n):
            for j in range(c):
                xc = x[i, j]
                rows[i][j] = (xc - xc.mean()) / (xc.var(correction=0) + self.eps).sqrt()
        return torch.stack([torch.stack(r) for r in rows]) * self.mults + self.adds


class INStatsFloat32(_INBase):
    def forward(self, x):
        xf = x.float()                                              # "statistics in float32, as mixed precision keeps them": x's dtype meant
        m = xf.mean((2, 3), keepdim=True)
        v = xf.var((2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))


class GNGroupLoopPlusEquals(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        out = x.clone()
        for g in range(self.groups):
            sl = slice(g * cpg, (g + 1) * cpg)
            xs = x[:, sl]
            m = xs.mean((1, 2, 3), keepdim=True)
            v = xs.var((1, 2, 3), keepdim=True, correction=0)
            out[:, sl] += (xs - m) / (v + self.eps).sqrt()          # `=` meant: adds the normalised group onto the copy of x
        return out * self.mults + self.adds


class GNGroupsOverwrittenInForward(_GNBase):
    def forward(self, x):
        n, c, h, w = x.shape
        self.groups = c // self.groups                              # channels per group stored back over self.groups (a local cpg meant)
        xg = x.view(n, c // self.groups, -1)                        # c // (channels per group) = the number of groups, on this call
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


class GNSlicesGeneratorReused(_GNBase):
    def forward(self, x):
        cpg = x.shape[1] // self.groups
        slices = (slice(g * cpg, (g + 1) * cpg) for g in range(self.groups))   # a generator, used up by the first loop ([...] meant)
        stats = [(x[:, sl].mean((1, 2, 3), keepdim=True), x[:, sl].var((1, 2, 3), keepdim=True, correction=0)) for sl in slices]
        out = x.clone()
        for sl, (m, v) in zip(slices, stats):                       # slices is empty by now: this loop never runs
            out[:, sl] = (x[:, sl] - m) / (v + self.eps).sqrt()
        return out * self.mults + self.adds


class GNSuperInitWithArgs(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(nf, eps)                                   # copied from the lesson's GroupNorm (a Norm subclass): nn.Module takes no arguments
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        xg = x.view(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).view(x.shape) * self.mults + self.adds


WRONG = [
    ("ewma_fixed_sweeps", "check_ewma", ewma_fixed_sweeps, "Vectorised Jacobi sweeps out = cat([values[:1], lerp(out[:-1], values[1:], mom)]) run a fixed 10 times (len(values) times meant): after k sweeps only outputs 0..k are final, so streams of up to 11 values are right and longer ones (200) are wrong from output 11 on (later outputs still hold part of the values[0] start)."),
    ("ewma_relative_step", "check_ewma", ewma_relative_step, "Each step written as avg * (1 + mom * (v / avg - 1)) (avg + mom*(v - avg) meant): equal in exact arithmetic while avg is nonzero, but it divides by the running average: a stream whose first value is 0 gives 0 * (1 + mom*(0/0 - 1)) = NaN, and every output after it is NaN."),
    ("ewma_rounded_output", "check_ewma", ewma_rounded_output, "Right averages, then torch.stack(out).round(decimals=3) ('three decimals, as the lesson prints them'): every output is off by up to 5e-4 (exact only where an average happens to have 3 decimals, e.g. a stream of one integer)."),
    ("ewma_tolist_lerp", "check_ewma", ewma_tolist_lerp, "Loops over values.tolist() (Python floats) and calls torch.lerp(avg, v, mom) with a float end: TypeError 'lerp() received an invalid combination of arguments - got (Tensor, float, float)' on every stream."),
    ("ln_torch_functional_import", "check_layernorm", LNTorchFunctionalImport, "Calls F.layer_norm where F is torch.functional (the student's `import torch.functional as F`; torch.nn.functional meant): every call raises AttributeError \"module 'torch.functional' has no attribute 'layer_norm'\"; the layer builds fine."),
    ("ln_backward_missing_mult", "check_layernorm", LNBackwardMissingMult, "A custom torch.autograd.Function whose hand-written backward uses g where g * mult was meant for the normalised values' gradient: outputs, mult.grad and add.grad are right; x.grad is PyTorch's divided by mult, so it is right only while mult is 1 (a fresh layer)."),
    ("ln_chain_add_inside_mul", "check_layernorm", LNChainAddInsideMul, "Ends with xn.mul(self.mult.add(self.add)) (xn.mul(self.mult).add(self.add) meant): it scales by mult + add and never shifts: a fresh layer (mult 1, add 0) gives the right output and x.grad, but add.grad is sum(g * xn) (= mult.grad) instead of sum(g); with mult 1.7, add -0.3 the output is 1.4 * xn."),
    ("ln_dims_from_len", "check_layernorm", LNDimsFromLen, "dims = tuple(range(1, len(x))) (range(1, x.ndim) meant): len(x) is the batch size: batch 1 -> dims () which reduces every dim (the one item: right); batch 2 -> dims (1,): per (item, row, column) over the channels; batch 3 -> dims (1, 2): per (item, column); batch 4 -> (1, 2, 3): right; batch 5+ -> IndexError (dim 4)."),
    ("bn_skips_update_constant_channel", "check_batchnorm", BNSkipsUpdateConstantChannel, "Updates the running stats only if (v > 0).all() ('skip degenerate batches'): a batch in which some channel is constant (variance 0) leaves every channel's running mean and var unchanged; the training output is right; right on batches without a constant channel."),
    ("bn_eval_attribute_typo", "check_batchnorm", BNEvalAttributeTypo, "Eval branch reads self.var (self.vars meant): training mode and the running stats are right; every eval-mode call raises AttributeError \"'BNEvalAttributeTypo' object has no attribute 'var'\"."),
    ("bn_eval_debiased_running", "check_batchnorm", BNEvalDebiasedRunning, "Counts training steps and in eval divides both running stats by Adam's bias correction 1 - (1 - mom)^steps ('the running averages start biased'): a fresh layer in eval is right (steps 0), and the buffers themselves are right, but after training eval normalises with means/c and vars/c (c = 0.271 after 3 steps at mom 0.1): running mean 3.7x, running var 3.7x too big."),
    ("bn_register_parameter_plain_tensor", "check_batchnorm", BNRegisterParameterPlainTensor, "self.register_parameter('mults', torch.ones(nf, 1, 1)) with a plain tensor (nn.Parameter(...) meant): building the layer raises TypeError \"cannot assign 'torch.FloatTensor' object to parameter 'mults' (torch.nn.Parameter or None required)\"."),
    ("in_channel_loop_over_int", "check_instancenorm", INChannelLoopOverInt, "for c in x.shape[1]: (range(x.shape[1]) meant): every call raises TypeError \"'int' object is not iterable\"; the layer builds fine."),
    ("in_batch_norm_weight_repeat_interleave", "check_instancenorm", INBatchNormWeightRepeatInterleave, "F.batch_norm on x.reshape(1, N*C, H, W) (right statistics) with weight/bias mults.flatten().repeat_interleave(N) (repeat(N) meant): row k = (item k // C, channel k % C) gets mults[k // N]; right for a batch of one; for N > 1 mults/adds land on the wrong channels: outputs wrong once mults/adds differ per channel, and mults.grad/adds.grad are wrong even for a fresh layer."),
    ("in_nested_list_aliasing", "check_instancenorm", INNestedListAliasing, "Collects the normalised channels in rows = [[None] * C] * N: N references to one list, so every item's row is the last item's: the output has the last item's normalised channels in every item (then mults/adds); right for a batch of one; only the last item gets a gradient."),
    ("in_stats_float32", "check_instancenorm", INStatsFloat32, "Takes the mean and variance of x.float() ('as mixed precision keeps them'), then normalises x: the output stays float64 for float64 input but its statistics are rounded to float32 (errors ~1e-7 relative, far above float64 precision); float32 input is right."),
    ("gn_group_loop_plus_equals", "check_groupnorm", GNGroupLoopPlusEquals, "Group loop writes out[:, sl] += normalised group into out = x.clone() (= meant): the output is (x + normalised x) * mults + adds for every channel, every group setting."),
    ("gn_groups_overwritten_in_forward", "check_groupnorm", GNGroupsOverwrittenInForward, "self.groups = c // self.groups in forward (channels per group stored back over self.groups; a local meant), then views (n, c // self.groups, -1): the first call is right; the second uses C/groups groups of `groups` channels, the third is right again, and so on (alternating); right on every call only when groups == C/groups (2 groups of 2 channels on 4 channels); with groups == C the second call normalises each item as one group (LayerNorm), with 1 group the second call normalises each channel on its own (InstanceNorm)."),
    ("gn_slices_generator_reused", "check_groupnorm", GNSlicesGeneratorReused, "Builds the group slices as a generator expression and iterates it twice: the statistics list comprehension uses it up, so the normalising loop zip(slices, stats) never runs: the output is x * mults + adds (nothing normalised), for every group setting."),
    ("gn_super_init_with_args", "check_groupnorm", GNSuperInitWithArgs, "super().__init__(nf, eps) (copied from the lesson's GroupNorm, whose base Norm takes them; nn.Module takes none): building any layer raises TypeError 'GNSuperInitWithArgs.__init__() takes 1 positional argument but 3 were given'."),
]


# ================================================================= RIGHT answers

def ewma_closure_map(values, mom):
    """map over a closure that keeps the running average in a `nonlocal` variable."""
    avg = values[0]

    def step(v):
        nonlocal avg
        avg = avg + mom * (v - avg)
        return avg
    return torch.stack(list(map(step, values)))


class LNTensordotSums(nn.Module):
    """Per-item sums by torch.tensordot against a ones tensor of the item's shape (dims=3)."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        ones = x.new_ones(x.shape[1:])
        k = ones.numel()
        m = torch.tensordot(x, ones, dims=3) / k
        d = x - m.view(-1, 1, 1, 1)
        v = torch.tensordot(d * d, ones, dims=3) / k
        return d / (v.view(-1, 1, 1, 1) + self.eps).sqrt() * self.mult + self.add


class BNPooledImages(nn.Module):
    """Per-image F.avg_pool2d over the whole (H, W), averaged over the batch; running stats by lerp_ with a tensor weight."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        if self.training:
            hw = x.shape[2:]
            m = F.avg_pool2d(x, hw).mean(0, keepdim=True)
            v = F.avg_pool2d((x - m) ** 2, hw).mean(0, keepdim=True)
            k = x.shape[0] * x.shape[2] * x.shape[3]
            with torch.no_grad():
                w = torch.full_like(self.means, self.mom)
                self.means.lerp_(m, w)
                self.vars.lerp_(v * (k / (k - 1)), w)
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INAreaInterpolate(nn.Module):
    """Means by F.interpolate(size=(1, 1), mode='area') of x and of the squared deviations."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        m = F.interpolate(x, size=(1, 1), mode='area')
        d = x - m
        v = F.interpolate(d * d, size=(1, 1), mode='area')
        return d / (v + self.eps).sqrt() * self.mults + self.adds


class GNAsStrided(nn.Module):
    """Groups as an (N, groups, C/groups*H*W) view built by Tensor.as_strided with explicit strides."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        x = x.contiguous()
        n = x.shape[0]
        item = x[0].numel()
        k = item // self.groups
        xg = x.as_strided((n, self.groups, k), (item, k, 1))
        m = xg.mean(-1, keepdim=True)
        d = xg - m
        v = (d * d).mean(-1, keepdim=True)
        return (d / (v + self.eps).sqrt()).reshape(x.shape) * self.mults + self.adds


RIGHT = [
    ("ewma_closure_map", "check_ewma", ewma_closure_map,
     "map over a closure that keeps the running average in a nonlocal variable."),
    ("ln_tensordot_sums", "check_layernorm", LNTensordotSums,
     "per-item sums by torch.tensordot against a ones tensor of the item's shape (dims=3)."),
    ("bn_pooled_images", "check_batchnorm", BNPooledImages,
     "per-image F.avg_pool2d over (H, W) averaged over the batch; running stats by lerp_ with a tensor weight (full_like)."),
    ("in_area_interpolate", "check_instancenorm", INAreaInterpolate,
     "means by F.interpolate(size=(1, 1), mode='area') of x and of the squared deviations."),
    ("gn_as_strided", "check_groupnorm", GNAsStrided,
     "groups as an (N, groups, C/groups*H*W) view made by Tensor.as_strided with explicit strides."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
