"""Knowledge-graph link prediction: NBFNet, DistMult, K-Paths-style retrieval, explanations."""
