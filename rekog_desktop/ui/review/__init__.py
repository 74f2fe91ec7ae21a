"""Side-by-side review of the probe face and a candidate, and the decision on it."""
