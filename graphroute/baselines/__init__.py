"""Classical baselines: OR-Tools, PyVRP and constructive heuristics (heavy imports are lazy)."""
