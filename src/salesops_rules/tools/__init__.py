"""The tools for policy editors: lint, test cases, diff, coverage, schemas, table analysis."""
