"""npp_rl.pretraining"""
