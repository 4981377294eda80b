"""Performance benchmarks (`make bench`): named measurements run against a throwaway database; see run.py."""
