"""npp_rl.sim"""
