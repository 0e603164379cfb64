"""The portfolio as a director opens it: the page of the four workbooks in headless Chromium, offline.

Every plan's headline is on the first screen at 1280 x 900, nothing is wider than the page at 1280 px or on A4,
no console error, every link to a plan's report opens it. The screenshot at 1280 x 900 goes beside the page
(``<pytest tmp>/portfolio*/shots/portfolio.png``) for a person to look at (docs/browser.md).
"""

from pathlib import Path

import pytest

from tests.run.headless import A4_PRINT_WIDTH, WIDE_ELEMENTS, WIDTH, chromium_or_skip
from tests.run.portfolio_reports import WORKBOOKS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Where each plan's overview row is, and what the first screen shows of it.
HEADLINES = """
return Array.from(document.querySelectorAll('table.plans tbody tr')).map(tr => {
  const box = tr.getBoundingClientRect();
  return {top: box.top, bottom: box.bottom, left: box.left, right: box.right, text: tr.innerText};
});
"""


@pytest.fixture(scope="module")
def page(built_portfolio) -> Path:
    return built_portfolio[1] / "portfolio.html"


@pytest.fixture(scope="module")
def browser(page):
    driver = chromium_or_skip()
    yield driver
    driver.quit()


def test_every_plans_headline_is_on_the_first_screen_at_1280_by_900(page, browser):
    browser.set_window_size(WIDTH, 900)
    browser.get_log("browser")
    browser.get(page.as_uri())
    shot = page.parent.parent / "shots" / "portfolio.png"
    shot.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(shot))
    rows = browser.execute_script(HEADLINES)
    height = browser.execute_script("return window.innerHeight;")
    width = browser.execute_script("return document.documentElement.clientWidth;")
    assert len(rows) == len(WORKBOOKS)
    for row in rows:  # the whole row: title, states and vintage, seen without scrolling either way
        assert row["bottom"] <= height and row["right"] <= width and row["left"] >= 0, row
        assert "项目标" in row["text"] and "target" in row["text"]
    assert browser.execute_script("return document.documentElement.scrollWidth;") <= width
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
    lang, title = browser.execute_script("return [document.documentElement.lang, document.title];")
    assert lang == "zh-CN" and title.startswith("规划一览 Plans at a glance")


@pytest.mark.parametrize("media", ["screen", "print"])
def test_nothing_is_wider_than_the_page_at_1280_px_or_on_a4(page, browser, media):
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if media == "print" else ""})
    try:
        browser.set_window_size(A4_PRINT_WIDTH if media == "print" else WIDTH, 900)
        browser.get(page.as_uri())
        state = browser.execute_script(WIDE_ELEMENTS)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert state["scroll"] <= state["page"] and state["wide"] == [], state


def test_each_plans_link_opens_its_own_report_offline(page, browser):
    browser.set_window_size(WIDTH, 900)
    browser.get(page.as_uri())
    links = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.plans a')).map(a => [a.innerText, a.href]);")
    assert len(links) == len(WORKBOOKS)
    for title, href in links:
        browser.get(href)
        heading = browser.execute_script("return document.querySelector('h1').innerText;")
        assert heading.startswith(title.strip()), (title, heading)
