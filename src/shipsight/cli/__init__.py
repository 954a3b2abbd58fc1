"""The analyst CLI: thin click commands, one module per command group."""
