"""Improvement evaluators: how much room for improvement a study has left."""
