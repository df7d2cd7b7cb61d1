"The exercise checkers, run over the catalogue of answers in tests/wrong_answers.py: every mistake named by what it does and never by a cause nobody confirmed, the lesson's own layers named as the lesson's, stubs 'not done yet', right answers (in unusual styles too) passing with how close they are."
import contextlib, io, pathlib, re
import pytest
import torch
from wrong_answers import MISTAKES, LESSONS, STUBS, RIGHT, GENERALIZE, MyLayerNorm, MyBatchNorm, MyInstanceNorm, MyGroupNorm, my_ewma
import lesson17.exercises as exercises
from lesson17.exercises import check_ewma, check_layernorm, check_batchnorm, check_instancenorm, check_groupnorm, stat_sets, SHAPE
from lesson17.figures import FIGURE_NORMS, stats_ids

KEYS = {cls.__name__: k for k, cls in FIGURE_NORMS.items()}  # 'BatchNorm': 'batch', ...: the checkers name a layer by its class, the figure by the registry


def name(answer): return getattr(answer, '__name__', f'{type(answer).__name__}()')
def ids(entries): return [f'{check.__name__}-{name(answer)}' for check, answer, *_ in entries]

def outcome(check, answer):
    "Run `check` on `answer` as a student does: what it returned (None if it raised AssertionError), and its message."
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed): result = check(answer)
    except AssertionError as e: return None, str(e)
    return result, printed.getvalue().strip()


@pytest.mark.parametrize("check, wrong, words", MISTAKES, ids=ids(MISTAKES))
def test_each_mistake_is_named(check, wrong, words):
    result, msg = outcome(check, wrong)
    assert result is None, f"{check.__name__} did not fail on {name(wrong)}: it returned {result!r}"
    for word in words: assert word in msg, f"{word!r} is not in the message: {msg}"
    if "raised" in msg and "raised TypeError" not in words: assert " at `" in msg, f"a crash must quote the line of the answer that raised: {msg}"


@pytest.mark.parametrize("check, wrong, words, never", GENERALIZE, ids=ids(GENERALIZE))
def test_issue_28s_mistakes_are_named_and_never_by_a_wrong_cause(check, wrong, words, never):
    "The mistakes the one-configuration checkers let pass, named wrongly or only generically: each named from what it does, in the configuration that shows it."
    result, msg = outcome(check, wrong)
    assert result is None, f"{check.__name__} did not fail on {name(wrong)}: it returned {result!r}"
    for word in words: assert word in msg, f"{word!r} is not in the message: {msg}"
    for word in never: assert word not in msg, f"{word!r}, a cause nobody confirmed, is in the message: {msg}"


@pytest.mark.parametrize("check, answer, words", LESSONS, ids=ids(LESSONS))
def test_the_lessons_own_layers_are_named_as_the_lessons(check, answer, words):
    "The lesson's own layers are not PyTorch's: the message says how they differ, and that the lesson's does so."
    result, msg = outcome(check, answer)
    assert result is None, f"{check.__name__} passed the lesson's own {name(answer)}"
    for word in words: assert word in msg, f"{word!r} is not in the message: {msg}"


@pytest.mark.parametrize("check, stub", STUBS, ids=ids(STUBS))
def test_a_stub_is_not_done_yet_and_does_not_raise(check, stub, capsys):
    assert check(stub) is False
    assert capsys.readouterr().out.startswith(f"not done yet: {name(stub)}")


@pytest.mark.parametrize("check, answer", RIGHT, ids=ids(RIGHT))
def test_right_answers_pass(check, answer, capsys):
    assert check(answer) is True
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {type(answer).__name__ if isinstance(answer, torch.nn.Module) else name(answer)}")
    diffs = [float(d) for d in re.findall(r'(\d\.\de[-+]\d\d)', out)]   # the ✓ line says how close, in numbers
    assert diffs and max(diffs) < 1e-4, out


def test_the_catalogue_covers_every_checker_and_the_issues_mistakes():
    "Every checker has mistakes, a stub and right answers; the mistakes issues 9 and 17 name are there, each catalogued once."
    checks = {check_ewma, check_layernorm, check_batchnorm, check_instancenorm, check_groupnorm}
    assert {c for c, *_ in MISTAKES} == checks and {c for c, _ in STUBS} == checks and {c for c, _ in RIGHT} == checks
    names = {name(w) for _, w, _ in MISTAKES}
    assert len(names) == len(MISTAKES), "each wrong answer is catalogued once"
    for needed in ('MomDefaultBN', 'NotPersistentBN', 'SwappedBranchesBN', 'AcrossBatchGN', 'NoCentreLN', 'RunningFromOutputBN',
                   'ewma_one_tensor', 'SwappedGroupsGN', 'FlatStatsBN', 'UnbiasedBN', 'EpsOutsideLN', 'PlainAttrBN', 'SwappedMomBN'):
        assert needed in names, needed


