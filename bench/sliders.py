"""How fast the sliders follow the hand, in JupyterLab + Chromium: the explorers of this series (every position
drawn beforehand, picked in the browser) next to the sliders they replaced (the kernel redraws the figure on every
move), measured in the same run, as ratios.

For each slider (the lerp weight, the momentum, the norm explorer's groups) and each kind, it presses an arrow key
`PRESSES` times and takes the time from the key press to the first frame that shows a new picture (page clock), then
drags the handle fast across the track and takes the time from letting go to the last change of the picture, checking
that the picture and text left are those of the final position. Run with `make bench` (an idle machine gives the
fairest numbers); it writes artifacts/bench/sliders.json.
"""
import json, os, statistics, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))   # tools/browser_lab.py, which the browser tests use too
from browser_lab import CHROMIUM, jupyter_lab, open_notebook, run_through, slider_handle, slider_readout

PRESSES = 20
OUT = ROOT / 'artifacts' / 'bench' / 'sliders.json'

# The sliders as they were before lesson17.viz: a FloatSlider whose every move redraws the figure in the kernel and
# ships a new PNG to an Output widget (the series' code up to this change, condensed). `draw(value)` draws and returns
# the text.
OLD = '''
import io
import ipywidgets as widgets
from IPython.display import Image, display, clear_output

def redraw_in_kernel(slider, draw, fig, choice=None):
    plt.close(fig)
    out, text = widgets.Output(), widgets.HTML()
    def redraw(change=None):
        text.value = draw(slider.value, None if choice is None else choice.value)
        png = io.BytesIO(); fig.savefig(png, format='png')
        with out:
            clear_output(wait=True)
            display(Image(png.getvalue()))
    slider.observe(redraw, names='value')
    if choice is not None: choice.observe(redraw, names='value')
    redraw()
    return widgets.VBox(([] if choice is None else [choice]) + [slider, text, out])

def old_lerp():
    start, end = torch.tensor([5., 0., 8.]), torch.tensor([15., 10., 2.])
    fig, ax = plt.subplots(figsize=(6, 2.1)); plot_lerp(start, end, 0.5, ax=ax); fig.tight_layout()
    def draw(w, _):
        plot_lerp(start, end, w, ax=ax)
        return f"<code>lerp(..., {w:.2f}) = {[round(v, 2) for v in lerp(start, end, w).tolist()]}</code>"
    return redraw_in_kernel(widgets.FloatSlider(value=0.5, min=0., max=1., step=0.01, description='weight'), draw, fig)

def old_momentum(values, truth):
    fig, ax = plt.subplots(figsize=(7, 3)); plot_momentum(values, ewma(values, 0.1), truth, 'x', ax=ax); fig.tight_layout()
    def draw(m, _):
        avg = ewma(values, m)
        plot_momentum(values, avg, truth, f'each new batch gets weight {m:.2f}', ax=ax)
        return f"<code>new value weight {m:.2f}: last average {avg[-1]:.3f}</code>"
    return redraw_in_kernel(widgets.FloatSlider(value=0.1, min=0., max=1., step=0.01, description='momentum'), draw, fig)

def old_norm(shape=(6, 8, 4, 4)):
    choice = widgets.ToggleButtons(options=[(NORMS[n].__name__, n) for n in FIGURE_NORMS], value='group', description='norm')
    groups = widgets.SelectionSlider(options=[1, 2, 4, 8], value=2, description='groups')
    fig, ax = plt.subplots(figsize=(4, 4)); plot_norm_block('group', shape, 2, ax=ax); fig.tight_layout()
    def draw(g, norm):
        plot_norm_block(norm, shape, g, ax=ax)
        return f"<code>{describe_norm(norm, shape, g)}</code>"
    return redraw_in_kernel(groups, draw, fig, choice)
'''

CELLS = [
    'import torch, matplotlib.pyplot as plt\nfrom functools import partial',
    'from lesson17.data import load_fashion_mnist\nfrom lesson17.learner import set_seed\n'
    'from lesson17.model import GeneralRelu, get_model, init_weights\n'
    'from lesson17.lerp import ewma, lerp\n'
    'from lesson17.figures import plot_lerp, plot_momentum, lesson_stream, lerp_explorer, momentum_explorer\n'
    'from lesson17.figures import FIGURE_NORMS, describe_norm, plot_norm_block, norm_explorer',
    OLD,
    'set_seed(42)\nx = (load_fashion_mnist()[0] - 0.286) / 0.353\n'
    'block = get_model(partial(GeneralRelu, leak=0.1, sub=0.4)).apply(partial(init_weights, leaky=0.1))[0]\n'
    'values, truth = lesson_stream(x, block)',
    'old_lerp()', 'lerp_explorer()', 'old_momentum(values, truth)', 'momentum_explorer(values, truth)',
    'old_norm()', 'norm_explorer()', '"the end"']
SLIDERS = [('lerp weight', 'weight', 4, 5), ('momentum', 'momentum', 6, 7), ('norm groups', 'groups', 8, 9)]  # name, description, cells

