"""npp-rl: train, evaluate and compare deep-RL agents on N++."""
__version__ = "0.1.0"
