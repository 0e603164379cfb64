"""The report as a reader opens it: a small report of the shipped workbook in headless Chromium, offline.

Needs Chromium and its driver from the operating system's packages (Debian: ``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them when absent) and selenium (the ``test`` extra). Without
them the tests are skipped, saying so. Screenshots at 1280 px go to the report folder's parent
(``<pytest tmp>/built_report*/shots/``) for a person to look at.

The report is the session's (``built_report`` in conftest.py: two scenarios and a sweep file, so every kind
of page is there), and every page of it is opened: nothing wider than the page at 1280 px nor on A4, and
each notebook page a document of its own (``lang="zh-CN"``, a title naming its subject, a link back to
index.html that works).
"""

import os
from pathlib import Path

import pytest

from tests.run.headless import A4_PRINT_WIDTH, WIDE_ELEMENTS, WIDTH, chromium_or_skip

#: Headless Chromium (and the session's real report, whose notebooks it opens).
pytestmark = [pytest.mark.browser, pytest.mark.notebooks]

#: The report's title: the plan's (data/raw/plan.yaml of the workbook the report is built from).
REPORT_TITLE_ZH = "东莞市高端装备制造业集群行动计划"

#: Every page of the report (conftest.built_report); a page added to the report is added here, and so checked.
NOTEBOOK_PAGES = ["01_plan_baselines.html", "02_history_and_models.html", "04_targets_across_scenarios.html",
                  "05_sweep.html", "06_tracking_and_final_assessment.html", "scenarios/base.html",
                  "scenarios/shock.html"]
PAGES = ["index.html", *NOTEBOOK_PAGES]


@pytest.fixture(scope="module")
def built(built_report):
    """The session's report of two scenarios of the shipped workbook and a small sweep (every notebook, few
    paths: conftest.built_report), as (workbook, report folder)."""
    return built_report.root, built_report.folder


@pytest.fixture(scope="module")
def browser(built):
    driver = chromium_or_skip()
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
    assert sorted(p.relative_to(folder).as_posix() for p in pages) == sorted(PAGES)
    home = os.path.expanduser("~")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for path in (str(root), str(root.resolve()), str(folder), "/work/", home + "/"):
            assert path not in text, f"{page.name} names {path}"
        for remote in ("<script src=\"http", "cdnjs", "mathjax", "require.min.js", "@import url(http"):
            assert remote not in text.lower(), f"{page.name} asks for {remote}"
    assert (folder / "memo.docx").stat().st_size > 20_000


# ---------------------------------------------------------------- every page: its width, and a page as a document
def _widths(browser, page: Path, media: str) -> dict:
    """Open ``page`` at 1280 px on screen, or at A4's printable width as printed, and measure what is too wide."""
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if media == "print" else ""})
    try:
        browser.set_window_size(A4_PRINT_WIDTH if media == "print" else WIDTH, 900)
        browser.get(page.as_uri())
        return browser.execute_script(WIDE_ELEMENTS)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


@pytest.mark.parametrize("page, media", [
    pytest.param(page, media, id=f"{page}-{media}") for page in PAGES for media in ("screen", "print")])
def test_no_element_is_wider_than_the_page_at_1280_px_or_on_a4(built, browser, page, media):
    _, folder = built
    state = _widths(browser, folder / page, media)
    assert state["page"] >= (WIDTH - 20 if media == "screen" else A4_PRINT_WIDTH - 20), state["page"]
    assert state["scroll"] <= state["page"] and state["wide"] == [], state


