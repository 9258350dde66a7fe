"""Data: synthetic signal generators, encoders and loaders of real datasets."""
