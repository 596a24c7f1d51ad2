"""npp_rl.levels"""
