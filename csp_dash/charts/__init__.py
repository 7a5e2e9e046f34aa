"""Plotly figures and pydeck layers built from analysis results; no I/O, no Streamlit."""
