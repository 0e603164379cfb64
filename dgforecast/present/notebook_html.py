"""An executed notebook as a self-contained HTML page: no script or style fetched from elsewhere.

``export_html`` is what ``notebook.execute_notebook`` writes a page with; the page is a document of its
own (``document``: language, title, the link back to the report's summary).
"""

import logging
from pathlib import Path

from dgforecast.core.fileio import write_text_atomic
from dgforecast.core.numbers import html_escape
from dgforecast.present.document import HOME_CSS, LANG, file_subject, home_link_html, notebook_heading, page_title

log = logging.getLogger(__name__)

#: The tag of a notebook's cells that are for JupyterLab alone (sliders): a report page leaves them out.
LAB_ONLY = "lab-only"


def export_html(notebook, html, show_code=False, preamble_html="", title=None, subject="", home=None,
                report_title="", appendix_html="") -> Path:
    """Export an executed notebook to a self-contained HTML page, atomically.

    The page loads no script and no style from elsewhere: it reads the same opened from a disk on a
    machine without a network. It is a document of its own (``document``): ``lang="zh-CN"``, a title
    naming what it shows, and, in a report, a link back to the summary at the top.

    Parameters
    ----------
    notebook : str or Path
        The executed ``.ipynb``.
    html : str or Path
        The page to write.
    show_code : bool
        Keep the code cells (default: hide them, as ``jupyter nbconvert --no-input`` does). Cells tagged
        ``lab-only`` (``LAB_ONLY``: the live what-if) are left out either way.
    preamble_html : str
        Trusted HTML inserted at the top of the page body.
    appendix_html : str
        Trusted HTML placed at the end of the page body (e.g. the parameters of a page that opens with its
        answer).
    title : str, optional
        The page title; default ``document.page_title(subject, <the notebook's first heading>)``.
        The template escapes it.
    subject : str
        What the page is about besides its notebook, e.g. the scenario ("基准情景 Base case").
    home : str, optional
        The relative address of the report's index.html (``document.home_href``); None: no link.
    report_title : str
        The report's title (the plan's), which the page's title ends with.
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    # nbconvert's accessibility hint (charts without alt text) is not the reader's concern here.
    quiet = logging.getLogger(f"{__name__}.nbconvert")
    quiet.setLevel(logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.ERROR)
    exporter = HTMLExporter(template_name="lab", template_file=PAGE_TEMPLATE,
                            extra_loaders=[jinja2.DictLoader({PAGE_TEMPLATE: PAGE_TEMPLATE_SOURCE})], log=quiet,
                            exclude_input=not show_code, exclude_input_prompt=not show_code,
                            exclude_output_prompt=True, require_js_url="", mathjax_url="", mermaid_js_url="")
    nb = nbformat.read(notebook, as_version=4)
    # cells for JupyterLab alone (the live what-if): a page shows each table and chart once, and nothing moves there
    nb.cells = [cell for cell in nb.cells if LAB_ONLY not in cell.get("metadata", {}).get("tags", [])]
    title = title or page_title(subject, notebook_heading(nb) or file_subject(notebook.stem), report=report_title)
    # a title in the notebook's metadata would win in the template; the page's is this one (the file keeps it)
    nb.metadata.pop("title", None)
    resources = {"metadata": {"name": title}, "dgforecast": {"lang": LANG, "css": HOME_CSS}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return write_text_atomic(html, insert_appendix(insert_preamble(body, home_link_html(home) + preamble_html),
                                                   appendix_html))


#: JupyterLab's page template without the scripts it would fetch from a public CDN (require.js, MathJax,
#: mermaid, widgets): pages are read offline and on networks that cannot reach it. The notebooks use no
#: LaTeX, diagrams or widgets, and their images are embedded in the outputs already. nbconvert takes
#: only two-letter language codes (``language_code``), so the page's ``lang`` is set on its ``<html>`` tag.
PAGE_TEMPLATE = "dgforecast_page.html.j2"
PAGE_TEMPLATE_SOURCE = (
    "{%- extends 'index.html.j2' -%}"
    + "".join(f"{{%- block {b} -%}}{{%- endblock {b} -%}}"
              for b in ("html_head_js_requirejs", "html_head_js_mathjax", "html_head_js_mermaidjs", "jupyter_widgets"))
    + "{%- block header -%}{{ super() | replace('<html lang=\"' ~ resources.language_code ~ '\">',"
      " '<html lang=\"' ~ resources.dgforecast.lang ~ '\">', 1) }}{%- endblock header -%}"
    + "{%- block extra_css -%}<style type=\"text/css\">{{ resources.dgforecast.css }}</style>{%- endblock extra_css -%}")


def insert_preamble(page: str, preamble_html: str) -> str:
    """``page`` with ``preamble_html`` placed right after the opening ``<main>`` (or ``<body>``) tag."""
    if not preamble_html:
        return page
    for tag in ("<main", "<body"):
        start = page.find(tag)
        if start >= 0:
            end = page.index(">", start) + 1
            return page[:end] + "\n" + preamble_html + "\n" + page[end:]
    return preamble_html + page


def insert_appendix(page: str, appendix_html: str) -> str:
    """``page`` with ``appendix_html`` placed right before the closing ``</main>`` (or ``</body>``) tag."""
    if not appendix_html:
        return page
    for tag in ("</main>", "</body>"):
        end = page.rfind(tag)
        if end >= 0:
            return page[:end] + "\n" + appendix_html + "\n" + page[end:]
    return page + appendix_html


def replaced_note_html(replaced: dict) -> str:
    """What a page says when the report replaced values its notebook's parameters cell sets (``replaced``:
    name -> (the notebook's value, the value used), ``parameters.replaced_values``); "" when none was."""
    if not replaced:
        return ""
    items = "".join(f"<li><code>{html_escape(name)} = {html_escape(repr(mine))}</code> → "
                    f"<code>{html_escape(repr(used))}</code></li>" for name, (mine, used) in replaced.items())
    return ("<div class='dgf-replaced' style='margin:.8em 10px;padding:.5em .8em;border-left:4px solid #c0392b;"
            "background:#fdf2f0;font:14px/1.5 sans-serif'>"
            "<p>注意：本页的笔记本在参数单元中设定的值已被报告自己的值取代（报告的值来自 params.yaml 和命令行的 -p）：<br>"
            "Note: the report replaced values this page's notebook sets in its parameters cell with its own (a "
            "report's values come from params.yaml and -p on the command line):</p>"
            f"<ul>{items}</ul>"
            "<p>要在报告中使用您的值，请写入 params.yaml 或用 -p 传入。 To use your values in a report, put them in "
            "params.yaml or pass them with -p.</p></div>")