def test_every_page_is_a_chinese_document_titled_by_its_subject_and_whole_offline(built, browser):
    _, folder = built
    titles = {}
    for page in PAGES:
        state = _open(browser, folder / page)
        assert state["errors"] == [], (page, state["errors"])
        assert all(done and width > 0 for done, width, _ in state["images"]), (page, state["images"])
        lang, title = browser.execute_script("return [document.documentElement.lang, document.title];")
        assert lang == "zh-CN", page
        # not a file name: words, not "base" or "06_tracking_and_final_assessment"
        assert " " in title.strip() and title != Path(page).stem, title
        assert "_" not in title and ".html" not in title, title
        titles[page] = title
    for page in NOTEBOOK_PAGES:  # Chinese and English, then the report's title
        assert titles[page].endswith(f" — {REPORT_TITLE_ZH}"), titles[page]
        assert any("\u4e00" <= c <= "\u9fff" for c in titles[page].split(" — ")[0]), titles[page]
        assert any(c.isascii() and c.isalpha() for c in titles[page]), titles[page]
    assert titles["scenarios/base.html"] == f"基准情景 Base case · 单一情景 One scenario — {REPORT_TITLE_ZH}"
    assert titles["scenarios/shock.html"].startswith("需求冲击情景 Demand shock 2022-2023 · 单一情景 One scenario")
    assert "跟踪与终期评估" in titles["06_tracking_and_final_assessment.html"]
    assert len(set(titles.values())) == len(titles)  # no two pages share a title
    browser.get((folder / "index.html").as_uri())
    heading = browser.execute_script("return document.querySelector('h1').innerText;")
    assert heading.startswith(REPORT_TITLE_ZH)  # the pages end with the title the index opens with


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_every_notebook_page_opens_with_a_working_link_back_to_the_summary(built, browser, page):
    from selenium.webdriver.common.by import By

    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / page).as_uri())
    link = browser.find_element(By.CSS_SELECTOR, "main > nav.dgf-home:first-child a")
    assert link.text == "← 返回摘要 Back to the summary" and link.is_displayed()
    assert link.location["y"] < 100  # at the top, before the parameters table
    assert link.get_dom_attribute("href") == ("../index.html" if "/" in page else "index.html")  # the folder can move
    link.click()
    assert browser.current_url == (folder / "index.html").as_uri()
    assert browser.execute_script("return document.querySelector('h1').innerText;").startswith(REPORT_TITLE_ZH)


# ---------------------------------------------------------------- the verdict, first and in words
#: What a reader should never see: the workbook's identifiers (evidence ids, target ids, YTD months); a
#: file's name (``data/raw/….csv``, in the parameters table) names a file the economist edits, so it may show.
IDENTIFIERS = r"\b(em_\w+|\w+_20\d\d(_\w+)?|YTD_M\d+|p_met\w*|target_id|as_of_\w+)\b(?![.\w])"


def test_the_final_verdict_is_on_the_first_screen_of_the_summary(built, browser):
    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / "index.html").as_uri())
    box = browser.execute_script(
        "const v = document.querySelector('section.verdict'); const r = v.getBoundingClientRect();"
        "return {top: r.top, bottom: Math.min(r.bottom, window.innerHeight), height: window.innerHeight,"
        " text: v.innerText};")
    assert box["top"] < 250, box  # under the title, before anything else
    assert box["bottom"] - box["top"] > 150, box  # the verdict table itself is on screen, not only a heading
    assert "终期评估 Final assessment" in box["text"]
    assert any(state in box["text"] for state in ("已实现", "未实现", "无法确认")), box["text"]


@pytest.mark.parametrize("page", ["index.html", "06_tracking_and_final_assessment.html",
                                  "04_targets_across_scenarios.html", "scenarios/base.html"])
def test_a_reader_sees_names_and_words_never_the_workbooks_identifiers(built, browser, page):
    import re

    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / page).as_uri())
    # what is read: the text outside code cells (code an economist may show is code)
    text = browser.execute_script(
        "const b = document.body.cloneNode(true);"
        "b.querySelectorAll('.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, code, pre.dgf-command, a')"
        ".forEach(e => e.remove()); return b.innerText;")
    found = sorted({m.group(0) for m in re.finditer(IDENTIFIERS, text)})
    assert found == [], (page, found)


def test_the_memo_names_targets_and_evidence_in_words(built):
    import re

    import docx

    _, folder = built
    document = docx.Document(str(folder / "memo.docx"))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    found = sorted({m.group(0) for m in re.finditer(IDENTIFIERS, text)})
    assert found == [], found
    assert re.search("已实现|未实现|无法确认", text)
