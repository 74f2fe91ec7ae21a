"""Video probes in the window: the scan job, the strip of tracks and the frame preview."""
