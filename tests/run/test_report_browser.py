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


# ---------------------------------------------------------------- the pages an official reads (issue 26)
#: What an official never reads: a parameter, series or target id, a package file, the benchmarks' folder.
READER_IDENTIFIERS = r"[a-z]+_[a-z0-9_]+|DG_|\.py\b|benchmarks/"
#: The pages an official reads, at 1280 x 900.
READER_PAGES = ["index.html", "06_tracking_and_final_assessment.html", "scenarios/base.html"]
#: Every paragraph, list item, heading and table cell a reader sees that has English words and no Chinese to speak
#: of (a Chinese character or more for every ten Latin letters: a text in both languages has two to three, an
#: English sentence naming 已实现 none to speak of), unless it is the English twin set right after its Chinese
#: paragraph (a table cell has no twin: it says both itself).
ENGLISH_ONLY = """
const chinese = t => /[\\u4e00-\\u9fff]/.test(t)
  && (t.match(/[\\u4e00-\\u9fff]/g) || []).length >= 0.1 * (t.match(/[A-Za-z]/g) || []).length;
const found = [];
for (const el of document.body.querySelectorAll('p, li, h1, h2, h3, h4, h5, h6, caption, figcaption, dt, dd, pre, td, th')) {
  if (el.closest('.jp-CodeCell .jp-InputArea') || el.querySelector('p, li, pre, table, h1, h2, h3, h4, h5, h6')) continue;
  const box = el.getBoundingClientRect(), text = el.innerText || '';
  if (!box.width || !box.height || (text.match(/[A-Za-z]/g) || []).length < 3 || chinese(text)) continue;
  const twin = el.previousElementSibling;
  if (!['TD', 'TH'].includes(el.tagName) && twin && chinese(twin.innerText || '')) continue;
  found.push(el.tagName.toLowerCase() + ': ' + text.slice(0, 80));
}
return found;
"""


def chinese(text) -> bool:
    """A text in Chinese, or in both languages: a Chinese character or more for every ten Latin letters."""
    import re

    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return han > 0 and han >= 0.1 * len(re.findall(r"[A-Za-z]", text))


def english_only_paragraphs(paragraphs) -> list[str]:
    """Of (text, is a table cell) in reading order, those with English words and no Chinese to speak of that are
    not the English twin of the Chinese paragraph right before them (the memo's rule, as ``ENGLISH_ONLY`` is the
    pages')."""
    import re

    found, before = [], ""
    for text, cell in paragraphs:
        if len(re.findall(r"[A-Za-z]", text)) >= 3 and not chinese(text) and (cell or not chinese(before)):
            found.append(text[:80])
        before = text
    return found


@pytest.mark.parametrize("page", READER_PAGES)
def test_a_page_an_official_reads_has_no_identifier_and_no_english_only_paragraph(built, browser, page):
    import re

    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / page).as_uri())
    text = browser.execute_script("return document.body.innerText;")
    assert sorted({m.group(0) for m in re.finditer(READER_IDENTIFIERS, text)}) == [], page
    assert browser.execute_script(ENGLISH_ONLY) == [], page


def test_the_scenario_page_opens_with_its_result_and_shows_each_chart_and_table_once(built, browser):
    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / "scenarios" / "base.html").as_uri())
    state = browser.execute_script(
        "const top = e => e.getBoundingClientRect().top + window.scrollY;"
        "const h2 = Array.from(document.querySelectorAll('h2'));"
        "const result = h2.find(h => h.innerText.startsWith('结果 The result'));"
        "const params = document.querySelector('section.dgf-params');"
        "const images = Array.from(document.images);"
        "return {result: result ? top(result) : null, table: top(result.parentElement.closest('.jp-Cell')"
        "  .nextElementSibling.querySelector('table')), params: top(params),"
        " last_image: Math.max(...images.map(top)), headings: h2.map(h => h.innerText.replace('¶', '').trim()),"
        " text: document.body.innerText};")
    assert state["result"] is not None and state["table"] < 900, state  # the result and its table on the first screen
    assert state["params"] > state["last_image"]                          # the parameters close the page
    headings = state["headings"]
    assert len(headings) == len(set(headings)) and "如果……会怎样 What if" not in headings  # the what-if is JupyterLab's
    assert state["text"].count("扇形图 Fan chart") == 1 and "目标实现概率 P(target met)" not in state["text"]


def test_the_06_page_states_the_rule_with_its_numbers_and_its_parameters_send_nowhere_else(built, browser):
    _, folder = built
    browser.set_window_size(WIDTH, 900)
    browser.get((folder / "06_tracking_and_final_assessment.html").as_uri())
    text = browser.execute_script("return document.body.innerText;")
    assert "判定规则：实现概率减去3倍蒙特卡洛标准误后仍不低于90%" in text and "十次中至多错一次" in text
    assert "A 已实现 or 未实现 verdict must also meet two conditions" in text
    assert "“±”仅为模拟（蒙特卡洛）误差" in text and "官方发布或其转载及以上" in text
    assert "(see page 06)" not in text and "见06页" not in text and "press_or_official" not in text


def test_the_memo_has_no_identifier_and_no_english_only_paragraph(built):
    import re

    import docx

    _, folder = built
    document = docx.Document(str(folder / "memo.docx"))
    paragraphs = [(p.text, False) for p in document.paragraphs]
    cells = [(cell.text, True) for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join(t for t, _ in paragraphs + cells)
    assert sorted({m.group(0) for m in re.finditer(READER_IDENTIFIERS, text)}) == []
    for gone in ("DG_IVA", "condition.py", "benchmarks/results", "M3 yearly", "dgforecast progress", "TARGET_ID",
                 "press_or_official", "min_reliability:"):
        assert gone not in text, gone
    assert english_only_paragraphs(paragraphs) == [] and english_only_paragraphs(cells) == []
    assert "十次中至多错一次" in text and "终期评估门槛" in text  # the cut-offs with their reason
