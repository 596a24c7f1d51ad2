"""npp_rl.envs"""
