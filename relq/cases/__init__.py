"""Cases: what a customer said, what the front line noticed, and where it stands."""
