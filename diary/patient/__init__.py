"""The patient's pages: log a day, history, own trends, usual medications."""
