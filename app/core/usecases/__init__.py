"""What the CLI, the worker and the window all call: one implementation per use case."""
