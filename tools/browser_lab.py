"""JupyterLab and headless Chromium, driven as a person would: what the slider benchmark (bench/sliders.py) and the
browser tests (tests/test_browser.py) both need.

`jupyter_lab(nbs)` starts JupyterLab on a free 127.0.0.1 port, serving a temporary copy of `nbs` (so autosave or a
stray Ctrl+S can never touch the committed notebooks), trusted as `make lab` trusts them, with a temporary
JUPYTER_CONFIG_DIR that disables the announcements pop-up, temporary user settings (no autosave, no notebook
windowing, so every cell is in the DOM) and a temporary workspaces directory. `open_notebook` opens a notebook in a
fresh workspace, `run_through` runs it from the top as a person would, `slider` and `readout` find an ipywidgets slider.
"""
import contextlib, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, uuid
import urllib.error, urllib.request
from pathlib import Path

JUPYTER = Path(sys.executable).parent / 'jupyter'
CHROMIUM = os.environ.get('LESSON17_CHROMIUM', '/usr/bin/chromium')
LAB_START_TIMEOUT = 120      # seconds; the CPU may be busy
KERNEL_IDLE_TIMEOUT = 180    # seconds for a kernel to start
RUN_TIMEOUT = 300            # seconds to run a notebook through its widget cells


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1))


class Lab:
    "A running JupyterLab: its base URL, token, served directory and REST helpers."
    def __init__(self, url, token, root, proc, log):
        self.url, self.token, self.root, self.proc, self.log = url, token, root, proc, log

    def api(self, path, method='GET'):
        req = urllib.request.Request(self.url + path, method=method, data=b'' if method == 'POST' else None,
                                     headers={'Authorization': f'token {self.token}'})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def log_tail(self, n=3000):
        try: return Path(self.log).read_text(errors='replace')[-n:]
        except OSError: return ''

    def kernel_state(self, nb_path):
        "Execution state of the kernel of the session for `nb_path`, or None while there is none."
        for s in self.api('/api/sessions'):
            if s.get('path') == nb_path and s.get('kernel'): return s['kernel'].get('execution_state')
        return None


@contextlib.contextmanager
def jupyter_lab(nbs, keep_log=None):
    "A `Lab` serving a temporary copy of the folder `nbs` as `nbs/`; always shut down with POST /api/shutdown, its log copied to `keep_log`."
    tmp = Path(tempfile.mkdtemp(prefix='lesson17-lab-'))
    serve = tmp / 'serve'
    shutil.copytree(nbs, serve / 'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_*'))
    cfg, settings, workspaces, runtime = tmp / 'config', tmp / 'settings', tmp / 'workspaces', tmp / 'runtime'
    write_json(cfg / 'labconfig' / 'page_config.json',
               {'disabledExtensions': {'@jupyterlab/apputils-extension:announcements': True}})
    write_json(settings / '@jupyterlab' / 'docmanager-extension' / 'plugin.jupyterlab-settings', {'autosave': False})
    write_json(settings / '@jupyterlab' / 'notebook-extension' / 'tracker.jupyterlab-settings', {'windowingMode': 'none'})
    write_json(settings / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings',
               {'fetchNews': 'false', 'checkForUpdates': False})
    workspaces.mkdir()
    port, token = free_port(), uuid.uuid4().hex
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(cfg), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(workspaces), JUPYTER_RUNTIME_DIR=str(runtime),
               JUPYTER_DATA_DIR=str(tmp / 'data'), PYTHONUNBUFFERED='1')
    # as `make lab` does: trust the committed notebooks, so the explorers' HTML pages run their script in the slideshow
    subprocess.run([str(JUPYTER), 'trust', *map(str, sorted((serve / 'nbs').glob('*.ipynb')))], env=env, check=True,
                   capture_output=True)
    cmd = [str(JUPYTER), 'lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={serve}',
           f'--LabApp.user_settings_dir={settings}', f'--LabApp.workspaces_dir={workspaces}',
           '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
           '--ServerApp.port_retries=0']
    log = tmp / 'lab.log'
    with open(log, 'wb') as logf:
        proc = subprocess.Popen(cmd, cwd=serve, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Lab(f'http://127.0.0.1:{port}', token, serve, proc, log)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f'jupyter lab exited with {proc.returncode} before answering:\n{server.log_tail()}')
            try:
                server.api('/api/status'); break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError(f'jupyter lab did not answer on port {port} in {LAB_START_TIMEOUT} s:\n{server.log_tail()}')
                time.sleep(0.5)
        yield server
    finally:
        try: server.api('/api/shutdown', method='POST')
        except Exception: pass
        try: proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            try: os.killpg(proc.pid, signal.SIGKILL)   # its own session: the server and its kernels
            except ProcessLookupError: pass
            proc.wait(timeout=10)
        if keep_log:
            Path(keep_log).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, keep_log)
        shutil.rmtree(tmp, ignore_errors=True)