def test_no_answers_ship_in_the_package():
    "lesson17.exercises defines no nn.Module, right or wrong: the answers are test data and 09's worked examples."
    source = pathlib.Path(exercises.__file__).read_text()
    assert not re.search(r'^\s*class \w+\((nn\.|torch\.nn\.)?Module\b', source, re.M)
    assert not [v for v in vars(exercises).values() if isinstance(v, type) and issubclass(v, torch.nn.Module)]


def test_a_half_written_answer_is_checked_not_skipped():
    "A stub only counts as 'not done yet' while it raises NotImplementedError: once __init__ is written wrongly, that is named."
    class StartedBatchNorm(torch.nn.Module):
        def __init__(self, nf, mom=0.1, eps=1e-5): super().__init__()   # mults, adds and buffers still missing
        def forward(self, x): raise NotImplementedError('your turn')
    assert outcome(check_batchnorm, StartedBatchNorm)[0] is None


@pytest.mark.parametrize("layer, groups, shape", [('LayerNorm', 2, SHAPE), ('BatchNorm', 2, SHAPE), ('InstanceNorm', 2, SHAPE), ('GroupNorm', 2, SHAPE), ('GroupNorm', 3, SHAPE),
                                                   ('BatchNorm', 4, (1, 8, 3, 3)), ('GroupNorm', 4, (1, 8, 3, 3)), ('LayerNorm', 4, (1, 8, 3, 3))])
def test_stat_sets_finds_each_torch_norms_sets(layer, groups, shape):
    "Perturbing PyTorch's own layers one input at a time recovers the sets `stats_ids` reads from our layers' `dims`, and the checkers' own numbering of them."
    n, c, h, w = shape
    torch_layer = {'LayerNorm': lambda: torch.nn.LayerNorm([c, h, w]), 'BatchNorm': lambda: torch.nn.BatchNorm2d(c),
                   'InstanceNorm': lambda: torch.nn.InstanceNorm2d(c), 'GroupNorm': lambda: torch.nn.GroupNorm(groups, c)}[layer]()
    found = stat_sets(torch_layer.double(), torch.randn(shape, dtype=torch.float64))
    assert exercises._same_sets(found, stats_ids(KEYS[layer], shape, groups)) and exercises._same_sets(found, exercises._ids(layer, shape, groups))


@pytest.mark.parametrize("check, layer, wrong", [(check_layernorm, 'LayerNorm', (0, 2, 3)), (check_instancenorm, 'InstanceNorm', (1, 2, 3))])
def test_the_axes_in_the_messages_come_from_the_layers(check, layer, wrong, monkeypatch):
    "The checkers read which axes each norm averages from the layer's `dims`, not from a copy of their own."
    class WrongAxes(dict(LayerNorm=MyLayerNorm, InstanceNorm=MyInstanceNorm)[layer]):
        def stats(self, x): return x.mean(wrong, keepdim=True), x.var(wrong, keepdim=True, correction=0)
    msg = outcome(check, WrongAxes)[1]
    assert f"{layer} averages over dims {FIGURE_NORMS[KEYS[layer]].dims}" in msg, msg
    other = [n for n, k in KEYS.items() if FIGURE_NORMS[k].dims == wrong][0]
    monkeypatch.setattr(FIGURE_NORMS[KEYS[other]], 'dims', (9,))   # the layer that averages there no longer says so ...
    assert f"as {other} does" not in outcome(check, WrongAxes)[1]   # ... so the message no longer names it


def test_checkers_leave_the_global_seed_alone():
    torch.manual_seed(0)
    state = torch.get_rng_state()
    for check, answer in [(check_ewma, my_ewma), (check_layernorm, MyLayerNorm), (check_batchnorm, MyBatchNorm),
                          (check_instancenorm, MyInstanceNorm), (check_groupnorm, MyGroupNorm)]:
        outcome(check, answer)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_crash_in_the_students_own_code_says_what_the_checker_was_doing():
    def ewma_typo(values, mom): return values.lerp()
    result, msg = outcome(check_ewma, ewma_typo)
    assert result is None and msg.startswith("ewma_typo(values, mom=0.3) on 8 float64 values raised TypeError")
    assert check_ewma(lambda values, mom: my_ewma(values, mom)) is True


def test_the_checkers_stay_small():
    "Issue 28: a checker is a table of probes, not a catalogue of answers; lesson17/exercises*.py hold at most 450 lines."
    lines = sum(len(f.read_text().splitlines()) for f in pathlib.Path(exercises.__file__).parent.glob('exercises*.py'))
    assert lines <= 450, lines


def test_each_probe_is_a_row_of_the_table():
    "Every probe is a row: a property in words and its test; the norm checkers run every row, in every configuration, in one pipeline."
    assert all(isinstance(prop, str) and callable(test) for prop, test in exercises._PROBES)
    assert len({c.dtype for c in exercises._CONFIGS}) == 2 and {c.shape[0] for c in exercises._CONFIGS} >= {1, 3} and len({c.groups for c in exercises._CONFIGS}) >= 2
