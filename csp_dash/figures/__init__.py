"""What each page shows, as data: one module per page, from the store's tables, the config
and the shared filters to every figure the page shows (values, comparisons with their tests,
coverage, notes). No Streamlit, no file I/O.

The pages, their downloads, the board pack and ``python -m csp_dash figures`` (``export``)
read these same functions, so what an analyst scripts is exactly what the screen says. The
JSON contract is documented in docs/figures.md.
"""
