"""npp_rl.training"""
