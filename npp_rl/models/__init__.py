"""npp_rl.models"""
