"""graphroute.graphs"""
