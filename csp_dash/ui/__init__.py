"""Streamlit glue shared by app.py and the pages: cached store access, the shared sidebar,
page furniture (banner, headers, error boxes, data downloads). Analysis stays elsewhere."""
