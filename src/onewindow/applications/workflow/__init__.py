"""The workflow engine: the generic core (`engine`) and the parsed definitions it runs."""
