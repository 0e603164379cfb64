"""The report as a reader opens it: a small report of the shipped workbook in headless Chromium, offline.

Needs Chromium and its driver from the operating system's packages (Debian: ``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them when absent) and selenium (the ``test`` extra). Without
them the tests are skipped, saying so. Screenshots at 1280 px go to the report folder's parent
(``<pytest tmp>/browser*/shots/``) for a person to look at.
"""

import io
import os
import shutil
from pathlib import Path

import pytest

from dgforecast import report
from tests.conftest import copy_workbook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
#: The browser sees no network: every host name fails to resolve, and any proxy use goes to a closed port.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"]
WIDTH = 1280
#: An A4 page less the print margins (210 mm - 2 x 14 mm) in CSS pixels (96 per inch).
A4_PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)


def _browser_or_skip():
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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A report of two scenarios of the shipped workbook (every notebook, few paths)."""
    root = copy_workbook(tmp_path_factory.mktemp("browser") / "workbook")
    result = report.build_report(root, "base,shock", out=root.parent / "report", workers=2,
                                 overrides={"n_sims": 2000}, progress_stream=io.StringIO())
    assert result.ok, [str(result.runs[name].failure) for name in result.failures]
    return root, result.folder


@pytest.fixture(scope="module")
def browser(built):
    driver = _browser_or_skip()
    yield driver
    driver.quit()


def _open(browser, page: Path, shot: Path | None = None) -> dict:
    """Open ``page`` offline at 1280 px: its widths, images, visible text and the console's errors."""
    browser.set_window_size(WIDTH, 900)
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(page.as_uri())
    state = browser.execute_script(
        "const d = document.documentElement;"
        "return {scroll: d.scrollWidth, client: d.clientWidth, height: d.scrollHeight, text: document.body.innerText,"
        " images: Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getAttribute('src').slice(0, 30)])};")
    state["errors"] = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        browser.set_window_size(WIDTH, min(state["height"] + 100, 16000))
        browser.save_screenshot(str(shot))
    return state


def test_index_reads_as_the_summary_offline_without_overflow(built, browser):
    _, folder = built
    state = _open(browser, folder / "index.html", folder.parent / "shots" / "index.png")
    assert state["client"] >= WIDTH - 20 and state["scroll"] <= state["client"], state["scroll"]
    assert state["errors"] == []
    assert state["images"] and all(done and width > 0 for done, width, _ in state["images"]), state["images"]
    text = state["text"]
    assert "按基准情景，截至" in text and "Base case, with the figures published up to" in text
    assert "终期评估 Final assessment" in text and "暂无公开数字" in text and "no public figure" in text
    assert "NaN" not in text and "None" not in text


def test_index_fits_an_a4_page_when_printed(built, browser):
    _, folder = built
    browser.get((folder / "index.html").as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        browser.set_window_size(A4_PRINT_WIDTH, 900)
        scroll, client = browser.execute_script(
            "const d = document.documentElement; return [d.scrollWidth, d.clientWidth];")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert scroll <= client, (scroll, client)


def test_scenario_page_shows_its_parameters_once_and_loads_everything_offline(built, browser):
    _, folder = built
    state = _open(browser, folder / "scenarios" / "base.html", folder.parent / "shots" / "base.png")
    assert state["scroll"] <= state["client"], state["scroll"]
    assert state["errors"] == []
    assert len(state["images"]) >= 2 and all(done and width > 0 for done, width, _ in state["images"])
    assert all(src.startswith("data:image/") for *_, src in state["images"])  # nothing beside or outside the page
    text = state["text"]
    assert text.count("情景参数 Parameters") == 1 and "Parameters used" not in text
    assert "NaN" not in text and "None" not in text and "workbook:" not in text


def test_no_page_names_the_machine_or_asks_the_network(built):
    root, folder = built
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) == 7  # index, 01, 02, 04, 06, two scenarios
    home = os.path.expanduser("~")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for path in (str(root), str(root.resolve()), str(folder), "/work/", home + "/"):
            assert path not in text, f"{page.name} names {path}"
        for remote in ("<script src=\"http", "cdnjs", "mathjax", "require.min.js", "@import url(http"):
            assert remote not in text.lower(), f"{page.name} asks for {remote}"
    assert (folder / "memo.docx").stat().st_size > 20_000
