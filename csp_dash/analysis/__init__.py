"""Pure analysis functions: DataFrames in, DataFrames out. No Streamlit, no file I/O."""
