"The norm-axes picture of 07: the GroupNorm paper's layout, read from each layer's `dims`; words in the singular."
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest

from lesson17.groupnorm import NORMS, describe_norm, norm_block_faces, plot_norm_block, plural

SHAPE = (6, 8, 4, 4)
N, C, S = 6, 8, 16   # items, channels, H×W positions


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close('all')


def shaded(norm, groups=2):
    "Shaded cells per face: front (first item), top (first position), left (first channel)."
    cells, _ = norm_block_faces(norm, SHAPE, groups)
    return [sum(on for _, on, f in cells if f == face) for face in range(3)]


@pytest.mark.parametrize('norm, front, top, left', [
    ('LayerNorm', C * S, C, S),          # the whole front face, and the first item's edge of the other faces
    ('InstanceNorm', S, 1, S),           # one column: one channel of one item
    ('GroupNorm', C // 2 * S, C // 2, S),  # the columns of the first group
    ('BatchNorm', S, N, N * S),          # one column that runs back through every item
])
def test_shading_is_the_set_sharing_the_first_values_statistics(norm, front, top, left):
    assert shaded(norm) == [front, top, left]


def test_face_sizes():
    cells, _ = norm_block_faces('LayerNorm', SHAPE)
    assert [sum(f == face for _, _, f in cells) for face in range(3)] == [C * S, C * N, S * N]


@pytest.mark.parametrize('groups', [1, 2, 4, 8])
def test_group_boundaries_show_on_the_front_face(groups):
    "The front face is C across and H×W up: between groups a line the height of the block."
    _, edges = norm_block_faces('GroupNorm', SHAPE, groups, height=0.5)
    vertical = [e for e in edges if e[0][0] == e[1][0] and 0 < e[0][0] < C   # inside the front face's width
                and 0 <= min(e[0][1], e[1][1]) and max(e[0][1], e[1][1]) <= S * 0.5]   # and its height
    assert sorted({e[0][0] for e in vertical}) == [C // groups * k for k in range(1, groups)]
    assert len(vertical) == (groups - 1) * S


def test_titles_and_descriptions_in_the_singular():
    assert plural(1, 'group') == '1 group' and plural(2, 'group') == '2 groups' and plural(0, 'group') == '0 groups'
    assert plot_norm_block('GroupNorm', groups=1).axes[0].get_title() == 'GroupNorm (1 group)'
    assert plot_norm_block('GroupNorm', groups=4).axes[0].get_title() == 'GroupNorm (4 groups)'
    one = describe_norm('GroupNorm', SHAPE, 1)
    assert one.startswith('GroupNorm(1 group):') and '1 groups' not in one
    assert '1 mean and 1 variance,' in describe_norm('LayerNorm', (1, 8, 4, 4))


@pytest.mark.parametrize('norm', NORMS)
def test_plot_norm_block_returns_its_figure_and_draws_on_a_given_axes(norm):
    fig, ax = plt.subplots()
    assert plot_norm_block(norm, ax=ax) is fig
    assert len(ax.collections) == 2 and ax.get_title().startswith(norm)