def error_outputs(page):
    "The text of every error output on the page."
    return page.evaluate("""() => [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output.jp-mod-error')]
        .map(e => e.innerText.slice(-1500))""")


def open_notebook(lab, browser, nb):
    "A new page showing `nbs/<nb>` in a fresh workspace, its kernel started and idle."
    page = browser.new_page(viewport={'width': 1400, 'height': 1000})
    ws = f'lesson17-test-{uuid.uuid4().hex[:10]}'
    page.goto(f'{lab.url}/lab/workspaces/{ws}/tree/nbs/{nb}?reset&token={lab.token}', wait_until='domcontentloaded')
    page.wait_for_selector('.jp-NotebookPanel .jp-Notebook .jp-Cell', timeout=KERNEL_IDLE_TIMEOUT * 1000)
    deadline = time.monotonic() + KERNEL_IDLE_TIMEOUT
    while lab.kernel_state(f'nbs/{nb}') != 'idle':
        if time.monotonic() > deadline:
            raise AssertionError(f'{nb}: the kernel was not idle after {KERNEL_IDLE_TIMEOUT} s:\n{lab.log_tail()}')
        time.sleep(0.5)
    return page


def run_through(page, nb, last):
    """Run `nb` from the top through cell `last`, as a person would: select the cell after it and use
    Run > Run All Above Selected Cell. Waits until cell `last` has run and shows a widget."""
    cells = page.locator('.jp-Notebook .jp-Cell')
    assert cells.count() > last + 1, f'{nb}: expected a cell after the widget cell {last}'
    nxt = cells.nth(last + 1)
    nxt.scroll_into_view_if_needed()
    nxt.locator('.jp-InputPrompt').click()      # selects the cell without editing it
    page.get_by_role('menuitem', name='Run', exact=True).click()
    page.get_by_role('menuitem', name='Run All Above Selected Cell').click()
    cell = cells.nth(last)
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        errors = error_outputs(page)
        if errors: raise AssertionError(f'{nb}: a cell raised while running through cell {last}:\n' + '\n---\n'.join(errors))
        prompt = cell.locator('.jp-InputPrompt').inner_text().strip()
        if cell.locator('.widget-image').count() and '*' not in prompt and prompt != '[ ]:': break
        if time.monotonic() > deadline: raise AssertionError(f'{nb}: cell {last} showed no widget picture after {RUN_TIMEOUT} s')
        time.sleep(0.5)
    cell.scroll_into_view_if_needed()
    return cell


def slider_handle(cell, description):
    "The noUiSlider handle of the slider described `description` in `cell`."
    box = cell.locator('.widget-slider').filter(has=cell.page.locator('.widget-label', has_text=description))
    assert box.count() == 1, f'expected one slider described {description!r}, found {box.count()}'
    return box.locator('.noUi-handle').first


def slider_readout(cell):
    "The value the slider in `cell` shows beside it."
    return cell.locator('.widget-readout').first.inner_text().strip()
