"""Text translation: the CTranslate2 engine (NLLB-200, M2M-100), language codes, sentence
splitting, and runs (a stored transcript translated into a new run of the case)."""
