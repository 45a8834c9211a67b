"""graphroute.compare"""