# Records, in the page, the key or pointer press and every change of the picture in `root` (a new <img> or src).
WATCH = """(root) => {
  const st = {t0: null, changes: [], up: null};
  const src = () => { const i = root.querySelector('img'); return i ? i.src : null; };
  let last = src();
  document.addEventListener('keydown', () => { if (st.t0 === null) st.t0 = performance.now(); }, {capture: true, once: true});
  document.addEventListener('pointerdown', () => { if (st.t0 === null) st.t0 = performance.now(); }, {capture: true, once: true});
  document.addEventListener('pointerup', () => { st.up = performance.now(); }, {capture: true, once: true});
  const obs = new MutationObserver(() => { const s = src(); if (s && s !== last) { last = s; st.changes.push(performance.now()); } });
  obs.observe(root, {childList: true, subtree: true, attributes: true, attributeFilter: ['src']});
  window.__bench = st; window.__benchObs = obs;
}"""


def notebook():
    cells = [{'cell_type': 'code', 'execution_count': None, 'id': f'c{i:07d}', 'metadata': {}, 'outputs': [], 'source': s}
             for i, s in enumerate(CELLS)]
    return {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}


def text(cell): return cell.locator('.widget-html-content').first.inner_text()


def wait_quiet(page, cell, quiet=1.0, timeout=60):
    "Wait until the cell's picture has not changed for `quiet` seconds."
    deadline, n, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        m = page.evaluate('() => window.__bench ? window.__bench.changes.length : 0')
        if m != n: n, since = m, time.monotonic()
        elif time.monotonic() - since >= quiet: return
    raise AssertionError('the picture kept changing')


def press_times(page, cell, handle, few):
    "ms from each of PRESSES key presses to the first new picture; the keys walk right and back (two and two if `few` positions)."
    times = []
    for k in range(PRESSES):
        before = text(cell)
        right = k % 4 < 2 if few else k < PRESSES // 2
        cell.evaluate(WATCH)
        handle.focus()
        page.keyboard.press('ArrowRight' if right else 'ArrowLeft')
        page.wait_for_function('() => window.__bench.changes.length > 0', timeout=30_000)
        st = page.evaluate('() => window.__bench')
        times.append(st['changes'][0] - st['t0'])
        deadline = time.monotonic() + 30
        while text(cell) == before and time.monotonic() < deadline: page.wait_for_timeout(20)
        wait_quiet(page, cell, quiet=0.3)
    return times


def drag_settle(page, cell, handle):
    "ms from letting go after a fast drag across the track to the last change of the picture; and the end is right."
    track = cell.locator('.noUi-target').first.bounding_box()
    box = handle.bounding_box()
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    cell.evaluate(WATCH)
    page.mouse.move(x, y); page.mouse.down()
    page.mouse.move(track['x'] + track['width'] * 0.95, y, steps=15)
    page.mouse.move(track['x'] + track['width'] * 0.15, y, steps=15)
    page.mouse.up()
    wait_quiet(page, cell, quiet=2.0)
    st = page.evaluate('() => window.__bench')
    return max(0., st['changes'][-1] - st['up']) if st['changes'] else 0.


def summary(ms):
    ms = sorted(ms)
    return {'median_ms': round(statistics.median(ms), 1), 'p90_ms': round(ms[int(0.9 * (len(ms) - 1) + 0.5)], 1),
            'all_ms': [round(v, 1) for v in ms]}


def main():
    from playwright.sync_api import sync_playwright
    results = {}
    with jupyter_lab(ROOT / 'nbs') as lab:
        nb = 'bench_sliders.ipynb'
        (lab.root / 'nbs' / nb).write_text(json.dumps(notebook()))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            page = open_notebook(lab, browser, nb)
            cells = page.locator('.jp-Notebook .jp-Cell')
            run_through(page, nb, len(CELLS) - 2)
            for name, description, i_old, i_new in SLIDERS:
                for kind, i in (('redraw in the kernel (before)', i_old), ('precomputed, picked in the browser', i_new)):
                    cell = cells.nth(i)
                    cell.scroll_into_view_if_needed()
                    handle = slider_handle(cell, description)
                    presses = press_times(page, cell, handle, few='groups' in name)
                    settle = [drag_settle(page, cell, handle) for _ in range(3)]
                    final_value, final_text = slider_readout(cell), text(cell)
                    if final_value not in final_text: print(f'  after the drags the text is {final_text!r} but the slider shows {final_value}')
                    results.setdefault(name, {})[kind] = {**summary(presses), 'settle_after_drag_ms': [round(s) for s in settle],
                                                          'final': [final_value, final_text]}
                    print(f'{name:12} {kind:36} median {results[name][kind]["median_ms"]:6.1f} ms  p90 {results[name][kind]["p90_ms"]:6.1f} ms  '
                          f'settle after a drag {", ".join(f"{s:.0f}" for s in settle)} ms', flush=True)
            browser.close()
    print('\nratio (before / after), key press to new picture:')
    for name, kinds in results.items():
        before, after = kinds['redraw in the kernel (before)'], kinds['precomputed, picked in the browser']
        print(f'  {name:12} median {before["median_ms"] / after["median_ms"]:5.1f}x faster, p90 {before["p90_ms"] / after["p90_ms"]:5.1f}x, '
              f'settle {statistics.median(before["settle_after_drag_ms"])} ms -> {statistics.median(after["settle_after_drag_ms"])} ms')
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({'what': 'ms from an arrow key press to the first new picture (page clock), and from letting go '
                                       'after a fast drag to the last change of the picture', 'presses': PRESSES,
                               'cpus': os.cpu_count(), 'load_average_1_5_15': os.getloadavg(), 'results': results}, indent=1))
    print(f'written to {OUT.relative_to(ROOT)}')


if __name__ == '__main__': main()
