"""graphroute.neural"""
