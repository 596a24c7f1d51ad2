"""Entity behaviour by family (blocks and pads, thwumps, drones, mines) and the ninja's contacts with them."""
