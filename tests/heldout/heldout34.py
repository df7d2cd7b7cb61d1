"""Thirty-fourth held-out set of wrong and right answers for the normalisation-layer exercises (written blind).

WRONG: 20 (name, checker, obj, what_is_wrong) tuples: plausible student mistakes, none of them one already listed in
       /work/main/tests/wrong_answers.py, /work/main/tests/heldout/*.py, /work/heldout/heldout.py or /work/heldout2 ... /work/heldout33 (heldoutN.py).
       Every one changes a computed number, an output's accuracy or a gradient (none is a state_dict-key-only fault).
RIGHT: 5 (name, checker, obj, style) correct answers written in styles none of those files use.

`checker` is the name of the lesson17.exercises function that should judge the entry.
"""
import math
import warnings
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')


def _lerp_loop(values, mom):
    avg, out = values[0], []
    for v in values:
        avg = torch.lerp(avg, v, mom)
        out.append(avg)
    return torch.stack(out)


# ====================================================================== EWMA (wrong)

def ewma_closed_form_where_masked(values, mom):
    n = len(values)
    t = torch.arange(n, dtype=values.dtype)
    age = t[:, None] - t[None, :]                                   # age of value j in output t (negative: a later value)
    w = mom * (1 - mom) ** age                                      # closed-form weight of value j in output t
    w[:, 0] = (1 - mom) ** t                                        # the start keeps the leftover weight
    terms = torch.where(age >= 0, w * values, torch.zeros_like(w))  # "mask out the future values"
    return terms.sum(1)                                             # (their weights overflow to inf in float32; where hides it
                                                                    #  in the forward, but the backward multiplies inf by 0)


def ewma_relu_rnn_unshifted(values, mom):
    # "an EWMA is a linear RNN: input weight mom, recurrent weight 1 - mom, no bias, started at values[0]"
    rnn = nn.RNN(1, 1, nonlinearity='relu', bias=False).to(values.dtype)   # relu: 'identity for averages'
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(mom)
        rnn.weight_hh_l0.fill_(1 - mom)
    out, _ = rnn(values.view(-1, 1, 1), values[:1].view(1, 1, 1))
    return out.view(-1)


_EWMA_WEIGHTS = {}


def ewma_weight_cache_ignores_dtype(values, mom):
    n = len(values)
    key = (n, mom)                                                  # "the weights depend only on the length and mom:
    if key not in _EWMA_WEIGHTS:                                    #  build the matrix once and reuse it"
        t = torch.arange(n, dtype=values.dtype)                     # (built in the dtype of the first stream it sees)
        age = t[:, None] - t[None, :]
        W = torch.where(age >= 0, mom * (1 - mom) ** age.clamp(min=0), torch.zeros((), dtype=values.dtype))
        W[:, 0] = (1 - mom) ** t
        _EWMA_WEIGHTS[key] = W
    return torch.mv(_EWMA_WEIGHTS[key], values)


def ewma_scan_floor_log2_rounds(values, mom):
    # Hillis-Steele scan of the affine steps f_t(a) = A_t * a + B_t (f_0 the constant map to values[0])
    n = len(values)
    A = torch.cat([torch.zeros_like(values[:1]), torch.full_like(values[1:], 1 - mom)])
    B = torch.cat([values[:1], mom * values[1:]])
    for k in range(int(math.log2(n))):                             # "log2(n) doubling rounds" (rounded down: ceil meant)
        s = 2 ** k
        A_prev = torch.cat([torch.ones_like(A[:s]), A[:-s]])
        B_prev = torch.cat([torch.zeros_like(B[:s]), B[:-s]])
        A, B = A * A_prev, A * B_prev + B
    return B                                                        # "after the scan every map is constant: read its offset"


# ================================================================= LayerNorm (wrong)

