"""The test harness behind tools/test.py, one module per kind of test."""
