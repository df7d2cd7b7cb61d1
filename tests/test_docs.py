"""The docs site: `make docs` builds _docs/, and every page works in a browser with no network.

Each page is opened in headless Chromium from a local server: its plots load, its maths is
typeset, nothing logs an error, no `#|` line or hidden cell shows, and every request goes to
the local server. A screenshot of each page lands in artifacts/docs/.
"""
import functools, json, re, subprocess, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE, SHOTS = ROOT/'_docs', ROOT/'artifacts/docs'
IMAGE_TYPES = ('image/png', 'image/jpeg', 'image/svg+xml', 'image/gif')


def directives(src):
    return {m[1]: m[2] for m in re.finditer(r'^\s*#\|\s*([\w-]+):?\s*(.*?)\s*$', src, re.M)}


def expected_pages():
    "What each notebook promises its page: (page, images shown, maths in its markdown, lines of hidden cells)"
    nbs = sorted((p for p in (ROOT/'nbs').glob('*.ipynb') if p.name[0] not in '_.'), key=lambda p: (p.stem != 'index', p.name))
    pages = []
    for p in nbs:
        cells = json.loads(p.read_text())['cells']
        shown, hidden, images, maths = [], [], 0, False
        for c in cells:
            src = ''.join(c['source'])
            d = directives(src)
            if c['cell_type'] == 'markdown': maths |= '$' in re.sub(r'```.*?```|`[^`]*`', '', src, flags=re.S)   # not a shell's $ in code
            if c['cell_type'] != 'code': continue
            if 'hide' in d or d.get('include') == 'false': hidden.append(src); continue
            shown.append(src)
            if d.get('output') != 'false':
                images += sum(any(t in o.get('data', {}) for t in IMAGE_TYPES) for o in c.get('outputs', []))
        shown_lines = {l.strip() for s in shown for l in s.splitlines()}
        secret = {l.strip() for s in hidden for l in s.splitlines()
                  if len(l.strip()) > 15 and not l.strip().startswith('#') and l.strip() not in shown_lines}
        page = re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.stem.lower()) + '.html'
        pages.append((page, images, maths, sorted(secret)))
    return pages


PAGES = expected_pages()


@pytest.fixture(scope='module')
def site():
    "Build the site, serve _docs/ on a free local port, and yield its base URL"
    r = subprocess.run(['make', 'docs'], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f'make docs failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}'
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    server = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}/'
    server.shutdown()
    server.server_close()


def visit(browser, url, shot=None):
    "Open `url`; return the page, the console errors and the requests it made"
    page = browser.new_page(viewport={'width': 1280, 'height': 900})
    errors, requests = [], []
    page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.on('requestfailed', lambda r: errors.append(f'request failed: {r.url}'))
    page.on('request', lambda r: requests.append(r.url))
    page.goto(url, wait_until='load')
    return page, errors, requests


def test_site_has_a_page_per_notebook_in_lesson_order(site, browser):
    assert PAGES, 'no notebooks in nbs/'
    page, errors, _ = visit(browser, site)
    hrefs = page.eval_on_selector_all('.md-nav--primary a.md-nav__link[href]',
                                      'as => as.map(a => new URL(a.href).pathname.slice(1))')
    in_nav = [h for h in dict.fromkeys(hrefs) if h.endswith('.html')]
    want = [p[0] for p in PAGES]
    assert [h for h in in_nav if h in want] == want, in_nav
    assert not errors
    page.close()


@pytest.mark.parametrize('name,images,maths,secret', PAGES, ids=[p[0] for p in PAGES])
def test_page(site, browser, name, images, maths, secret):
    page, errors, requests = visit(browser, site + name)
    page.wait_for_function('window.MathJax && MathJax.startup && MathJax.startup.promise', timeout=10_000)
    n_maths = page.evaluate("MathJax.startup.promise.then(() => document.querySelectorAll('mjx-container').length)")
    imgs = page.eval_on_selector_all('.jupyter-wrapper img',
                                     'is => Promise.all(is.map(i => i.decode().then(() => i.naturalWidth, () => 0)))')
    text = page.inner_text('article')
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS/name.replace('.html', '.png'), full_page=True)
    page.close()

    assert len(imgs) >= images, f'{len(imgs)} images on the page, the notebook has {images}'
    assert all(w > 0 for w in imgs), f'images that did not load: {imgs}'
    if maths: assert n_maths > 0, 'the notebook has maths, but none was typeset'
    assert '$$' not in text, 'untypeset display maths'
    assert not re.search(r'^\s*#\|', text, re.M), 'an nbdev directive shows'   # (prose may name one)
    assert not [l for l in secret if l in text], 'a hidden cell shows'
    assert not errors, errors
    assert [u for u in requests if not u.startswith((site, 'data:', 'blob:'))] == []