class _LNBase(nn.Module):
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def norm(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        v = x.var((1, 2, 3), keepdim=True, correction=0)
        return (x - m) / (v + self.eps).sqrt()


class LNOutputGradCentredHook(_LNBase):
    def forward(self, x):
        out = self.norm(x) * self.mult + self.add
        if out.requires_grad:                                       # "each item's output has a fixed mean, so the gradient
            out.register_hook(lambda g: g - g.mean((1, 2, 3), keepdim=True))   # coming back should have zero mean too"
        return out


def _rsqrt_newton(a, steps=3):
    r = torch.ones_like(a)                                          # "start at 1: three Newton steps give full precision,
    for _ in range(steps):                                          #  like the fast inverse square root"
        r = r * (1.5 - 0.5 * a * r * r)
    return r


class LNNewtonRsqrt(_LNBase):
    def forward(self, x):
        m = x.mean((1, 2, 3), keepdim=True)
        d = x - m
        v = (d * d).mean((1, 2, 3), keepdim=True)
        return d * _rsqrt_newton(v + self.eps) * self.mult + self.add


class LNResidualFoldedIn(_LNBase):
    def forward(self, x):
        return x + self.norm(x) * self.mult + self.add              # "LayerNorm as it sits in a transformer block: x + LN(x)"


class LNOutputUnbiasedStdOne(_LNBase):
    def forward(self, x):
        k = x[0].numel()
        xn = self.norm(x) * math.sqrt(k / (k - 1))                  # "out[i].std() printed 0.99: rescale so each item's
        return xn * self.mult + self.add                            #  std comes out exactly 1" (torch.std is unbiased)


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


class BNConstantChannelBorrowsRunningVar(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        v_used = torch.where(v < 0.01 * self.vars, self.vars, v)    # "a (nearly) constant channel would divide by ~0:
        self.update(x, m, v)                                        #  borrow the running variance for it"
        return self.normalise(x, m, v_used)


class BNBatchRenorm(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        s, s_run = (v + self.eps).sqrt(), (self.vars + self.eps).sqrt()
        r = (s / s_run).clamp(1 / 3, 3).detach()                    # "Batch Renormalization: BatchNorm made better for
        d = ((m - self.means) / s_run).clamp(-5, 5).detach()        #  small batches" (Ioffe 2017, r_max 3, d_max 5)
        self.update(x, m, v)
        return ((x - m) / s * r + d) * self.mults + self.adds


class BNEvalBatchGradStraightThrough(_BNBase):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        m, v = self.stats(x)
        batch = (x - m) / (v + self.eps).sqrt()
        run = (x - self.means) / (self.vars + self.eps).sqrt()
        xn = batch + (run - batch).detach()                         # "the value of the running-statistics output, the gradient
        return xn * self.mults + self.adds                          #  of the batch-statistics one, so fine-tuning in eval
                                                                    #  sees the gradients it would see in training"


class BNSingleImageStatsDetached(_BNBase):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        m, v = self.stats(x)
        self.update(x, m, v)
        if x.shape[0] == 1:                                         # "one image is not a batch: its statistics are
            m, v = m.detach(), v.detach()                           #  constants, like the running ones"
        return self.normalise(x, m, v)


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


class INParsevalRfft2Unweighted(_INBase):
    def forward(self, x):
        k = x.shape[2] * x.shape[3]
        X = torch.fft.rfft2(x)                                      # "the input is real: rfft2 is enough"
        m = X[..., :1, :1].real / k                                 # DC term / (H*W): the mean
        power = X.real ** 2 + X.imag ** 2
        ac = power.sum((2, 3), keepdim=True) - power[..., :1, :1]   # Parseval: the power outside the DC term
        v = ac / k ** 2                                             # (rfft2's half spectrum: the mirrored columns never counted)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INMultsNormalisedToMeanOne(_INBase):
    def forward(self, x):
        scale = self.mults / self.mults.mean()                      # "only the channels' relative scales matter: keep the
        return self.norm(x) * scale + self.adds                     #  gains at mean 1 so they cannot drift together"


class INBatchMeanImageSubtracted(_INBase):
    def forward(self, x):
        x = x - x.mean(0, keepdim=True)                             # "subtract the batch's mean image first, as classic CNN
        return self.norm(x) * self.mults + self.adds                #  preprocessing does", then normalise each instance


class INVarByMseLoss(_INBase):
    def forward(self, x):
        m = x.mean((2, 3), keepdim=True)
        v = F.mse_loss(x, m.expand_as(x))                           # "the variance is the mean squared error from the mean"
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds   # (reduction='mean' averages over everything)


# ================================================================= GroupNorm (wrong)

class _GNBase(nn.Module):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def norm(self, x):
        xg = x.reshape(x.shape[0], self.groups, -1)
        m = xg.mean(-1, keepdim=True)
        v = xg.var(-1, keepdim=True, correction=0)
        return ((xg - m) / (v + self.eps).sqrt()).reshape(x.shape)

    def forward(self, x):
        return self.norm(x) * self.mults + self.adds


class GNGroupsOrderGuessed(_GNBase):
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__(groups, nf, eps)
        if groups > nf // groups:                                   # "more groups than channels per group: the caller must
            self.groups = nf // groups                              #  have passed the channels per group: accept either"


class GNSlidingChannelWindow(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        k = c // self.groups                                        # "each channel is normalised with the C/groups channels
        pool = lambda t: F.avg_pool1d(t[:, None], k, stride=1, padding=k // 2,   # around it (like LocalResponseNorm)"
                                      count_include_pad=False)[:, 0, :c]
        m = pool(x.mean((2, 3)))
        v = pool((x * x).mean((2, 3))) - m * m
        m, v = m.view(n, c, 1, 1), v.view(n, c, 1, 1)
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNGroupStatsLinearInterpolate(_GNBase):
    def forward(self, x):
        n, c = x.shape[:2]
        xg = x.reshape(n, self.groups, -1)
        m = xg.mean(-1)
        v = xg.var(-1, correction=0)
        spread = lambda t: F.interpolate(t[:, None], size=c, mode='linear')[:, 0].view(n, c, 1, 1)   # "upsample the (N, groups)
        return (x - spread(m)) / (spread(v) + self.eps).sqrt() * self.mults + self.adds                 #  statistics to (N, C)"


class GNMultsClippedInPlace(_GNBase):
    def forward(self, x):
        with torch.no_grad():
            self.mults.clamp_(0.5, 1.5)                             # "keep every gain in [0.5, 1.5], like WGAN's weight clipping"
        return self.norm(x) * self.mults + self.adds


# ================================================================= RIGHT answers

def ewma_blelloch_scan(values, mom):
    """Blelloch's work-efficient exclusive scan (up-sweep, then down-sweep from the identity at the root) of the affine steps
    f_t(a) = A_t a + B_t (A_0 = 0, B_0 = values[0]; A_t = 1 - mom, B_t = mom * values[t]), kept as Python lists of 0-d tensors
    and padded with identities to a power of two; each output is its own step applied after its exclusive prefix."""
    n = len(values)
    size = 1 << max(n - 1, 0).bit_length()
    one, zero = values.new_ones(()), values.new_zeros(())
    orig = [(zero, values[0])] + [(one * (1 - mom), mom * v) for v in values[1:]] + [(one, zero)] * (size - n)
    tree = list(orig)
    d = 1
    while d < size:                                                 # up-sweep: each right node holds its range's composition
        for i in range(2 * d - 1, size, 2 * d):
            (al, bl), (ae, be) = tree[i], tree[i - d]
            tree[i] = (al * ae, al * be + bl)
        d *= 2
    tree[size - 1] = (one, zero)
    d = size // 2
    while d >= 1:                                                   # down-sweep: prefixes before each range
        for i in range(2 * d - 1, size, 2 * d):
            left, prefix = tree[i - d], tree[i]
            tree[i - d] = prefix
            tree[i] = (left[0] * prefix[0], left[0] * prefix[1] + left[1])
        d //= 2
    return torch.stack([orig[t][0] * tree[t][1] + orig[t][1] for t in range(n)])


class LNSoftmaxUniformWeights(nn.Module):
    """Each item's mean and mean squared deviation as weighted sums with the weights softmax(zeros(K)) (equal scores give
    equal weights), divided by the weights' own sum; torch.rsqrt."""
    def __init__(self, dummy, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mult = nn.Parameter(torch.tensor(1.))
        self.add = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        w = torch.softmax(flat.new_zeros(flat.shape[1]), 0)
        total = w.sum()
        m = (flat * w).sum(1, keepdim=True) / total
        d = flat - m
        v = (d * d * w).sum(1, keepdim=True) / total
        return (d * torch.rsqrt(v + self.eps)).view_as(x) * self.mult + self.add


class BNPoolRebindBuffers(nn.Module):
    """Channel moments by F.adaptive_avg_pool2d(., 1) on the unbatched (C, N*H, W) view (one image per channel); the running
    statistics replaced each training step by calling register_buffer again with the blended tensors."""
    def __init__(self, nf, mom=0.1, eps=1e-5):
        super().__init__()
        self.mom, self.eps = mom, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))
        self.register_buffer('means', torch.zeros(1, nf, 1, 1))
        self.register_buffer('vars', torch.ones(1, nf, 1, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        if self.training:
            per_channel = lambda t: F.adaptive_avg_pool2d(t.transpose(0, 1).reshape(c, n * h, w), 1).view(1, c, 1, 1)
            m = per_channel(x)
            v = per_channel((x - m) ** 2)
            k = n * h * w
            with torch.no_grad():
                self.register_buffer('means', torch.lerp(self.means, m, self.mom))
                self.register_buffer('vars', torch.lerp(self.vars, v * (k / (k - 1)), self.mom))
        else:
            m, v = self.means, self.vars
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class INComplexMoments(nn.Module):
    """Both moments from one complex mean: z = x + i*x**2 averaged over (H, W) gives the mean (real part) and the mean
    square (imaginary part); variance = mean square - mean**2."""
    def __init__(self, nf, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        mz = torch.complex(x, x * x).mean((2, 3), keepdim=True)
        m = mz.real
        v = mz.imag - m * m
        return (x - m) / (v + self.eps).sqrt() * self.mults + self.adds


class GNBucketizeScatterTake(nn.Module):
    """Channel -> group map by torch.bucketize(arange(C), group starts, right=True); per-channel moments pooled into groups by
    Tensor.scatter_reduce(reduce='mean', include_self=False) and spread back by torch.take_along_dim."""
    def __init__(self, groups, nf, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.mults = nn.Parameter(torch.ones(nf, 1, 1))
        self.adds = nn.Parameter(torch.zeros(nf, 1, 1))

    def forward(self, x):
        n, c = x.shape[:2]
        cpg = c // self.groups
        grp = torch.bucketize(torch.arange(c), torch.arange(cpg, c, cpg), right=True)
        idx = grp.expand(n, c)
        pool = lambda t: torch.zeros(n, self.groups, dtype=x.dtype).scatter_reduce(1, idx, t, reduce='mean', include_self=False)
        spread = lambda t: torch.take_along_dim(t, idx, dim=1).view(n, c, 1, 1)
        m = spread(pool(x.mean((2, 3))))
        d = x - m
        v = spread(pool((d * d).mean((2, 3))))
        return d / (v + self.eps).sqrt() * self.mults + self.adds


WRONG = [
    ("ewma_closed_form_where_masked", "check_ewma", ewma_closed_form_where_masked, "Closed form: weights mom*(1-mom)**age for every (output t, value j), the start column (1-mom)**t, and the future (negative ages) masked out with torch.where(age >= 0, w * values, 0) instead of building the weights without negative ages: every output is right (values, dtype, shape, every stream), but the masked-out weights (1-mom)**-k overflow to inf in float32 on long streams at mom 0.5 (2**199) and 0.9 (10**199), and torch.where's backward multiplies them by the masked 0: values.grad is NaN for the later values of a long float32 stream at mom 0.5 or 0.9 (float64 and every short stream right everywhere)."),
    ("ewma_relu_rnn_unshifted", "check_ewma", ewma_relu_rnn_unshifted, "Runs the stream through nn.RNN(1, 1, nonlinearity='relu', bias=False) with input weight mom and recurrent weight 1 - mom, started at values[0] ('an EWMA is a linear RNN; relu is the identity on averages'): the relu clamps every average that would go negative to 0, so streams whose averages stay non-negative (all-positive streams, a constant 1.5 stream) are right everywhere, but once the average would drop below 0 the outputs (and gradients: a clamped average passes none) are wrong; output 0 is relu(values[0]), and a stream starting at exactly 0 gets values.grad[0] = 0 from relu's gradient at 0 (its outputs can still be right)."),
    ("ewma_weight_cache_ignores_dtype", "check_ewma", ewma_weight_cache_ignores_dtype, "Caches the closed-form weight matrix in a module-level dict keyed by (len(values), mom) ('the weights depend only on the length and mom'), built in the dtype of the first stream that needs it, and returns torch.mv(W, values): every call is right (outputs and gradients) until a stream of another dtype comes with a length and mom already cached: then torch.mv raises RuntimeError (float64 weights, float32 values or the other way round)."),
    ("ewma_scan_floor_log2_rounds", "check_ewma", ewma_scan_floor_log2_rounds, "Hillis-Steele scan of the affine steps with int(math.log2(n)) doubling rounds (rounded down; ceil meant), then reads each composed map's offset as the average ('after the scan every map is constant'): streams of 1, 2, 4, 8, ... values are right; for other lengths the outputs from index 2**floor(log2 n) on compose only the last 2**floor(log2 n) steps, so they miss the start term (1-mom)**(2**rounds) * values[0] and its gradient: clearly wrong on streams of 3, 5, 6, 7 values; on long streams only where (1-mom)**128 is not negligible (mom 0.1 in float64)."),
    ("ln_output_grad_centred_hook", "check_layernorm", LNOutputGradCentredHook, "Registers a hook on the output that subtracts each item's mean from the incoming gradient ('each item's output has a fixed mean, so its gradient should have zero mean too'): outputs, x.grad and mult.grad are right (LayerNorm's own backward ignores a per-item constant in the gradient, and xhat sums to 0 per item), but add.grad = sum of the centred gradient = 0 on every input, instead of sum(g)."),
    ("ln_newton_rsqrt", "check_layernorm", LNNewtonRsqrt, "Computes 1/sqrt(var + eps) with three Newton steps r <- r * (1.5 - 0.5 * a * r * r) from r = 1 ('three steps give full precision, like the fast inverse square root') instead of rsqrt: accurate only for items with var + eps near 1 (1e-6 off at 1.2, so float32 passes there and float64 does not); far off for small or large variances, and for var + eps > 3 the iteration diverges (negative scales); a constant item's output is right (0 * r) but its gradient is scaled by 3.375 instead of 1/sqrt(eps)."),
    ("ln_residual_folded_in", "check_layernorm", LNResidualFoldedIn, "Returns x + LN(x) * mult + add ('LayerNorm as it sits in a transformer block: the residual comes with it') instead of LN(x) * mult + add: every output is shifted by the input itself (x.grad gets an extra g); mult.grad and add.grad are right; wrong on every input."),
    ("ln_output_unbiased_std_one", "check_layernorm", LNOutputUnbiasedStdOne, "Multiplies the normalised values by sqrt(K/(K-1)) (K = C*H*W) so that each item's out.std() (torch's unbiased std) prints exactly 1, instead of leaving the population std at 1: every non-constant output (and x.grad, mult.grad) is too large by sqrt(K/(K-1)) (1.0105 for K = 48, 1.0042 for K = 120); add.grad and constant items are right."),
    ("bn_constant_channel_borrows_running_var", "check_batchnorm", BNConstantChannelBorrowsRunningVar, "In training, a channel whose batch variance is below 1% of its running variance is normalised with the running variance instead ('a constant channel would divide by ~0: borrow the running variance'): every channel with an ordinary spread is right everywhere (and the running statistics and eval always are); a constant channel's output is right (0 * scale + adds), but its input gradient is mults * (g - mean g) / sqrt(running var + eps) instead of / sqrt(eps): too small by sqrt((running var + eps)/eps), hundreds of times at eps 1e-5, about 2x at eps 0.1."),
    ("bn_batch_renorm", "check_batchnorm", BNBatchRenorm, "Trains as Batch Renormalization (Ioffe 2017: ((x - m)/s) * r + d with r = s/s_running clamped to [1/3, 3] and d = (m - running mean)/s_running clamped to [-5, 5], both detached) instead of BatchNorm: training outputs are (x - running mean)/running std where unclamped, and the input gradient is BatchNorm's scaled by r: training outputs and gradients are wrong from the first step; the running statistics are right, and so is eval."),
    ("bn_eval_batch_grad_straight_through", "check_batchnorm", BNEvalBatchGradStraightThrough, "In eval returns batch + (run - batch).detach() (a straight-through: the value of the running-statistics normalisation, the gradient of the batch-statistics one, 'so fine-tuning in eval sees training's gradients'): training, the running statistics, every eval output and the eval mults/adds gradients are right, but every eval-mode input gradient is training BatchNorm's (through the eval batch's own mean and variance) instead of g * mults / sqrt(running var + eps) (a fresh layer in eval too)."),
    ("bn_single_image_stats_detached", "check_batchnorm", BNSingleImageStatsDetached, "In training, for a batch of one image the batch mean and variance are detached ('one image is not a batch: its statistics are constants, like the running ones'): outputs, running statistics, eval and the mults/adds gradients are right everywhere, and batches of 2+ are right everywhere; for a training batch of one image x.grad misses the paths through the mean and variance (it is g * mults / sqrt(var + eps))."),
    ("in_parseval_rfft2_unweighted", "check_instancenorm", INParsevalRfft2Unweighted, "Takes the mean from the DC term and the variance by Parseval from torch.fft.rfft2 (the half spectrum of a real image) without doubling the columns whose mirror images rfft2 leaves out: images of width 1 or 2 are right everywhere (their half spectrum is the whole one); for width 3+ the variance counts only part of the power, so it is too small and outputs (and gradients) too large."),
    ("in_mults_normalised_to_mean_one", "check_instancenorm", INMultsNormalisedToMeanOne, "Scales by mults / mults.mean() ('only the channels' relative scales matter: keep the gains at mean 1') instead of mults: with a fresh layer (all mults 1) outputs and x.grad are right but mults.grad is projected (each channel's gradient minus their mean, wrong unless all equal); with trained (unequal) mults outputs, x.grad and mults.grad are wrong; adds is right."),
    ("in_batch_mean_image_subtracted", "check_instancenorm", INBatchMeanImageSubtracted, "Subtracts the batch's mean image (x.mean(0): each channel's value at each pixel averaged over the items, 'as classic CNN preprocessing does') from the input before normalising each (item, channel) over (H, W): the instance statistics are then those of x minus a position-dependent image, so outputs and gradients are wrong on every input (each item's result depends on the other items); a batch of one image becomes all zeros, so its output is just adds and its input gradient 0."),
    ("in_var_by_mse_loss", "check_instancenorm", INVarByMseLoss, "Takes each image's mean rightly but the variance as F.mse_loss(x, mean.expand_as(x)) ('the variance is the mean squared error from the mean'), whose default reduction='mean' averages the squared deviations over the whole batch and every channel: one variance shared by every (item, channel), right only for a batch of one image with one channel; outputs and gradients wrong wherever the images' spreads differ."),
    ("gn_groups_order_guessed", "check_groupnorm", GNGroupsOrderGuessed, "In __init__, when groups > nf // groups it assumes the caller passed the channels per group and uses nf // groups groups ('accept either order'): every layer with groups**2 <= C is right everywhere (1 group, 2 of 4, 2 of 6, 2 of 8); GroupNorm(4, 8) makes 2 groups, GroupNorm(3, 6) makes 2, GroupNorm(4, 4) makes 1, so their outputs and gradients are wrong."),
    ("gn_sliding_channel_window", "check_groupnorm", GNSlidingChannelWindow, "Normalises each channel with the statistics of a sliding window of C/groups channels around it (F.avg_pool1d over the channel axis, stride 1, padding (C/groups)//2, count_include_pad=False: 'like LocalResponseNorm') instead of fixed groups: one channel per group (groups == C) is right everywhere; any coarser grouping (1 group too: the edge channels' windows are cut short) gives each channel its own window, so outputs and gradients are wrong."),
    ("gn_group_stats_linear_interpolate", "check_groupnorm", GNGroupStatsLinearInterpolate, "Takes the right group means and variances (N, groups) but spreads them to the C channels with F.interpolate(mode='linear') ('upsample the statistics'; nearest or repeat_interleave meant): 1 group and C groups are right everywhere (constant, or the same size); with group counts in between the channels near a group boundary get a blend of neighbouring groups' mean and variance, so outputs and gradients are wrong."),
    ("gn_mults_clipped_in_place", "check_groupnorm", GNMultsClippedInPlace, "Clamps the mults parameter in place to [0.5, 1.5] at every forward (with torch.no_grad(): self.mults.clamp_(0.5, 1.5): 'keep the gains sane, like WGAN's weight clipping'): a fresh layer and any layer whose mults lie in [0.5, 1.5] are right everywhere; a trained gain outside that range is overwritten in the layer itself, so outputs and x.grad use the clipped gain; mults.grad and adds.grad are right (they do not depend on the gain)."),
]

RIGHT = [
    ("ewma_blelloch_scan", "check_ewma", ewma_blelloch_scan,
     "Blelloch's work-efficient exclusive scan (up-sweep, down-sweep from the identity) of the affine steps f_t(a) = A_t a + B_t as Python lists of 0-d tensors, padded with identities to a power of two; each output its own step applied after its exclusive prefix."),
    ("ln_softmax_uniform_weights", "check_layernorm", LNSoftmaxUniformWeights,
     "each item's mean and mean squared deviation as weighted sums with weights softmax(zeros(K)), divided by the weights' own sum; torch.rsqrt."),
    ("bn_pool_rebind_buffers", "check_batchnorm", BNPoolRebindBuffers,
     "channel moments by F.adaptive_avg_pool2d(., 1) on the unbatched (C, N*H, W) view; the running statistics replaced each training step by calling register_buffer again with the blended tensors."),
    ("in_complex_moments", "check_instancenorm", INComplexMoments,
     "both moments from one complex mean: torch.complex(x, x**2) averaged over (H, W) gives the mean (real part) and the mean square (imaginary part); variance = mean square - mean**2."),
    ("gn_bucketize_scatter_take", "check_groupnorm", GNBucketizeScatterTake,
     "channel -> group map by torch.bucketize(arange(C), group starts, right=True); per-channel moments pooled by scatter_reduce(reduce='mean', include_self=False), spread back by torch.take_along_dim."),
]

KIND = {"check_ewma": "ewma", "check_layernorm": "layernorm", "check_batchnorm": "batchnorm",
        "check_instancenorm": "instancenorm", "check_groupnorm": "groupnorm"}
