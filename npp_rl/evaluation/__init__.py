"""npp_rl.evaluation"""
