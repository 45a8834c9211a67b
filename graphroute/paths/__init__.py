"""graphroute.paths"""
