"""npp_rl.tracking"""
