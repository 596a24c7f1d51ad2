"""npp_rl.stack"""
