"lerp and ewma against PyTorch and the explicit loop; the widgets driven from code (no browser)."
import base64, contextlib, io, json, re

import pytest
import torch
from hypothesis import given, settings, strategies as st

import numpy as np
from PIL import Image

from lesson17.lerp import ewma, lerp
from lesson17.figures import CONVENTIONS, WEIGHTS, compute_momentum, lerp_explorer, momentum_explorer, plot_lerp, plot_momentum
from lesson17.figures import FIGURE_NORMS, describe_norm, norm_explorer, stats_ids
from lesson17.groupnorm import GroupNorm, InstanceNorm
from lesson17.viz import png
from lesson17.batchnorm import BatchNorm
from lesson17.layernorm import LayerNorm

shapes = st.lists(st.integers(1, 5), min_size=0, max_size=3)


@settings(max_examples=60, deadline=None)
@given(shape=shapes, weight=st.floats(-1, 2), tensor_weight=st.booleans(), seed=st.integers(0, 1000))
def test_lerp_matches_torch(shape, weight, tensor_weight, seed):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(shape, generator=g, dtype=torch.float64), torch.randn(shape, generator=g, dtype=torch.float64)
    w = torch.rand(shape, generator=g, dtype=torch.float64) * 3 - 1 if tensor_weight else weight
    torch.testing.assert_close(lerp(a, b, w), torch.lerp(a, b, w))


def test_lerp_broadcasts_and_works_on_numbers():
    x, y = torch.randn(4, 1, 3), torch.randn(5, 3)
    torch.testing.assert_close(lerp(x, y, 0.3), torch.lerp(x, y, 0.3))
    assert lerp(5., 15., 0.75) == 12.5 and lerp(5., 15., 1.5) == 20.  # weights outside [0, 1] extrapolate


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), mom=st.floats(0, 1), start=st.none() | st.floats(-5, 5), seed=st.integers(0, 1000))
def test_ewma_is_repeated_lerp(n, mom, start, seed):
    values = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    avg, expected = (values[0] if start is None else torch.tensor(start, dtype=torch.float64)), []
    for v in values:
        avg = (1 - mom) * avg + mom * v
        expected.append(avg)
    torch.testing.assert_close(ewma(values, mom, start), torch.stack(expected).float())


@pytest.mark.parametrize('mom', [-0.1, 1.01, 10, float('nan')])
def test_ewma_rejects_bad_momentum(mom):
    with pytest.raises(ValueError, match='mom must be between 0 and 1'): ewma(torch.randn(5), mom)


def test_conventions():
    values = torch.randn(50)
    torch.testing.assert_close(compute_momentum(values, 0.9, CONVENTIONS[1]), ewma(values, 0.1))
    with pytest.raises(ValueError, match='convention must be one of'): compute_momentum(values, 0.1, 'other')


def quietly(f):
    "Run `f` with the progress bar (printed outside a notebook) silenced."
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()): return f()


def plotted(png):
    "The pixels of a page's picture"
    return torch.tensor(np.asarray(Image.open(io.BytesIO(png)).convert('RGB')))


@pytest.mark.slow
def test_lerp_explorer_has_a_page_for_every_weight():
    w = quietly(lerp_explorer)
    assert w.slider.description == 'weight' and [v for _, v in w.slider.options] == list(WEIGHTS)
    before = w.page
    w.slider.value = 0.9
    assert w.text.endswith(f'0.90) = {[round(v, 2) for v in lerp(torch.tensor([5., 0., 8.]), torch.tensor([15., 10., 2.]), 0.9).tolist()]}</code>')
    assert w.picture != before[1] and len({p for _, p in w.pages[0]}) == 101


@pytest.mark.slow
def test_momentum_explorer_pages_agree_with_ewma_in_both_conventions():
    values, truth = torch.randn(80), torch.zeros(80)
    w = quietly(lambda: momentum_explorer(values, truth))
    assert w.slider.description == 'momentum' and list(w.choice.options) == list(CONVENTIONS)
    w.slider.value = 0.3
    assert f'last average {ewma(values, 0.3)[-1]:.3f}' in w.text
    w.choice.value = CONVENTIONS[1]
    assert 'new value weight 0.70' in w.text and f'last average {ewma(values, 0.7)[-1]:.3f}' in w.text
    assert not torch.equal(plotted(w.picture), plotted(w.pages[0][30][1]))


def test_norm_explorer_agrees_with_describe_norm():
    w = quietly(norm_explorer)
    w.slider.value = 4
    assert describe_norm('group', (6, 8, 4, 4), 4) in w.text
    w.choice.value = 'batch'
    assert w.slider.disabled and 'reduce dims (0, 2, 3)' in w.text
    assert re.findall(r'<option[^>]*>(\w+)</option>', w.html()) == ['BatchNorm', 'LayerNorm', 'InstanceNorm', 'GroupNorm']   # the classes' names


@pytest.mark.slow
def test_explore_lays_the_figure_out_once_at_the_first_position():
    "The first page is the plot function's own figure (made at the explorer's size and laid out); every other page keeps that layout."
    w = quietly(lerp_explorer)
    start, end = torch.tensor([5., 0., 8.]), torch.tensor([15., 10., 2.])
    assert w.picture == png(plot_lerp(start, end, 0.5))
    values, truth = torch.randn(80), torch.zeros(80)
    w = quietly(lambda: momentum_explorer(values, truth, mom=0.2))
    assert w.picture == png(plot_momentum(values, ewma(values, 0.2), truth, 'each new batch gets weight 0.20'))
    assert plotted(w.pages[0][20][1]).shape == plotted(w.pages[1][50][1]).shape   # one figure, one size


def test_explorer_links_run_in_the_browser_and_its_html_holds_every_page():
    "Every slider and choice is linked to its stack by a `jslink` (no kernel); the HTML copy carries each distinct picture once."
    w = quietly(norm_explorer)
    links = {(l.source[0].model_id, l.source[1], l.target[1]) for l in w.links}
    assert (w.slider.model_id, 'index', 'selected_index') in links and (w.choice.model_id, 'index', 'selected_index') in links
    data = json.loads(re.search(r'<script class="lesson17-data" type="application/json">(.*?)</script>', w.html(), re.S)[1])
    pictures = [base64.b64encode(p).decode() for row in w.pages for _, p in row]
    assert sorted(data['pictures']) == sorted(set(pictures))
    assert [[data['pictures'][p] for _, p in row] for row in data['pages']] == \
           [[base64.b64encode(p).decode() for _, p in row] for row in w.pages]


def test_explorers_refuse_a_start_between_positions():
    with pytest.raises(ValueError, match="weight must be one of the slider's values"): lerp_explorer(weight=0.505)


@pytest.mark.parametrize('norm', FIGURE_NORMS)
def test_stats_ids_are_what_the_layers_share(norm):
    "Adding a constant per id leaves the layer unchanged; adding one to a single value changes only its id's values."
    shape = (4, 8, 3, 3)
    layer = {'batch': BatchNorm(8), 'layer': LayerNorm(), 'instance': InstanceNorm(8), 'group': GroupNorm(2, 8)}[norm].double()
    ids = stats_ids(norm, shape, groups=2)
    x = torch.randn(shape, dtype=torch.float64)
    torch.testing.assert_close(layer(x + torch.randn(int(ids.max()) + 1, dtype=torch.float64)[ids] * 5), layer(x))
    bumped = x.clone(); bumped[0, 0, 0, 0] += 3
    changed = (layer(bumped) - layer(x)).abs() > 1e-9
    assert torch.equal(changed, ids == ids[0, 0, 0, 0])
