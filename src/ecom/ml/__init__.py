"""The purchase-propensity model and its comparison with the generator's truth."""
