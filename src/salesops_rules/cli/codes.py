"""The exit codes of the command line (see the package's docstring): here, apart, so that the
package knows them without importing `common` (issue 13)."""

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
