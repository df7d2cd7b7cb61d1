"""Each notebook as the deck a teacher presents: RISE in JupyterLab, full page in headless Chromium at 1280×720, from
the notebook as saved (nothing runs). Prints every slide's height against the screen and its first line, and says
whether the first slide is a title:

    .venv/bin/python tools/deck_report.py nbs/index.ipynb nbs/04_lerp.ipynb ...   # exit status 1 if a deck fails

Works from any worktree: it serves a temporary copy of each notebook's folder (tools/browser_lab.py), so the
notebooks given are never touched. tests/test_decks.py asserts on the same measures.

RISE (jupyterlab-rise 0.43) sizes the deck to the page (width and height 100 %): a slide's content taller than the
screen is cut off, not scaled. A slide here is a `section` with no `section` inside it (a `##` slide, or one of its
sub-slides); its height is the section's scrollHeight once its cells have rendered, the screen the `.reveal` element's.
"""
import argparse, sys, time, urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from browser_lab import CHROMIUM, jupyter_lab

WIDTH, HEIGHT = 1280, 720       # the projector
OPEN_TIMEOUT = 120              # seconds for the deck to show its first slide (the CPU may be busy)
SETTLE_TIMEOUT = 20             # seconds for a slide's cells to render and its height to stop changing

# The slide on show: the innermost present section, its position (h.v), whether its cells have rendered, its height,
# the screen's, its first heading (else its first line), and what it shows first.
CURRENT_JS = """() => {
  const slides = [...document.querySelectorAll('.reveal .slides section')].filter(s => !s.querySelector('section'));
  const cur = slides.find(s => s.classList.contains('present'));
  if (!cur) return null;
  const stacks = [...document.querySelectorAll('.reveal .slides > section')];
  const h = stacks.findIndex(s => s === cur || s.contains(cur));
  const v = cur.parentElement.tagName === 'SECTION' ? [...cur.parentElement.children].filter(c => c.tagName === 'SECTION').indexOf(cur) : 0;
  const cells = [...cur.querySelectorAll('.jp-Cell')];
  const rendered = cells.every(c => !c.classList.contains('jp-MarkdownCell') || c.classList.contains('jp-mod-rendered'))
                   && [...cur.querySelectorAll('img')].every(i => i.complete);
  const line = e => (e ? e.innerText : '').split('\\n').map(l => l.trim()).filter(l => l)[0] || '';
  const shows = c => c.querySelector(c.classList.contains('jp-MarkdownCell') ? '.jp-RenderedMarkdown' : '.jp-InputArea-editor') || c;  // not its prompt
  const heading = cur.querySelector('.jp-RenderedMarkdown h1, .jp-RenderedMarkdown h2, .jp-RenderedMarkdown h3, .jp-RenderedMarkdown h4');
  const first = cells[0];
  const md = first && first.classList.contains('jp-MarkdownCell') ? first.querySelector('.jp-RenderedMarkdown') : null;
  const firstEl = md ? [...md.children].find(e => e.innerText.trim()) : null;
  return {h, v, n: slides.length, rendered, height: cur.scrollHeight, screen: document.querySelector('.reveal').clientHeight,
          title: line(heading) || line(first && shows(first)), first_tag: firstEl ? firstEl.tagName : (first ? 'code' : 'nothing'),
          first_line: firstEl ? line(firstEl) : line(first && shows(first))};
}"""


@dataclass
class Slide:
    "One slide as presented: its position h.v, its height and the screen's in CSS pixels, its first heading or line."
    h: int
    v: int
    height: int
    screen: int
    title: str

    @property
    def ratio(self): return self.height / self.screen
    @property
    def where(self): return f'{self.h + 1}.{self.v + 1}'


