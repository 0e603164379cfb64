"""present: what a reader sees — sentences, tables, charts, the index page, the memo, the what-if.

Pure functions from judged results to text, pandas tables, matplotlib figures, HTML and Word; the
notebooks call them through the package's face. Imports from the layers above; runs nothing.
"""
