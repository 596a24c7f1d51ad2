"""npp_rl.comparison"""