@dataclass
class Deck:
    "A notebook's deck: its slides in the order Space shows them, and what its first slide shows first."
    path: str
    slides: list = field(default_factory=list)
    first_tag: str = ''          # the tag of the first slide's first shown element ('H1' for a title), or 'code'
    first_line: str = ''
    seconds: float = 0.

    @property
    def title_first(self): return self.first_tag == 'H1'
    @property
    def too_tall(self): return [s for s in self.slides if s.height > s.screen]

    def problems(self):
        "What a teacher could not present, one line each: a first slide that is not a title, each slide taller than the screen."
        out = [] if self.title_first else [f'the first slide is not a title: it shows {self.first_line!r} '
                                           f'({self.first_tag}), not a `# ` heading']
        out += [f'slide {s.where} ({s.title!r}) is {s.height} px tall on a {s.screen} px screen ({s.ratio:.2f}×)'
                for s in self.too_tall]
        return out

    def report(self):
        "Every slide's height as a share of the screen, and its first line; the too-tall ones marked."
        lines = [f'{self.path}: {len(self.slides)} slides, {len(self.too_tall)} taller than the screen'
                 + (f' (worst {max(s.ratio for s in self.slides):.2f}×)' if self.slides else '')
                 + f'; first slide {"a title" if self.title_first else "NOT a title: " + repr(self.first_line)}'
                 + f'  [{self.seconds:.0f} s]']
        lines += [f'  {s.where:>6} {s.ratio:5.2f}{" TOO TALL" if s.height > s.screen else "         "}  {s.title[:90]}'
                  for s in self.slides]
        return '\n'.join(lines)


def _settled(page):
    "The slide on show once its cells have rendered and its height has held for three looks 0.2 s apart."
    deadline, last, same = time.monotonic() + SETTLE_TIMEOUT, None, 0
    while True:
        cur = page.evaluate(CURRENT_JS)
        if cur and cur['rendered'] and last and (cur['h'], cur['v'], cur['height']) == (last['h'], last['v'], last['height']):
            same += 1
            if same >= 2: return cur
        else: same = 0
        last = cur
        if time.monotonic() > deadline:
            if cur: return cur    # still rendering: measure what shows
            raise AssertionError('the deck shows no slide')
        page.wait_for_timeout(200)


def _close_sessions(lab, path):
    "Shut down the kernel the deck's page started (RISE opens a session for the notebook)."
    for s in lab.api('/api/sessions'):
        if s.get('path') == path:
            req = urllib.request.Request(f"{lab.url}/api/sessions/{s['id']}", method='DELETE',
                                         headers={'Authorization': f'token {lab.token}'})
            try: urllib.request.urlopen(req, timeout=10).close()
            except OSError: pass


def measure_deck(lab, browser, path):
    """The `Deck` of `path` (relative to the lab's root) as RISE presents it at 1280×720: opened full page at
    `/rise/<path>`, stepped through with Space, every slide measured once its cells have rendered."""
    t0 = time.monotonic()
    context = browser.new_context(viewport={'width': WIDTH, 'height': HEIGHT})
    try:
        page = context.new_page()
        page.goto(f'{lab.url}/rise/{path}?token={lab.token}', wait_until='domcontentloaded')
        page.wait_for_selector('.reveal .slides section.present', timeout=OPEN_TIMEOUT * 1000)
        deck, seen, stuck = Deck(path), set(), 0
        cur = _settled(page)
        deck.first_tag, deck.first_line = cur['first_tag'], cur['first_line']
        for _ in range(10 * cur['n'] + 20):        # Space also steps through fragments
            if (cur['h'], cur['v']) not in seen:
                seen.add((cur['h'], cur['v']))
                deck.slides.append(Slide(cur['h'], cur['v'], cur['height'], cur['screen'], cur['title']))
                stuck = 0
            if len(seen) == cur['n']: break
            page.keyboard.press('Space')
            cur, stuck = _settled(page), stuck + 1
            if stuck > 12:
                raise AssertionError(f'{path}: Space stopped moving the deck at slide {cur["h"] + 1}.{cur["v"] + 1} '
                                     f'({cur["title"]!r}) with {cur["n"] - len(seen)} of {cur["n"]} slides not shown')
        deck.seconds = time.monotonic() - t0
        return deck
    finally:
        context.close()
        _close_sessions(lab, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='+', type=Path, help='notebooks to present, e.g. nbs/04_lerp.ipynb')
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    paths = [p.resolve() for p in args.notebooks]
    for p in paths:
        if not p.is_file(): ap.error(f'no notebook {p}')
    bad = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for folder in dict.fromkeys(p.parent for p in paths):    # one JupyterLab per folder: images beside them load
                with jupyter_lab(folder) as lab:
                    for p in (p for p in paths if p.parent == folder):
                        deck = measure_deck(lab, browser, f'nbs/{p.name}')
                        deck.path = str(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
                        print(deck.report(), flush=True)
                        bad += bool(deck.problems())
        finally:
            browser.close()
    return 1 if bad else 0


if __name__ == '__main__': sys.exit(main())
