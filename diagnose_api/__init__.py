"""diagnose-api: tells from a training history whether a model is overfitting."""
