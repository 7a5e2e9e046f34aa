"""Reports built from the analysis layer: the board pack PDF."""
