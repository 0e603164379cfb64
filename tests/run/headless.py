"""Headless Chromium for the tests that open pages as a reader does (docs/browser.md): offline, at 1280 px,
and what on a page is wider than the page (on screen, or at an A4 page's printable width).

Needs Chromium and its driver from the operating system's packages (Debian: ``apt-get install chromium
chromium-driver``) and selenium (the ``test`` extra); without them ``chromium_or_skip`` skips the test, saying so.
"""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
#: The browser sees no network: every host name fails to resolve, and any proxy use goes to a closed port.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"]
WIDTH = 1280
#: An A4 page less the print margins (210 mm - 2 x 14 mm) in CSS pixels (96 per inch).
A4_PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)


def chromium_or_skip():
    """A headless Chromium at 1280 x 900 that sees no network; the test is skipped, saying why, without one."""
    if not CHROMIUM or not DRIVER:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does it)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                 f"--window-size={WIDTH},900", *OFFLINE]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


#: Every element drawn wider than the page, or cut off inside a scroll box: what a reader cannot see at once.
WIDE_ELEMENTS = """
const page = document.documentElement.clientWidth, wide = [];
for (const el of document.body.querySelectorAll('*')) {
  const box = el.getBoundingClientRect();
  if (!box.width && !box.height) continue;
  const cut = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
  if ((box.right > page + 1 || box.left < -1 || cut) && !wide.some(w => w.el.contains(el)))
    wide.push({el, what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''),
               width: Math.round(Math.max(box.width, el.scrollWidth)), text: (el.innerText || '').slice(0, 40)});
}
return {page, scroll: document.documentElement.scrollWidth, wide: wide.map(({el, ...w}) => w)};
"""