def test_search_finds_a_page(site, browser):
    "The longest word of the last page's title finds that page"
    name = PAGES[-1][0]
    page, errors, requests = visit(browser, site + name)
    word = max(re.findall(r'[A-Za-z]+', page.inner_text('article h1')), key=len)
    page.click('input.md-search__input')
    page.keyboard.type(word, delay=50)
    page.wait_for_selector('a.md-search-result__link', timeout=10_000)
    found = page.eval_on_selector_all('a.md-search-result__link', 'as => as.map(a => new URL(a.href).pathname)')
    page.close()
    assert f'/{name}' in found, (word, found)
    assert not errors, errors
    assert [u for u in requests if not u.startswith((site, 'data:', 'blob:'))] == []


def notebook_title(name):
    "The title of the notebook behind page `name`: its first `# ` heading"
    nb = next(p for p in (ROOT/'nbs').glob('*.ipynb') if re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.stem.lower()) + '.html' == name)
    first = ''.join(next(c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')['source'])
    return re.search(r'^# (.+)$', first, re.M)[1]


@pytest.mark.parametrize('name', [p[0] for p in PAGES])
def test_title_keeps_code_words(site, browser, name):
    "The page's heading, its browser tab and its nav entry all read as the notebook's title (code shown as code in the heading)"
    title = notebook_title(name)
    words = re.sub(r'`([^`]*)`', r'\1', title)
    page, errors, _ = visit(browser, site + name)
    h1 = page.locator('article h1').first
    assert h1.inner_text().replace('¶', '').strip() == words
    assert h1.locator('code').count() == title.count('`') // 2
    assert page.title() == ('lesson17' if name == 'index.html' else f'{words} - lesson17')   # the home page: the site's name
    nav = page.eval_on_selector_all('.md-nav--primary a.md-nav__link[href]',
                                    f'as => as.filter(a => new URL(a.href).pathname.endsWith("/{name}") && !new URL(a.href).hash).map(a => a.innerText.trim())')
    assert nav and set(nav) == {words}, nav
    page.close()


EXPLORERS = {'lerp.html': [('weight', None), ('momentum', 'other: mom is the weight of the old average')],
             'norm_zoo.html': [('groups', 'BatchNorm')]}


@pytest.mark.parametrize('name', EXPLORERS)
def test_sliders_work_without_a_kernel(site, browser, name):
    "Each slider moves with the keyboard and its readout, text and picture change; the choice beside it changes the page too"
    assert (SITE/name).stat().st_size < 4_000_000, 'the page weighs more than a few MB'
    page, errors, requests = visit(browser, site + name)
    explorers = page.locator('.lesson17-explorer')
    assert explorers.count() == len(EXPLORERS[name])
    for k, (label, other) in enumerate(EXPLORERS[name]):
        ex = explorers.nth(k)
        slider, out, text, img = (ex.locator(s) for s in ('input[type=range]', 'output', '.lesson17-text', 'img'))
        assert slider.get_attribute('aria-label') == label
        for key in ('ArrowRight', 'ArrowRight', 'ArrowLeft'):
            before = (slider.input_value(), out.inner_text(), text.inner_text(), img.get_attribute('src'))
            slider.focus(); page.keyboard.press(key)
            after = (slider.input_value(), out.inner_text(), text.inner_text(), img.get_attribute('src'))
            assert int(after[0]) == int(before[0]) + (1 if key == 'ArrowRight' else -1)
            assert all(a != b for a, b in zip(after[1:], before[1:])), (key, before[:3], after[:3])
            assert img.get_attribute('alt') == f'{label} {after[1]}'
        if other:
            before = (text.inner_text(), img.get_attribute('src'))
            ex.locator('select').select_option(other)
            assert text.inner_text() != before[0] and img.get_attribute('src') != before[1]
    page.screenshot(path=SHOTS/name.replace('.html', '-sliders.png'), full_page=True)
    page.close()
    assert not errors, errors
    assert [u for u in requests if not u.startswith((site, 'data:', 'blob:'))] == []
