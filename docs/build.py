"""Build the docs site into _docs/, offline, from the notebooks in nbs/ and their committed outputs.

1. nbdev's `proc_nbs` writes processed notebooks to _proc/: hidden and exported cells gone,
   `show_doc` cells added, links to the library's symbols added.
2. `stage` turns what is left for Quarto into plain notebooks for mkdocs-jupyter: the front
   matter becomes a title, `#|` lines go (their `echo`/`output`/`include` honoured), show_doc
   output becomes markdown, and links to the nbdev site point at this one. An explorer's
   output is its plain-HTML copy as the notebook saved it (`lesson17.viz.Explorer.html`: every
   slider position's picture and text, picked by a few lines of script), so its sliders work
   with no kernel and nothing is run again; a widget with no such copy becomes a note.
3. mkdocs-material builds _docs/ with the pages in lesson order; MathJax is copied in.

Run it with `make docs`, which first installs docs/package.json's browser files from npm.
"""
import json, logging, os, re, shutil, sys, traceback
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from nbdev.config import get_config
from nbdev.serve import proc_nbs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT/'docs'
PAGES = DOCS/'.cache/pages'                             # mkdocs.yml's docs_dir
NPM = DOCS/'node_modules'
ASSETS = {'mathjax.js': DOCS/'mathjax.js',               # copied into _docs/assets, so that
          'mathjax': NPM/'mathjax/es5',                  # nothing comes from a CDN
          'iframe-worker.js': NPM/'iframe-worker/shim/index.js'}
WIDGET_NOTE = '(An interactive widget: run this notebook in Jupyter to use it.)'
WIDGET = 'application/vnd.jupyter.widget-view+json'


def notebooks(nbs=ROOT/'nbs'):
    "The lesson's notebooks in reading order: index first, then by file name (as nbdev, skip _ and .)"
    return sorted((p for p in Path(nbs).glob('*.ipynb') if p.name[0] not in '_.'), key=lambda p: (p.stem != 'index', p.name))


def html_name(nb_path):
    "nbdev's page name for a notebook: `03_model.ipynb` -> `model.html`"
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb_path.name.lower()).replace('.ipynb', '.html')


def directives(src):
    "Quarto directives from a cell's `#| key: value` lines, and the source without any `#|` line"
    d, keep = {}, []
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+):?\s*(.*?)\s*$', line)
        if m: d[m[1]] = m[2]
        else: keep.append(line)
    return d, '\n'.join(keep).strip()


def relink(text, site_url):
    "Links to nbdev's docs site become links within this one; Quarto's `{target=...}` goes"
    return re.sub(r'(\]\([^)\s]*\))\{[^}\n]*\}', r'\1', text.replace(site_url, ''))


def plain_title(title):
    "A title for the nav and the browser tab, which show text only: `code` keeps its words, loses its backticks"
    return re.sub(r'`([^`]*)`', r'\1', title)


def md_cell(like, source):
    "A markdown cell to stand in place of the cell `like`"
    return {**{k: like[k] for k in ('id',) if k in like}, 'cell_type': 'markdown', 'metadata': {}, 'source': source}


def stage_cell(c, site_url):
    "What mkdocs-jupyter should see of a processed cell: a cell, or None to leave it out"
    src = ''.join(c.get('source', ''))
    if c['cell_type'] == 'raw' and src.startswith('---'):   # nbdev's front matter, from `# title` and `> ...`
        fm = yaml.safe_load(src.strip().strip('-')) or {}
        if 'title' not in fm: return None
        return md_cell(c, f"# {fm['title']}" + (f"\n\n> {fm['description']}" if 'description' in fm else ''))
    if c['cell_type'] == 'markdown': return {**c, 'source': relink(src, site_url)}
    if c['cell_type'] != 'code': return c
    d, src = directives(src)
    outs = [] if d.get('output') == 'false' else c.get('outputs', [])
    if d.get('include') == 'false' or (not src and not outs): return None
    if d.get('output') == 'asis' and d.get('echo') == 'false':   # show_doc: its markdown goes in the page
        return md_cell(c, relink('\n'.join(''.join(o['data']['text/markdown']) for o in outs
                                             if 'text/markdown' in o.get('data', {})), site_url))
    for o in outs:   # a widget view needs a kernel; an explorer's saved HTML copy works without one
        if WIDGET in o.get('data', {}): o['data'] = {'text/html': o['data']['text/html']} if 'text/html' in o['data'] else {'text/plain': WIDGET_NOTE}
    meta = {**c.get('metadata', {}), **({'transient': {'remove_source': True}} if d.get('echo') == 'false' else {})}
    return {**c, 'source': src, 'outputs': outs, 'metadata': meta}


def stage(nbs, proc):
    "Write the pages for mkdocs and return its nav, in lesson order"
    cfg = get_config()
    site_url = '/'.join(filter(None, [cfg.doc_host.rstrip('/'), cfg.doc_baseurl.strip('/')])) + '/'
    shutil.rmtree(PAGES, ignore_errors=True)
    PAGES.mkdir(parents=True)
    nav = []
    for p in nbs:
        nb = json.loads((proc/p.name).read_text())
        nb['cells'] = [c for c in (stage_cell(c, site_url) for c in nb['cells']) if c]
        nb['metadata'].pop('widgets', None)   # else the page loads the widget manager from a CDN
        name = html_name(p).replace('.html', '.ipynb')
        (PAGES/name).write_text(json.dumps(nb, indent=1))
        h1 = re.search(r'^# (.+)$', ''.join(nb['cells'][0]['source']), re.M) if nb['cells'] else None
        nav.append({plain_title(h1[1]) if h1 else p.stem: name})
    if not (PAGES/'index.ipynb').exists():   # no nbs/index.ipynb (yet): a contents page instead
        links = ''.join(f'1. [{t}]({f})\n' for o in nav for t, f in o.items())
        (PAGES/'index.md').write_text(f'# {cfg.title}\n\n{cfg.description}\n\n{links}')
        nav.insert(0, {cfg.title: 'index.md'})
    return nav


def main():
    os.chdir(ROOT)
    logging.basicConfig(level=logging.INFO, format='%(levelname)-7s - %(message)s')
    logging.getLogger('mkdocs.mkdocs-jupyter').setLevel(logging.WARNING)
    logging.getLogger('traitlets').setLevel(logging.ERROR)   # nbconvert: 'alternative text is missing' on plots
    if missing := [str(p) for p in ASSETS.values() if not p.exists()]:
        sys.exit(f'missing {missing}: run `make docs`, which installs them from npm')
    nbs = notebooks()
    if not nbs: sys.exit('no notebooks in nbs/')
    try: proc = proc_nbs(path=ROOT/'nbs', n_workers=1)
    except Exception:   # nbdev runs a notebook's import and export cells to render its show_docs
        traceback.print_exc()
        sys.exit('nbdev_docs would fail here too: nbdev runs every cell that imports, on its own, to '
                 'document the notebook, so keep imports in cells of their own (nbdev FAQ).')
    nav = stage(nbs, proc)
    config = load_config(str(DOCS/'mkdocs.yml'), nav=nav)
    build(config)
    site = Path(config.site_dir)
    for name, src in ASSETS.items():
        if src.is_dir(): shutil.copytree(src, site/'assets'/name, dirs_exist_ok=True)
        else: shutil.copy(src, site/'assets'/name)
    print(f'docs: {len(nav)} pages in {site.relative_to(ROOT)}/')


if __name__ == '__main__': main()
