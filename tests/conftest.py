import pytest


@pytest.hookimpl(tryfirst=True)   # before `-m` selects
def pytest_collection_modifyitems(items):
    "Every test that uses the `browser` fixture is marked `browser` (pyproject's markers), so no browser test can land in the fast tier."
    for item in items:
        if 'browser' in getattr(item, 'fixturenames', ()): item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- the browser (test_browser, test_docs)

@pytest.fixture(scope='module')
def browser():
    "Headless Debian Chromium through Playwright (tools/browser_lab.py's CHROMIUM); a browser that cannot start fails the test."
    from browser_lab import CHROMIUM
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        pytest.fail(f'Playwright for Python is not installed ({e}): pip install playwright (never `playwright install`)')
    pw = sync_playwright().start()
    try:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        except Exception as e:
            pytest.fail(f'Chromium could not start from {CHROMIUM} (install Debian\'s chromium package, '
                        f'or set LESSON17_CHROMIUM): {e}')
        try: yield b
        finally: b.close()
    finally:
        pw.stop()
