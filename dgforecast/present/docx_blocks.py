"""The Word document's building blocks: a styled A4 document, a Chinese paragraph with its English below
it, a bilingual heading, a grid table with shaded cells, the document's properties.

Every style names an East Asian font (``w:eastAsia``) and the zh-CN language, so Word and LibreOffice
draw the Chinese text with a CJK font rather than boxes. python-docx writes the file; ``memo`` says what
goes in it.
"""

import datetime as dt

#: Fonts of the memo: a CJK font every Chinese Windows has (others substitute their own CJK font for
#: it, as LibreOffice does with Noto Sans CJK), and a Latin one.
CJK_FONT = "Microsoft YaHei"
LATIN_FONT = "Calibri"
#: Who the document says wrote it.
AUTHOR = "dgforecast workbook"


def _east_asian(element, font=CJK_FONT):
    """Name ``font`` as the East Asian font of a style's or run's properties, zh-CN as its language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if hasattr(element, "get_or_add_rPr"):  # a style: python-docx keeps the schema's order of children
        rpr = element.get_or_add_rPr()
    else:  # docDefaults' rPrDefault holds nothing but its rPr
        rpr = element.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            element.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names below
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")


def new_document():
    """An empty A4 document with 2 cm margins, every style in the memo's fonts, and an "English" style."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    _east_asian(doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")))
    for style in doc.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            _east_asian(style.element)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.styles["Title"].font.size = Pt(20)
    for level, size in ((1, 14), (2, 12)):
        doc.styles[f"Heading {level}"].font.size = Pt(size)
    english = doc.styles.add_style("English", WD_STYLE_TYPE.PARAGRAPH)
    english.base_style = doc.styles["Normal"]
    english.font.size = Pt(9.5)
    english.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    english.paragraph_format.space_after = Pt(8)
    _east_asian(english.element)
    return doc


def add_pair(doc, zh, en):
    """A Chinese paragraph with its English below it."""
    doc.add_paragraph(zh)
    doc.add_paragraph(en, style="English")


def add_heading(doc, zh, en, level=1):
    """A heading in Chinese then English, on one line."""
    doc.add_heading(f"{zh} {en}", level=level)


def _shade(cell, colour):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def add_table(doc, header, rows, widths=None, colours=None, colour_column=None):
    """A grid table: bold bilingual header, one row per entry, optional background per row on one column
    (the verdict or status; the last column by default). A cell's line breaks ("\\n") are kept."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        _shade(cell, "#f0f0f0")
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            cell.text = str(text)
            column = len(values) - 1 if colour_column is None else colour_column
            if colours and colours[i] and j == column:
                _shade(cell, colours[i])
    if widths:  # the grid (LibreOffice reads it) and every cell (Word reads those)
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
            if widths:
                cell.width = Cm(widths[j])
    doc.add_paragraph()
    return table


def set_properties(doc, title, created, subject):
    """The document's core properties: its subject (the plan), the workbook as author, the run's time."""
    props = doc.core_properties
    props.title = title
    props.subject = subject
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.comments = "Generated by dgforecast from the report in the same folder."
    props.language = "zh-CN"
    when = dt.datetime.strptime(created, "%Y-%m-%d %H:%M")
    props.created = when
    props.modified = when
    props.revision = 1
