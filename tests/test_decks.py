"""The lesson as a teacher presents it: each deck in JupyterLab's RISE, full page in headless Chromium at 1280×720,
from the notebook as saved (a temporary copy of nbs/, nothing run), stepped through slide by slide with Space.

A deck fails on a first slide that is not a title (its first shown element is not a `# ` heading: a `#| default_exp`
cell, say) and on every slide taller than the screen, which RISE cuts off rather than scales. The measuring is
tools/deck_report.py's, which prints every slide of any notebook (`.venv/bin/python tools/deck_report.py nbs/04_lerp.ipynb`);
each deck's report is also written to artifacts/decks/. One JupyterLab serves every deck.
"""
import json, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from deck_report import jupyter_lab, measure_deck   # deck_report imports browser_lab, wherever it lives

NBS = ROOT / 'nbs'
ARTIFACTS = ROOT / 'artifacts' / 'decks'

DECKS = ['index', '04', '05', '06', '07', '08']   # the decks a teacher presents: nbs/<prefix>*.ipynb


def notebook(prefix):
    "The one notebook in nbs/ whose name starts with `prefix`."
    found = sorted(NBS.glob(f'{prefix}*.ipynb'))
    assert len(found) == 1, f'expected one notebook nbs/{prefix}*.ipynb, found {[p.name for p in found]}'
    return found[0].name


@pytest.fixture(scope='module')
def lab():
    "JupyterLab serving a temporary copy of nbs/ for every deck of the module; its log kept in artifacts/decks/."
    with jupyter_lab(NBS, keep_log=ARTIFACTS / 'lab.log') as server: yield server


@pytest.mark.parametrize('prefix', DECKS)
def test_deck_fits_the_screen(lab, browser, prefix):
    "A title first, and no slide taller than a 1280×720 screen."
    nb = notebook(prefix)
    deck = measure_deck(lab, browser, f'nbs/{nb}')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f'{Path(nb).stem}.txt').write_text(deck.report() + '\n')
    print(deck.report())
    assert deck.slides, f'{nb}: the deck showed no slide'
    problems = deck.problems()
    assert not problems, (f'{nb} presented at 1280×720 ({len(deck.slides)} slides; '
                          f'`.venv/bin/python tools/deck_report.py nbs/{nb}` prints each):\n  ' + '\n  '.join(problems))


def _cell(kind, source, slide_type):
    cell = {'cell_type': kind, 'metadata': {'slideshow': {'slide_type': slide_type}}, 'source': source}
    return cell | ({'execution_count': None, 'outputs': []} if kind == 'code' else {})


def _write(lab, name, cells):
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    (lab.root / 'nbs' / name).write_text(json.dumps(nb))
    return f'nbs/{name}'


def test_measure_finds_what_a_teacher_would(lab, browser):
    """The measure itself, on two small decks: one opening on `#| default_exp` with a slide of 80 lines (both reported,
    the short sub-slide not), one with a title, a skipped cell and a fragment (nothing reported, the skipped cell unseen)."""
    tall = '## Tall\n\n' + '\n'.join(f'- line {i}' for i in range(80))
    bad = measure_deck(lab, browser, _write(lab, 'deck-probe-bad.ipynb', [
        _cell('code', '#| default_exp probe', 'slide'), _cell('markdown', tall, 'slide'), _cell('markdown', '## Short', 'subslide')]))
    assert [s.where for s in bad.slides] == ['1.1', '2.1', '2.2']
    assert not bad.title_first and bad.first_line == '#| default_exp probe'
    assert [s.title for s in bad.too_tall] == ['Tall'] and bad.too_tall[0].ratio > 1.5
    assert len(bad.problems()) == 2
    good = measure_deck(lab, browser, _write(lab, 'deck-probe-good.ipynb', [
        _cell('markdown', '# A title\n\n> what it is about', 'slide'), _cell('code', '#| hide\nimport os', 'skip'),
        _cell('markdown', '## Short', 'slide'), _cell('markdown', 'one more point', 'fragment')]))
    assert good.title_first and [s.title for s in good.slides] == ['A title', 'Short']
    assert good.problems() == []
