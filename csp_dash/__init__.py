"""Community safety dashboard: ingest, store, analysis and charts behind the Streamlit pages."""
