"The norm-axes picture of 07: the GroupNorm paper's layout, read from each layer's `dims`; words in the singular."
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest
import torch

from lesson17.groupnorm import FIGURE_NORMS, describe_norm, norm_block_faces, norm_view, plot_norm_block, plural
from lesson17.recipes import NORMS

SHAPE = (6, 8, 4, 4)
N, C, S = 6, 8, 16   # items, channels, H×W positions


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close('all')


def shaded(norm, groups=2):
    "Shaded cells per face: front (first channel), top (first position), left (first item)."
    cells, _ = norm_block_faces(norm, SHAPE, groups)
    return [sum(on for _, on, f in cells if f == face) for face in range(3)]


@pytest.mark.parametrize('norm, front, top, left', [
    ('batch', N * S, N, S),          # the paper's layout: the whole front face (N across), the first channel's edge of the others
    ('layer', S, C, C * S),          # the whole left face (C going back), the first item's edge of the others
    ('instance', S, 1, S),           # one column where the two faces meet: one channel of one item
    ('group', S, C // 2, C // 2 * S),  # the strip of the left face that is the first group
])
def test_shading_is_the_set_sharing_the_first_values_statistics(norm, front, top, left):
    assert shaded(norm) == [front, top, left]


def test_face_sizes():
    cells, _ = norm_block_faces('layer', SHAPE)
    assert [sum(f == face for _, _, f in cells) for face in range(3)] == [N * S, N * C, C * S]


def test_front_face_is_n_across_and_left_face_c_going_back():
    "The paper's Figure 2: N runs right along the front, C runs back (up and to the left), H×W runs up."
    cells, _ = norm_block_faces('layer', SHAPE, depth=(0.5, 0.4), height=0.5)
    xs = lambda face: {round(x, 6) for corners, _, f in cells if f == face for x, _ in corners}
    ys = lambda face: {round(y, 6) for corners, _, f in cells if f == face for _, y in corners}
    assert xs(0) == set(range(N + 1)) and ys(0) == {k * 0.5 for k in range(S + 1)}
    assert min(xs(2)) == -0.5 * C and max(xs(2)) == 0 and max(ys(2)) == S * 0.5 + 0.4 * C


@pytest.mark.parametrize('groups', [1, 2, 4, 8])
def test_group_boundaries_show_on_the_left_face(groups):
    "The left face is C going back and H×W up: between groups a line the height of the block."
    _, edges = norm_block_faces('group', SHAPE, groups, depth=(0.5, 0.4), height=0.5)
    vertical = [e for e in edges if e[0][0] == e[1][0] and -0.5 * C < e[0][0] < 0]   # inside the left face's width
    assert sorted({e[0][0] for e in vertical}) == sorted(-0.5 * (C // groups) * k for k in range(1, groups))
    assert len(vertical) == (groups - 1) * S


def test_ids_replace_the_norms_statistics_and_title_the_title():
    "Given `ids`, the shading is the set sharing the first value's id, whatever the norm says; `title` replaces the title."
    ids = (torch.arange(N).view(N, 1, 1, 1) + torch.arange(C).view(1, C, 1, 1)).expand(SHAPE) % 2   # a checkerboard of items and channels
    cells, _ = norm_block_faces('batch', SHAPE, ids=ids)
    assert sum(on for _, on, _ in cells) == (N * S + N * C + C * S) // 2
    fig = plot_norm_block('batch', SHAPE, ids=ids, title='every other value')
    assert fig.axes[0].get_title() == 'every other value'
    plt.close(fig)
    fig, ax = plt.subplots()
    assert plot_norm_block('layer', ax=ax, title=None).axes[0].get_title() == 'LayerNorm'
    with pytest.raises(ValueError, match=r"ids must be a tensor of the activations' shape \(6, 8, 4, 4\), got \(6, 8, 16\)"):
        norm_block_faces('batch', SHAPE, ids=ids.reshape(N, C, S))


def test_titles_and_descriptions_in_the_singular():
    assert plural(1, 'group') == '1 group' and plural(2, 'group') == '2 groups' and plural(0, 'group') == '0 groups'
    assert plot_norm_block('group', groups=1).axes[0].get_title() == 'GroupNorm (1 group)'
    assert plot_norm_block('group', groups=4).axes[0].get_title() == 'GroupNorm (4 groups)'
    one = describe_norm('group', SHAPE, 1)
    assert one.startswith('GroupNorm(1 group):') and '1 groups' not in one
    assert '1 mean and 1 variance,' in describe_norm('layer', (1, 8, 4, 4))


@pytest.mark.parametrize('norm', FIGURE_NORMS)
def test_plot_norm_block_returns_its_figure_and_draws_on_a_given_axes(norm):
    fig, ax = plt.subplots()
    assert plot_norm_block(norm, ax=ax) is fig
    assert len(ax.collections) == 2 and ax.get_title().startswith(NORMS[norm].__name__)


def test_the_figure_takes_registry_names_and_shows_class_names():
    "The four norms by their names in the one registry; what is printed and drawn is each class's own name."
    assert all(n in NORMS for n in FIGURE_NORMS)
    assert [describe_norm(n).split(':')[0] for n in FIGURE_NORMS] == ['BatchNorm', 'LayerNorm', 'InstanceNorm', 'GroupNorm(2 groups)']
    assert [norm_view(n, SHAPE)[1] for n in FIGURE_NORMS] == [NORMS[n].dims for n in FIGURE_NORMS]
    with pytest.raises(ValueError, match=r"norm must be one of \('batch', 'layer', 'instance', 'group'\), got 'BatchNorm'"):
        norm_view('BatchNorm', SHAPE)
