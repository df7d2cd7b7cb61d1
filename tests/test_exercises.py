"The exercise checkers, run over the one catalogue of answers that 09_exercises shows: every mistake named, the lesson's own layers named as the lesson's, stubs 'not done yet', right answers passing."
import pytest
import torch
from lesson17.exercises import (MISTAKES, LESSONS, STUBS, RIGHT, outcome, check_ewma, check_layernorm, check_batchnorm,
                                check_instancenorm, check_groupnorm, MyLayerNorm, MyBatchNorm, MyInstanceNorm, MyGroupNorm, my_ewma)
from lesson17.groupnorm import NORM_LAYERS


def name(answer): return getattr(answer, '__name__', f'{type(answer).__name__}()')
def ids(entries): return [f'{check.__name__}-{name(answer)}' for check, answer, *_ in entries]


@pytest.mark.parametrize("check, wrong, words", MISTAKES, ids=ids(MISTAKES))
def test_each_mistake_is_named(check, wrong, words):
    result, msg = outcome(check, wrong)
    assert result is None, f"{check.__name__} did not fail on {name(wrong)}: it returned {result!r}"
    for word in words: assert word in msg, f"{word!r} is not in the message: {msg}"
    for raw in ("raised RuntimeError", "none of the usual mistakes", "in none of the ways"):
        assert raw not in msg, f"a catalogued mistake must be named in words, not left as {raw!r}: {msg}"


@pytest.mark.parametrize("check, answer, words", LESSONS, ids=ids(LESSONS))
def test_the_lessons_own_layers_are_named_as_the_lessons(check, answer, words, capsys):
    assert check(answer) is False   # not PyTorch's, so not ✓; but not a mistake either: no AssertionError
    out = capsys.readouterr().out
    for word in words: assert word in out, f"{word!r} is not in what the checker printed: {out}"


@pytest.mark.parametrize("check, stub", STUBS, ids=ids(STUBS))
def test_a_stub_is_not_done_yet_and_does_not_raise(check, stub, capsys):
    assert check(stub) is False
    assert capsys.readouterr().out.startswith(f"not done yet: {name(stub)}")


@pytest.mark.parametrize("check, answer", RIGHT, ids=ids(RIGHT))
def test_right_answers_pass(check, answer, capsys):
    assert check(answer) is True
    assert capsys.readouterr().out.startswith(f"✓ {type(answer).__name__ if isinstance(answer, torch.nn.Module) else name(answer)}")


def test_the_catalogue_covers_every_checker_and_the_issue_s_mistakes():
    "Every checker has mistakes, a stub and right answers in the catalogue; the mistakes issue 9 asks for are there."
    checks = {check_ewma, check_layernorm, check_batchnorm, check_instancenorm, check_groupnorm}
    assert {c for c, *_ in MISTAKES} == checks and {c for c, _ in STUBS} == checks and {c for c, _ in RIGHT} == checks
    words = ' | '.join(w for *_, ws in MISTAKES for w in ws)
    for needed in ("keepdim=True", "never divides by the standard deviation", "groups and the channels per group are swapped",
                   "running statistics have the wrong shape", "wrong axes", "unbiased variance", "outside the square root",
                   "never uses mults and adds", "not a buffer", "momentum convention is swapped"):
        assert needed in words, needed
    assert len({name(w) for _, w, _ in MISTAKES}) == len(MISTAKES), "each wrong answer is catalogued once"


def test_a_half_written_answer_is_checked_not_skipped():
    "A stub only counts as 'not done yet' while it raises NotImplementedError: once __init__ is written wrongly, that is named."
    class StartedBatchNorm(torch.nn.Module):
        def __init__(self, nf, mom=0.1, eps=1e-5): super().__init__()   # mults, adds and buffers still missing
        def forward(self, x): raise NotImplementedError('your turn')
    assert outcome(check_batchnorm, StartedBatchNorm)[0] is None


@pytest.mark.parametrize("check, layer, wrong", [(check_layernorm, 'LayerNorm', (0, 2, 3)),
                                                 (check_batchnorm, 'BatchNorm', (1, 2, 3)),
                                                 (check_instancenorm, 'InstanceNorm', (1, 2, 3))])
def test_the_axes_in_the_messages_come_from_the_layers(check, layer, wrong, monkeypatch):
    "The checkers read which axes each norm averages from the layer's `dims`, not from a copy of their own."
    class WrongAxes(dict(LayerNorm=MyLayerNorm, BatchNorm=MyBatchNorm, InstanceNorm=MyInstanceNorm)[layer]):
        def stats(self, x): return x.mean(wrong, keepdim=True), x.var(wrong, keepdim=True, correction=0)
    if layer == 'BatchNorm':   # per-item statistics don't fit the running ones in place: replace them instead
        def update(self, x, m, v): pass
        WrongAxes.update = update
    msg = outcome(check, WrongAxes)[1]
    assert f"{layer} averages over dims {NORM_LAYERS[layer].dims}" in msg, msg
    other = [n for n, cls in NORM_LAYERS.items() if cls.dims == wrong][0]
    monkeypatch.setattr(NORM_LAYERS[other], 'dims', (9,))   # the layer that averages there no longer says so ...
    assert f"as {other} does" not in outcome(check, WrongAxes)[1]   # ... so the message no longer names it


def test_groupnorm_message_reads_the_grouped_view_from_norm_view():
    msg = outcome(check_groupnorm, type('PerItemGN', (MyGroupNorm,), {'group': lambda self, x: x.view(x.shape[0], 1, -1)}))[1]
    assert f"GroupNorm averages over dims {NORM_LAYERS['GroupNorm'].dims} of the grouped view x.view(n, 2, 3, h, w)" in msg, msg


def test_checkers_leave_the_global_seed_alone():
    torch.manual_seed(0)
    state = torch.get_rng_state()
    for check, answer in RIGHT[:1] + [(check_layernorm, MyLayerNorm), (check_batchnorm, MyBatchNorm),
                                      (check_instancenorm, MyInstanceNorm), (check_groupnorm, MyGroupNorm)]:
        outcome(check, answer)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_crash_in_the_students_own_code_says_what_the_checker_was_doing():
    def ewma_typo(values, mom): return values.lerp()
    result, msg = outcome(check_ewma, ewma_typo)
    assert result is None and msg.startswith("ewma_typo(values, mom=0.3) raised TypeError")
    assert check_ewma(lambda values, mom: my_ewma(values, mom)) is True
