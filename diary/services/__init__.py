"""The rules of the diary. Views call these; these call the models."""
