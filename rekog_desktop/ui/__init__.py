"""The desktop app's Qt side: windows, models, views, workers (core never imports it)."""
